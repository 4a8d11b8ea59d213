#include "core/base/sig.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>

static volatile sig_atomic_t pending;
static volatile sig_atomic_t deferred; /* depth of sig_defer_begin */
static sigset_t saved;

static void
on_signal(int signo)
{
    if (pending && !deferred) {
        /* a second request while nothing is half done: stop now, as a kill would */
        signal(signo, SIG_DFL);
        raise(signo);
        return;
    }
    if (!pending)
        pending = signo;
}

int
sig_install(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: a blocking wait (a lock, a poll) returns EINTR */
    if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
        return -1;
    sa.sa_handler = SIG_IGN;
    return sigaction(SIGXFSZ, &sa, NULL);
}

int
sig_pending(void)
{
    return (int)pending;
}

const char *
sig_name(int signo)
{
    return signo == SIGINT ? "SIGINT" : signo == SIGTERM ? "SIGTERM" : "a signal";
}

int
sig_check(struct err *e, const char *fmt, ...)
{
    char when[400];
    va_list ap;

    if (!pending || deferred)
        return 0;
    va_start(ap, fmt);
    vsnprintf(when, sizeof(when), fmt, ap);
    va_end(ap);
    return err_set(e, EXIT_EVAL, "interrupted by %s %s", sig_name((int)pending), when);
}

void
sig_defer_begin(void)
{
    sigset_t block, old;

    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &old);
    if (deferred++ == 0)
        saved = old;
}

void
sig_defer_end(void)
{
    if (deferred == 0)
        return;
    /* the signals that came meanwhile land here, still as deferred ones: noted, none of
     * them taken for a second request */
    if (deferred == 1)
        sigprocmask(SIG_SETMASK, &saved, NULL);
    deferred--;
}

void
sig_reset(void)
{
    pending = 0;
}
