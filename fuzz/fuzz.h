/* What the fuzz harnesses share. Each fuzz_<target>.c defines LLVMFuzzerTestOneInput;
 * libFuzzer calls it (build preset "fuzz"), and so does tests/test_fuzz_regressions.c,
 * once for every input kept under fuzz/regressions/<target>/ and fuzz/seeds/<target>/.
 * A harness checks what the code promises besides memory safety (fuzz_fail aborts with
 * what broke); a crash, a sanitizer report, a leak or a broken promise is the finding. */
#ifndef PROMOTE_FUZZ_H
#define PROMOTE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "core/envcheck/envcheck.h"
#include "core/base/err.h"
#include "core/ledger/keys.h"
#include "core/engine/policy.h"
#include "core/report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every harness hands its input here first (the checks below look at it). */
void fuzz_input(const uint8_t *data, size_t size);

/* The input as a regular file, for parsers that take a path: one file per process,
 * created on first use (0600, in /dev/shm, else $TMPDIR or /tmp), rewritten for every
 * input and removed at exit. Aborts when it cannot be written (the harness is broken). */
const char *fuzz_file(const uint8_t *data, size_t size);

/* A NUL-terminated copy of DATA (malloc'd); aborts when out of memory. */
char *fuzz_strndup(const uint8_t *data, size_t size);

/* Cut the input at SEP (a string): the next piece of the input (DATA, SIZE) into
 * PIECE and LEN, DATA and SIZE moved past it and SEP. 0 when nothing is left. */
int fuzz_next(const uint8_t **piece, size_t *len, const uint8_t **data, size_t *size,
              const char *sep);

/* A broken promise of the code under test that no sanitizer sees (a summary out of
 * range, an error without a message): print WHAT and abort, so libFuzzer keeps the
 * input as a crash. */
void fuzz_fail(const char *what) __attribute__((noreturn));
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fuzz_fail(#cond);                                                                      \
    } while (0)

/* RC is the return of a function that fills E on failure: when RC < 0, E must hold an
 * exit code and a message, and not claim to be out of memory. */
void fuzz_check_err(int rc, const struct err *e);

/* What every parsed report promises (counts that add up, a percentage from 0 to 100,
 * strings that end), then its JSON details built and dropped. */
void fuzz_check_report(const struct report *r);

/* What the engine makes of a gate's result, and 'promote --json' prints and the audit
 * log signs: the summary of F (when COLLECT_RC < 0, collect's error message E, as the
 * engine puts it there) and its details must make a JSON document. */
struct finding;
void fuzz_check_finding(int collect_rc, const struct err *e, const struct finding *f);

/* The fixed test key of tests/test_sign.c and tests/fixtures/sign/ (Ed25519 seed 00 01 02
 * .. 1f), made once and kept for the life of the process. */
const struct key *fuzz_test_key(void);

/* The shipped BBWS example (FUZZ_SRCDIR: the source tree), loaded once and kept for the
 * life of the process: policies/bbws.json, and examples/bbws as an envcheck_input (the
 * three variable files and the five workflows). Aborts when they cannot be read. */
const struct policy *fuzz_bbws_policy(void);
const struct envcheck_input *fuzz_bbws_input(void);

/* Judge IN against P as 'promote env check' does (both judges, sorted, as JSON), and
 * check that every violation names a file, a rule and a message. */
void fuzz_envcheck(const struct policy *p, const struct envcheck_input *in);

#endif
