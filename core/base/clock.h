/* The one clock every time-based rule reads. promote-test, the binary the tests run,
 * lets them set it with PROMOTE_NOW=RFC3339 (core/base/testhooks.h); promote, the binary that
 * is installed, ignores that variable, so no one can move a recorded promotion into a
 * window or past a soak. */
#ifndef PROMOTE_CLOCK_H
#define PROMOTE_CLOCK_H

#include <time.h>

#include "core/base/err.h"

/* Now, or (promote-test) PROMOTE_NOW; -1 with an error when PROMOTE_NOW is malformed.
 * With PROMOTE_NOW, PROMOTE_CLOCK_RATE=R (promote-test) lets the test clock run: it
 * reads PROMOTE_NOW at the first reading and then moves R seconds a real second, so a
 * test can see which time a step records (a deploy that takes a while). */
int clock_now(time_t *out, struct err *e);

#endif
