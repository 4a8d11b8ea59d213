#include "core/ledger/witness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ledger/sign.h"

int
witness_message(struct buf *out, const char *message, const char *checkpoint, size_t len)
{
    size_t n = strlen(message);

    if (buf_adds(out, message) < 0 ||
        buf_adds(out, n && message[n - 1] == '\n' ? "\n" : "\n\n") < 0 ||
        buf_adds(out, WITNESS_BEGIN) < 0 || buf_add(out, checkpoint, len) < 0 ||
        (len && checkpoint[len - 1] != '\n' && buf_adds(out, "\n") < 0) ||
        buf_adds(out, WITNESS_END) < 0)
        return -1;
    return 0;
}

/* The first line of TEXT (LEN bytes) equal to LINE (which ends in a newline), or NULL. */
static const char *
find_line(const char *text, size_t len, const char *line)
{
    size_t n = strlen(line), i = 0;

    while (i + n <= len) {
        if (memcmp(text + i, line, n) == 0)
            return text + i;
        while (i < len && text[i] != '\n')
            i++;
        i++;
    }
    return NULL;
}

int
witness_parse(struct audit_point *out, const char *msg, size_t len, const struct audit_trust *t)
{
    const char *begin = find_line(msg, len, WITNESS_BEGIN), *body, *end;
    struct checkpoint cp;
    struct err e = ERR_INIT;
    char kn[160], name[128];
    size_t i, blen;

    memset(out, 0, sizeof(*out));
    if (!begin)
        return 0;
    body = begin + strlen(WITNESS_BEGIN);
    end = find_line(body, len - (size_t)(body - msg), WITNESS_END);
    if (!end)
        return 0;
    blen = (size_t)(end - body);
    if (sign_checkpoint_parse(&cp, body, blen, &e) < 0)
        return 0;
    snprintf(name, sizeof(name), "%s", cp.key_name);
    for (i = 0; i < t->n; i++) {
        audit_key_name(kn, sizeof(kn), t->keys[i].id);
        if (strcmp(kn, name) == 0 &&
            sign_checkpoint_verify(&cp, body, blen, name, t->keys[i].pk, &e) == 0) {
            out->size = cp.size;
            memcpy(out->root, cp.root, 32);
            return 1;
        }
    }
    return 0;
}

static int
by_size(const void *a, const void *b)
{
    const struct witness *x = a, *y = b;

    if (x->point.size != y->point.size)
        return x->point.size < y->point.size ? -1 : 1;
    return -strcmp(x->tag, y->tag); /* on a tie the first name in byte order ends last */
}

struct collect {
    struct witness_set *ws;
    const struct audit_trust *t;
    int oom;
};

static int
collect_one(const char *name, const char *msg, size_t len, void *arg)
{
    struct collect *c = arg;
    struct witness_set *ws = c->ws;
    struct audit_point p;
    struct witness *grown;

    if (witness_parse(&p, msg, len, c->t) != 1)
        return 0;
    if (ws->n == ws->cap) {
        grown = realloc(ws->w, (ws->cap ? ws->cap * 2 : 16) * sizeof(*grown));
        if (!grown) {
            c->oom = 1;
            return 1;
        }
        ws->w = grown;
        ws->cap = ws->cap ? ws->cap * 2 : 16;
    }
    ws->w[ws->n].point = p;
    snprintf(ws->w[ws->n].tag, sizeof(ws->w[ws->n].tag), "%s", name);
    ws->n++;
    return 0;
}

int
witness_collect(struct witness_set *out, struct repo *r, const struct audit_trust *t,
                struct err *e)
{
    struct collect c = {out, t, 0};

    memset(out, 0, sizeof(*out));
    if (repo_tag_messages(r, collect_one, &c, e) < 0 || c.oom) {
        if (c.oom)
            err_set(e, EXIT_EVAL, "out of memory");
        witness_set_release(out);
        return err_prefix(e, "cannot read the checkpoints the tags witness");
    }
    if (out->n > 1)
        qsort(out->w, out->n, sizeof(*out->w), by_size);
    return 0;
}

void
witness_set_release(struct witness_set *ws)
{
    free(ws->w);
    memset(ws, 0, sizeof(*ws));
}

const struct witness *
witness_floor(const struct witness_set *ws)
{
    return ws->n ? &ws->w[ws->n - 1] : NULL;
}

int
witness_check(const struct audit_log *log, const struct witness_set *ws, struct err *e)
{
    return witness_check_tail(log, ws, NULL, NULL, e);
}

static int
witness_mismatch(const struct witness *w, uint64_t size, struct err *e)
{
    return err_set(e, EXIT_TAMPER,
                   "the first %llu entries of the log do not hash to the root tag '%.200s' "
                   "witnesses (history was rewritten)",
                   (unsigned long long)size, w->tag);
}

int
witness_check_tail(const struct audit_log *log, const struct witness_set *ws,
                   witness_root_fn before, void *ctx, struct err *e)
{
    const struct witness *top = witness_floor(ws);
    struct merkle_frontier f;
    unsigned char leaf[32], root[32];
    size_t i = 0, k, size = audit_size(log);

    if (!top)
        return 0;
    if (top->point.size > size)
        return err_set(e, EXIT_TAMPER,
                       "the log has %zu entries but tag '%.200s' witnesses a checkpoint of %llu "
                       "(truncation or rollback)",
                       size, top->tag, (unsigned long long)top->point.size);
    while (i < ws->n && ws->w[i].point.size == 0)
        i++;
    /* the witnesses of entries before the tail: from what remembers their roots */
    for (; i < ws->n && ws->w[i].point.size < log->base; i++) {
        if (!before)
            return err_set(e, EXIT_EVAL, "tag '%.200s' witnesses entries that were not read",
                           ws->w[i].tag);
        if (before(root, ctx, ws->w[i].point.size, e) < 0)
            return -1;
        if (memcmp(root, ws->w[i].point.root, 32) != 0)
            return witness_mismatch(&ws->w[i], ws->w[i].point.size, e);
    }
    f = log->base_frontier;
    if (!log->base)
        sign_frontier_init(&f);
    for (k = log->base; i < ws->n; k++) {
        if (ws->w[i].point.size == k) {
            sign_frontier_root(root, &f);
            for (; i < ws->n && ws->w[i].point.size == k; i++)
                if (memcmp(root, ws->w[i].point.root, 32) != 0)
                    return witness_mismatch(&ws->w[i], k, e);
        }
        if (k >= size || i >= ws->n)
            break;
        sign_leaf_hash(leaf, (const unsigned char *)log->items[k - log->base].bytes,
                       log->items[k - log->base].len);
        sign_frontier_add(&f, leaf);
    }
    return 0;
}
