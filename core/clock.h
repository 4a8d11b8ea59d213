/* The one clock every time-based rule reads. promote-test, the binary the tests run,
 * lets them set it with PROMOTE_NOW=RFC3339 (core/testhooks.h); promote, the binary that
 * is installed, ignores that variable, so no one can move a recorded promotion into a
 * window or past a soak. */
#ifndef PROMOTE_CLOCK_H
#define PROMOTE_CLOCK_H

#include <time.h>

#include "err.h"

/* Now, or (promote-test) PROMOTE_NOW; -1 with an error when PROMOTE_NOW is malformed. */
int clock_now(time_t *out, struct err *e);

#endif
