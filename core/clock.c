#include "clock.h"

#include "history.h"
#include "testhooks.h"

int
clock_now(time_t *out, struct err *e)
{
    const char *fake = testhooks_getenv("PROMOTE_NOW");

    if (fake && *fake) {
        *out = history_parse_time(fake);
        if (*out == (time_t)-1)
            return err_set(e, EXIT_USAGE, "PROMOTE_NOW '%.64s' is not an RFC 3339 UTC time",
                           fake);
        return 0;
    }
    *out = time(NULL);
    return 0;
}
