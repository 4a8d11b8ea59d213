/* The test hooks: environment variables that only promote-test, the binary the
 * end-to-end tests run, reads (PROMOTE_NOW sets the clock, PROMOTE_CLOCK_RATE makes it run, PROMOTE_CRASH_AT stops the
 * process at a named step of an audit append, PROMOTE_TEST_PRE_REPLAY records decisions
 * without the file and branch gates' data, as versions before promote replay did). This one file is built twice: without
 * the hooks for promote, the binary that is installed and released, and with them
 * (PROMOTE_TEST_HOOKS) for promote-test, which is never installed. */
#ifndef PROMOTE_TESTHOOKS_H
#define PROMOTE_TESTHOOKS_H

/* The value of the test hook variable NAME in promote-test; always NULL in promote. */
const char *testhooks_getenv(const char *name);

#endif
