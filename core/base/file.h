/* Reading files that come from outside (evidence, policies, work-tree files): only
 * regular files, opened without blocking, so a FIFO or a device given as a path is
 * refused at once instead of hanging the run. */
#ifndef PROMOTE_FILE_H
#define PROMOTE_FILE_H

#include "core/base/buf.h"
#include "core/base/err.h"

/* WHAT names the kind of file in messages ("policy ", or ""). */

/* Open PATH for reading; fail with CODE unless it is a regular file. The descriptor
 * is blocking again when returned (the caller closes it). */
int file_open_regular(int *fd, const char *what, const char *path, int code, struct err *e);

/* Append the whole of regular file PATH to B (B->limit caps it); errors carry CODE
 * and name PATH. */
int file_read_all(struct buf *b, const char *what, const char *path, int code, struct err *e);

/* Write all LEN bytes of DATA to FD: 0, or -1 with errno saying why (a short write is
 * continued, so a full disk or a file size limit reads ENOSPC or EFBIG, never a stale
 * errno). */
int file_write_all(int fd, const void *data, size_t len);

#endif
