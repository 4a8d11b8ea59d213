/* UTF-8 for what leaves as JSON: jansson refuses a string that is not well-formed
 * UTF-8, and text quoted from outside (file names, values, a report's strings), or cut
 * at a byte count, may not be. */
#ifndef PROMOTE_UTF8_H
#define PROMOTE_UTF8_H

#include <stddef.h>

/* The length of the well-formed UTF-8 sequence at S (RFC 3629: no overlong form, no
 * surrogate, nothing above U+10FFFF), or 0 when there is none (at the NUL too). */
size_t utf8_seq(const char *s);

/* The same for S of N bytes, not NUL-terminated: 0 also when the sequence runs past N. */
size_t utf8_seqn(const char *s, size_t n);

/* ASCII digits and letters, whatever the locale says (the C library's isdigit and isalpha
 * follow it, and take an unsigned char). */
static inline int
ascii_digit(char c)
{
    return c >= '0' && c <= '9';
}

static inline int
ascii_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Replace, in place, every byte of S that is not part of a well-formed UTF-8 sequence
 * by '?' (so a character cut in two by a byte count becomes '?'). */
void utf8_clean(char *s);

#endif
