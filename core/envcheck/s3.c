/* The S3 bucket naming rules (envcheck_s3_check). */
#include "core/envcheck/internal.h"

#include <ctype.h>
#include <string.h>

static int
ip_like(const char *s)
{
    int groups = 0, digits = 0;

    for (;; s++) {
        if (isdigit((unsigned char)*s)) {
            if (++digits > 3)
                return 0;
        } else if (*s == '.' || *s == '\0') {
            if (digits == 0)
                return 0;
            groups++;
            digits = 0;
            if (*s == '\0')
                break;
        } else {
            return 0;
        }
    }
    return groups == 4;
}

unsigned
envcheck_s3_check(const char *name)
{
    static const char *const prefixes[] = {"xn--", "sthree-", "amzn-s3-demo-", NULL};
    static const char *const suffixes[] = {"-s3alias", "--ol-s3",    ".mrap",
                                           "--x-s3",   "--table-s3", NULL};
    size_t n = strlen(name), i;
    unsigned bad = 0;

    if (n < 3 || n > 63)
        bad |= ENVCHECK_S3_LENGTH;
    for (i = 0; i < n; i++)
        if (!islower((unsigned char)name[i]) && !isdigit((unsigned char)name[i]) &&
            name[i] != '-' && name[i] != '.')
            bad |= ENVCHECK_S3_CHARS;
    if (n == 0 || !(islower((unsigned char)name[0]) || isdigit((unsigned char)name[0])) ||
        !(islower((unsigned char)name[n - 1]) || isdigit((unsigned char)name[n - 1])))
        bad |= ENVCHECK_S3_EDGE;
    if (strstr(name, ".."))
        bad |= ENVCHECK_S3_DOUBLE_DOT;
    if (ip_like(name))
        bad |= ENVCHECK_S3_IP_ADDRESS;
    for (i = 0; prefixes[i]; i++)
        if (envcheck_starts_with(name, prefixes[i]))
            bad |= ENVCHECK_S3_RESERVED_PREFIX;
    for (i = 0; suffixes[i]; i++)
        if (envcheck_ends_with(name, suffixes[i]))
            bad |= ENVCHECK_S3_RESERVED_SUFFIX;
    return bad;
}
