#include "core/base/clock.h"

#include <stdlib.h>

#include "core/ledger/history.h"
#include "core/base/testhooks.h"

/* Real seconds since the first reading of the test clock. */
static double
elapsed_s(void)
{
    static struct timespec first;
    static int started;
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    if (!started) {
        first = ts;
        started = 1;
    }
    return (double)(ts.tv_sec - first.tv_sec) + (double)(ts.tv_nsec - first.tv_nsec) / 1e9;
}

int
clock_now(time_t *out, struct err *e)
{
    const char *fake = testhooks_getenv("PROMOTE_NOW");
    const char *rate = testhooks_getenv("PROMOTE_CLOCK_RATE");
    char *end = NULL;
    double r;

    if (fake && *fake) {
        *out = history_parse_time(fake);
        if (*out == (time_t)-1)
            return err_set(e, EXIT_USAGE, "PROMOTE_NOW '%.64s' is not an RFC 3339 UTC time",
                           fake);
        if (rate && *rate) {
            r = strtod(rate, &end);
            if (*end || !(r > 0 && r <= 1e6))
                return err_set(e, EXIT_USAGE,
                               "PROMOTE_CLOCK_RATE '%.64s' is not a rate from 0 to 1000000", rate);
            *out += (time_t)(elapsed_s() * r);
        }
        return 0;
    }
    *out = time(NULL);
    return 0;
}
