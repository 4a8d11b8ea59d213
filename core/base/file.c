#include "core/base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
file_open_regular(int *fd, const char *what, const char *path, int code, struct err *e)
{
    struct stat sb;
    int flags;

    *fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (*fd < 0)
        return err_set(e, code, "cannot open %s'%s': %s", what, path, strerror(errno));
    if (fstat(*fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        close(*fd);
        *fd = -1;
        return err_set(e, code, "cannot read %s'%s': not a regular file", what, path);
    }
    flags = fcntl(*fd, F_GETFL);
    if (flags < 0 || fcntl(*fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
        err_set(e, code, "cannot read %s'%s': %s", what, path, strerror(errno));
        close(*fd);
        *fd = -1;
        return -1;
    }
    return 0;
}

int
file_read_all(struct buf *b, const char *what, const char *path, int code, struct err *e)
{
    char chunk[8192];
    ssize_t n;
    int fd, rc = -1;

    if (file_open_regular(&fd, what, path, code, e) < 0)
        return -1;
    for (;;) {
        n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err_set(e, code, "cannot read %s'%s': %s", what, path, strerror(errno));
            goto done;
        }
        if (n == 0)
            break;
        if (buf_add(b, chunk, (size_t)n) < 0) {
            if (b->limit && b->len + (size_t)n > b->limit)
                err_set(e, code, "%s'%s' is larger than %zu bytes", what, path, b->limit);
            else
                err_set(e, code, "cannot read %s'%s': out of memory", what, path);
            goto done;
        }
    }
    rc = 0;
done:
    close(fd);
    return rc;
}

int
file_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    ssize_t n;

    while (len > 0) {
        n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            errno = ENOSPC;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}
