#include "core/base/testhooks.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *
testhooks_getenv(const char *name)
{
#ifdef PROMOTE_TEST_HOOKS
    return getenv(name);
#else
    (void)name;
    return NULL;
#endif
}

void
testhooks_pause(const char *step)
{
    const char *at = testhooks_getenv("PROMOTE_PAUSE_AT");
    const char *mark = testhooks_getenv("PROMOTE_PAUSE_MARK");
    const char *secs = testhooks_getenv("PROMOTE_PAUSE_S");
    struct timespec ts;
    int fd;

    if (!at || strcmp(at, step) != 0)
        return;
    if (mark) {
        fd = open(mark, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) {
            if (write(fd, step, strlen(step)) < 0 || write(fd, "\n", 1) < 0)
                (void)0; /* the test sees no marker and fails */
            close(fd);
        }
    }
    ts.tv_sec = secs ? strtol(secs, NULL, 10) : 2;
    ts.tv_nsec = 0;
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}
