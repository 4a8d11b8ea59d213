/* The test hooks: environment variables that only promote-test, the binary the
 * end-to-end tests run, reads (PROMOTE_NOW sets the clock, PROMOTE_CLOCK_RATE makes it run,
 * PROMOTE_CRASH_AT stops the process at a named step of an audit append, PROMOTE_PAUSE_AT
 * pauses it there, PROMOTE_BATCH sets how many entries a whole log is read at a time,
 * PROMOTE_TEST_PRE_REPLAY records decisions without the file and branch gates' data, as
 * versions before promote replay did). This one file is built twice: without
 * the hooks for promote, the binary that is installed and released, and with them
 * (PROMOTE_TEST_HOOKS) for promote-test, which is never installed. */
#ifndef PROMOTE_TESTHOOKS_H
#define PROMOTE_TESTHOOKS_H

/* The value of the test hook variable NAME in promote-test; always NULL in promote. */
const char *testhooks_getenv(const char *name);

/* PROMOTE_PAUSE_AT=STEP (promote-test only): at STEP, write STEP and a newline to the
 * file PROMOTE_PAUSE_MARK names, then sleep PROMOTE_PAUSE_S seconds (default 2) however
 * many signals arrive, so that a test can send one at that very step. */
void testhooks_pause(const char *step);

#endif
