/* SIGINT and SIGTERM: a request to stop, honoured at the next safe point.
 *
 * The handlers only note the signal. Code that can stop checks sig_check() between
 * steps (a gate, a GitHub round, a fetch or a push) and returns EXIT_EVAL "interrupted by
 * SIGINT"; libcurl and libgit2 transfers abort through their progress callbacks. Between
 * sig_defer_begin() and sig_defer_end() (an audit append: its objects, the ref's
 * compare-and-swap and the remembered state) both signals are blocked, so that the step
 * completes and the command stops after it. A second signal outside such a section ends
 * the process at once, as a kill does. SIGXFSZ is ignored: a file size limit is a write
 * error (EFBIG) reported like a full disk, never a kill. */
#ifndef PROMOTE_SIG_H
#define PROMOTE_SIG_H

#include "core/base/err.h"

/* Install the handlers (once, at start). 0, or -1 when sigaction fails. */
int sig_install(void);

/* The first SIGINT or SIGTERM received, or 0. */
int sig_pending(void);

/* "SIGINT", "SIGTERM" or "a signal". */
const char *sig_name(int signo);

/* 0 when no signal is pending (or inside a deferred section); else -1 with EXIT_EVAL
 * "interrupted by SIGINT " and what FMT says (when: "before pushing seq 4"). */
int sig_check(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Block SIGINT and SIGTERM until the matching sig_defer_end (sections nest). */
void sig_defer_begin(void);
void sig_defer_end(void);

/* Forget a pending signal (the unit tests). */
void sig_reset(void);

#endif
