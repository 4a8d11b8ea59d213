#include "core/git/gitlock.h"

#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "core/base/sig.h"

int
gitlock_find(char *out, size_t outsz, const char *commondir, const char *ref)
{
    struct stat st;
    int n;

    n = snprintf(out, outsz, "%s%s.lock", commondir, ref);
    if (n > 0 && (size_t)n < outsz && lstat(out, &st) == 0)
        return 1;
    n = snprintf(out, outsz, "%spacked-refs.lock", commondir);
    if (n > 0 && (size_t)n < outsz && lstat(out, &st) == 0)
        return 1;
    out[0] = '\0';
    return 0;
}

int
gitlock_wait(const char *commondir, const char *ref, const char *what, struct err *e)
{
    const struct timespec tick = {0, 10 * 1000 * 1000};
    char path[1400];
    int waited;

    for (waited = 0; gitlock_find(path, sizeof(path), commondir, ref); waited += 10) {
        if (sig_check(e, "while waiting for '%s' (%s)", path, what) < 0)
            return -1;
        if (waited >= GITLOCK_WAIT_MS)
            return err_set(e, EXIT_EVAL,
                           "%s: the lock file '%s' exists (another git process is writing, or "
                           "one was killed while it did); if no git or promote process is "
                           "running in this repository, remove it (rm '%s') and run again",
                           what, path, path);
        nanosleep(&tick, NULL);
    }
    return 0;
}
