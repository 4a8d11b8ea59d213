/* The floor `promote inspect` is measured against on SARIF: a plain YAJL callback loop,
 * fed 64 KiB blocks as promote feeds it (core/report/jsonstream.c, with the same
 * configuration: no comments, strings checked as UTF-8), that counts the results of
 * each run (the objects of runs[].results[]) and keeps nothing else. Promote does more
 * per result (suppressions, baseline state, kind, severity by rule): this is what
 * parsing alone costs.
 *
 * usage: bench_floor_sarif FILE
 * Prints {"results_per_run": [N, ...]}; bench/run checks it against the generator's. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>

#define CHUNK (64 * 1024)
#define MAX_DEPTH 128
#define MAX_RUNS 1024

enum where { W_OTHER = 0, W_ROOT, W_RUNS, W_RUN, W_RESULTS };

struct floor {
    int depth;
    unsigned char where[MAX_DEPTH + 1]; /* enum where of the open container at each depth */
    enum where next;                    /* what the value of the last key opens */
    size_t n_runs;
    unsigned long long results[MAX_RUNS];
};

static int
open_container(struct floor *f, int is_map)
{
    enum where parent = f->depth <= MAX_DEPTH ? f->where[f->depth] : W_OTHER;
    enum where w = W_OTHER;

    if (f->depth == 0 && is_map)
        w = W_ROOT;
    else if (parent == W_ROOT || parent == W_RUN)
        w = is_map ? W_OTHER : f->next; /* the value of "runs" or "results" */
    else if (parent == W_RUNS && is_map)
        w = W_RUN;
    else if (parent == W_RESULTS && is_map)
        f->results[f->n_runs - 1]++;
    if (w == W_RUN) {
        if (f->n_runs == MAX_RUNS)
            return 0; /* more runs than kept: stop with an error */
        f->results[f->n_runs++] = 0;
    }
    f->next = W_OTHER;
    f->depth++;
    if (f->depth <= MAX_DEPTH)
        f->where[f->depth] = (unsigned char)w;
    return 1;
}

static int
on_start_map(void *ud)
{
    return open_container(ud, 1);
}

static int
on_start_array(void *ud)
{
    return open_container(ud, 0);
}

static int
on_end(void *ud)
{
    struct floor *f = ud;

    f->depth--;
    f->next = W_OTHER;
    return 1;
}

static int
on_key(void *ud, const unsigned char *key, size_t len)
{
    struct floor *f = ud;
    enum where here = f->depth <= MAX_DEPTH ? f->where[f->depth] : W_OTHER;

    f->next = W_OTHER;
    if (here == W_ROOT && len == 4 && memcmp(key, "runs", 4) == 0)
        f->next = W_RUNS;
    else if (here == W_RUN && len == 7 && memcmp(key, "results", 7) == 0)
        f->next = W_RESULTS;
    return 1;
}

static int
on_scalar(void *ud)
{
    ((struct floor *)ud)->next = W_OTHER;
    return 1;
}

static int
on_bool(void *ud, int b)
{
    (void)b;
    return on_scalar(ud);
}

static int
on_number(void *ud, const char *s, size_t len)
{
    (void)s;
    (void)len;
    return on_scalar(ud);
}

static int
on_string(void *ud, const unsigned char *s, size_t len)
{
    (void)s;
    (void)len;
    return on_scalar(ud);
}

static const yajl_callbacks callbacks = {
    on_scalar, on_bool, NULL, NULL, on_number, on_string, on_start_map,
    on_key,    on_end,  on_start_array, on_end,
};

int
main(int argc, char **argv)
{
    struct floor *f = NULL;
    yajl_handle yh = NULL;
    unsigned char *chunk = NULL, *why;
    yajl_status st;
    ssize_t n;
    size_t i;
    int fd = -1, rc = 1;

    if (argc != 2) {
        fprintf(stderr, "usage: bench_floor_sarif FILE\n");
        return 2;
    }
    fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "cannot open '%s': %s\n", argv[1], strerror(errno));
        goto done;
    }
    chunk = malloc(CHUNK);
    f = calloc(1, sizeof(*f));
    if (f)
        yh = yajl_alloc(&callbacks, NULL, f);
    if (!chunk || !f || !yh) {
        fprintf(stderr, "out of memory\n");
        goto done;
    }
    yajl_config(yh, yajl_allow_comments, 0);
    yajl_config(yh, yajl_dont_validate_strings, 0);
    for (;;) {
        n = read(fd, chunk, CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "cannot read '%s': %s\n", argv[1], strerror(errno));
            goto done;
        }
        st = n ? yajl_parse(yh, chunk, (size_t)n) : yajl_complete_parse(yh);
        if (st != yajl_status_ok) {
            why = yajl_get_error(yh, 0, NULL, 0);
            fprintf(stderr, "'%s': %s\n", argv[1], why ? (const char *)why : "parse error");
            if (why)
                yajl_free_error(yh, why);
            goto done;
        }
        if (n == 0)
            break;
    }
    printf("{\"results_per_run\": [");
    for (i = 0; i < f->n_runs; i++)
        printf("%s%llu", i ? ", " : "", f->results[i]);
    printf("]}\n");
    rc = 0;
done:
    if (yh)
        yajl_free(yh);
    free(f);
    free(chunk);
    if (fd >= 0)
        close(fd);
    return rc;
}
