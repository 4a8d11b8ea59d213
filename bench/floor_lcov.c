/* The floor `promote inspect` is measured against on an lcov tracefile: a plain line
 * reader. Reads FILE in 64 KiB blocks, cuts it into lines and counts lines found and
 * hit the way promote reports them (core/report/lcov.c): the DA records of each source
 * file merged by line number, repeated SF sections of a file merged into one, a line
 * hit when any of its counts is above 0. The LF/LH summary records are not trusted
 * (producers get them wrong, and the benchmark's generator writes them wrong on
 * purpose), so, like promote, it counts the lines they summarise from the DA records.
 * No limits, no error messages beyond "malformed", no hashing: only the work the
 * numbers need.
 *
 * usage: bench_floor_lcov FILE
 * Prints {"lines_covered": N, "lines_total": M}; bench/run checks them against the
 * generator's. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (64 * 1024)
#define MAX_LINE (64 * 1024)

struct file {
    char *path;
    size_t len;
    uint64_t hash;
    uint64_t *seen, *hit;
    size_t words;
};

struct floor {
    struct file *files;
    size_t n_files, cap_files;
    uint32_t *slots; /* index + 1 into FILES, 0 when empty */
    size_t n_slots;
    struct file *cur;
    char *carry;
    size_t carry_len;
};

static uint64_t
hash_path(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static int
table_grow(struct floor *f)
{
    size_t n = f->n_slots ? f->n_slots * 2 : 256, i, j;
    uint32_t *slots = calloc(n, sizeof(*slots));

    if (!slots)
        return -1;
    for (i = 0; i < f->n_files; i++) {
        for (j = (size_t)f->files[i].hash & (n - 1); slots[j]; j = (j + 1) & (n - 1))
            ;
        slots[j] = (uint32_t)(i + 1);
    }
    free(f->slots);
    f->slots = slots;
    f->n_slots = n;
    return 0;
}

static int
open_file(struct floor *f, const char *s, size_t n)
{
    uint64_t h = hash_path(s, n);
    struct file *file;
    size_t j;

    for (j = (size_t)h & (f->n_slots - 1); f->n_slots && f->slots[j];
         j = (j + 1) & (f->n_slots - 1)) {
        file = &f->files[f->slots[j] - 1];
        if (file->hash == h && file->len == n && memcmp(file->path, s, n) == 0) {
            f->cur = file;
            return 0;
        }
    }
    if ((f->n_files + 1) * 2 > f->n_slots && table_grow(f) < 0)
        return -1;
    if (f->n_files == f->cap_files) {
        size_t cap = f->cap_files ? f->cap_files * 2 : 64;
        struct file *files = realloc(f->files, cap * sizeof(*files));

        if (!files)
            return -1;
        f->files = files;
        f->cap_files = cap;
    }
    file = &f->files[f->n_files];
    memset(file, 0, sizeof(*file));
    file->path = malloc(n + 1);
    if (!file->path)
        return -1;
    memcpy(file->path, s, n);
    file->path[n] = '\0';
    file->len = n;
    file->hash = h;
    for (j = (size_t)h & (f->n_slots - 1); f->slots[j]; j = (j + 1) & (f->n_slots - 1))
        ;
    f->slots[j] = (uint32_t)(f->n_files + 1);
    f->cur = &f->files[f->n_files++];
    return 0;
}

static int
grow(struct file *file, size_t need)
{
    size_t words = file->words ? file->words * 2 : 16;
    uint64_t *seen, *hit;

    if (words < need)
        words = need;
    seen = realloc(file->seen, words * sizeof(*seen));
    if (!seen)
        return -1;
    file->seen = seen;
    hit = realloc(file->hit, words * sizeof(*hit));
    if (!hit)
        return -1;
    file->hit = hit;
    memset(seen + file->words, 0, (words - file->words) * sizeof(*seen));
    memset(hit + file->words, 0, (words - file->words) * sizeof(*hit));
    file->words = words;
    return 0;
}

/* DA:<line>,<count>[,<checksum>] */
static int
record_da(struct floor *f, const char *p, const char *end)
{
    uint32_t line = 0;
    int hit = 0;

    while (p < end && *p >= '0' && *p <= '9')
        line = line * 10 + (uint32_t)(*p++ - '0');
    if (p == end || *p != ',' || !f->cur || line > 10000000u)
        return -1;
    p++;
    if (p < end && *p == '-') /* a negative count is 0 */
        p = end;
    while (p < end && *p >= '0' && *p <= '9')
        hit |= *p++ != '0';
    if ((size_t)(line / 64) >= f->cur->words && grow(f->cur, (size_t)(line / 64) + 1) < 0)
        return -1;
    f->cur->seen[line / 64] |= 1ull << (line % 64);
    if (hit)
        f->cur->hit[line / 64] |= 1ull << (line % 64);
    return 0;
}

static int
record(struct floor *f, const char *s, size_t n)
{
    if (n && s[n - 1] == '\r')
        n--;
    if (n < 3)
        return 0;
    if (s[2] == ':') {
        if (s[0] == 'D' && s[1] == 'A')
            return record_da(f, s + 3, s + n);
        if ((s[0] == 'S' || s[0] == 'K') && s[1] == 'F')
            return open_file(f, s + 3, n - 3);
    } else if (n >= 13 && memcmp(s, "end_of_record", 13) == 0) {
        f->cur = NULL;
    }
    return 0;
}

static int
feed(struct floor *f, const char *p, size_t len)
{
    const char *end = p + len, *nl;
    size_t take;

    if (f->carry_len) {
        nl = memchr(p, '\n', len);
        take = (size_t)((nl ? nl : end) - p);
        if (take > MAX_LINE - f->carry_len)
            return -1;
        memcpy(f->carry + f->carry_len, p, take);
        f->carry_len += take;
        if (!nl)
            return 0;
        if (record(f, f->carry, f->carry_len) < 0)
            return -1;
        f->carry_len = 0;
        p = nl + 1;
    }
    while (p < end) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;
        if (record(f, p, (size_t)(nl - p)) < 0)
            return -1;
        p = nl + 1;
    }
    if (p < end) {
        if ((size_t)(end - p) > MAX_LINE)
            return -1;
        memcpy(f->carry, p, (size_t)(end - p));
        f->carry_len = (size_t)(end - p);
    }
    return 0;
}

int
main(int argc, char **argv)
{
    struct floor f;
    char *chunk = NULL;
    uint64_t total = 0, covered = 0;
    size_t i, w;
    ssize_t n;
    int fd = -1, rc = 1;

    memset(&f, 0, sizeof(f));
    if (argc != 2) {
        fprintf(stderr, "usage: bench_floor_lcov FILE\n");
        return 2;
    }
    fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "cannot open '%s': %s\n", argv[1], strerror(errno));
        goto done;
    }
    chunk = malloc(CHUNK);
    f.carry = malloc(MAX_LINE);
    if (!chunk || !f.carry) {
        fprintf(stderr, "out of memory\n");
        goto done;
    }
    for (;;) {
        n = read(fd, chunk, CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "cannot read '%s': %s\n", argv[1], strerror(errno));
            goto done;
        }
        if (n == 0)
            break;
        if (feed(&f, chunk, (size_t)n) < 0) {
            fprintf(stderr, "'%s': malformed tracefile\n", argv[1]);
            goto done;
        }
    }
    if (f.carry_len && record(&f, f.carry, f.carry_len) < 0) {
        fprintf(stderr, "'%s': malformed tracefile\n", argv[1]);
        goto done;
    }
    for (i = 0; i < f.n_files; i++) {
        for (w = 0; w < f.files[i].words; w++) {
            total += (uint64_t)__builtin_popcountll(f.files[i].seen[w]);
            covered += (uint64_t)__builtin_popcountll(f.files[i].hit[w]);
        }
    }
    printf("{\"lines_covered\": %llu, \"lines_total\": %llu}\n", (unsigned long long)covered,
           (unsigned long long)total);
    rc = 0;
done:
    for (i = 0; i < f.n_files; i++) {
        free(f.files[i].path);
        free(f.files[i].seen);
        free(f.files[i].hit);
    }
    free(f.files);
    free(f.slots);
    free(f.carry);
    free(chunk);
    if (fd >= 0)
        close(fd);
    return rc;
}
