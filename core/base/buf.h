/* Growable, always NUL-terminated byte buffer with an optional hard cap. */
#ifndef PROMOTE_BUF_H
#define PROMOTE_BUF_H

#include <stddef.h>

struct buf {
    char *ptr;
    size_t len;
    size_t cap;
    size_t limit; /* 0: no limit; else buf_add fails past it */
};

#define BUF_INIT {NULL, 0, 0, 0}

int buf_add(struct buf *b, const void *data, size_t len);
int buf_adds(struct buf *b, const char *s);
int buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_release(struct buf *b);
char *buf_detach(struct buf *b);
/* Empty string when nothing was added. */
const char *buf_str(const struct buf *b);

#endif
