#include "core/base/utf8.h"

size_t
utf8_seq(const char *str)
{
    return str[0] ? utf8_seqn(str, 4) : 0; /* the NUL that ends STR fails any sequence */
}

size_t
utf8_seqn(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t len, i;
    unsigned c;

    if (n == 0)
        return 0;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        len = 2;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        len = 3;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        len = 4;
    else
        return 0;
    if (n < len)
        return 0;
    c = s[0] & (0xffu >> (len + 1));
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
        (c >= 0xd800 && c <= 0xdfff))
        return 0;
    return len;
}

void
utf8_clean(char *s)
{
    size_t n;

    while (*s) {
        n = utf8_seq(s);
        if (n == 0)
            *s++ = '?';
        else
            s += n;
    }
}
