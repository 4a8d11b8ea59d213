#include "clock.h"

#include <stdlib.h>

#include "history.h"

int
clock_now(time_t *out, struct err *e)
{
#ifdef PROMOTE_TEST_HOOKS
    const char *fake = getenv("PROMOTE_NOW");

    if (fake && *fake) {
        *out = history_parse_time(fake);
        if (*out == (time_t)-1)
            return err_set(e, EXIT_USAGE, "PROMOTE_NOW '%s' is not an RFC 3339 UTC time", fake);
        return 0;
    }
#endif
    (void)e;
    *out = time(NULL);
    return 0;
}
