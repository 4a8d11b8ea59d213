/* lcov tracefiles (geninfo, coverage.py, c8/istanbul, grcov, llvm-cov export ...).
 *
 * Counted the way `lcov --summary` counts them: the DA records of each source
 * file are merged by line number (a line is hit when any of its counts is > 0),
 * and repeated SF sections of the same file are merged into one. The LF/LH
 * summary records, which producers get wrong, are ignored, as are all other
 * record types (TN, FN, FNDA, BRDA, ...). A tracefile without an SF record, or
 * whose last record lacks its end_of_record (the producer died or the copy was
 * cut), is refused, as lcov --summary refuses it.
 *
 * Memory: per source file two bitmaps (seen, hit) indexed by line number, grown
 * as needed; files in a hash table keyed by path. Nothing is allocated per line,
 * and line numbers and total memory are capped, so a tracefile of any size costs
 * bounded memory. Lines are cut out of the 64 KiB chunks in place; only a line
 * that straddles two chunks is copied. */
#include <stdlib.h>
#include <string.h>

#include "core/report/report.h"

#define LCOV_MAX_LINE (64 * 1024)         /* bytes in one record */
#define LCOV_MAX_LINENO 10000000u         /* highest DA line number */
#define LCOV_MAX_MEM (256u * 1024 * 1024) /* bitmaps, paths and table together */
#define LCOV_WORDS_MAX (LCOV_MAX_LINENO / 64 + 1)
#define NO_FILE SIZE_MAX

struct lcov_file {
    char *path;
    size_t path_len;
    uint64_t hash;
    uint64_t *seen; /* bit n: a DA record for line n */
    uint64_t *hit;  /* bit n: a DA record for line n with a count > 0 */
    size_t words;   /* size of both bitmaps in 64-bit words */
};

struct lcov {
    const char *path;
    struct err *e;
    struct lcov_file *files;
    size_t n_files, cap_files;
    uint32_t *slots; /* open addressing: index + 1 into FILES, 0 when empty */
    size_t n_slots;  /* a power of two */
    size_t cur;      /* file of the open SF section, or NO_FILE */
    uint64_t sf_line; /* line of the open section's SF record */
    uint64_t n_sf;    /* SF records seen */
    uint64_t lineno; /* of the line being handled, from 1 */
    size_t mem;
    char *carry; /* the start of a line cut by the end of a chunk */
    size_t carry_len;
};

static int
lcov_fail(struct lcov *l, const char *what)
{
    return err_set(l->e, EXIT_EVAL, "cannot parse '%s': line %llu: %s", l->path,
                   (unsigned long long)l->lineno, what);
}

static int
mem_charge(struct lcov *l, size_t n)
{
    if (n > LCOV_MAX_MEM - l->mem)
        return err_set(l->e, EXIT_EVAL,
                       "cannot parse '%s': line %llu: coverage data too large (over %u MiB)",
                       l->path, (unsigned long long)l->lineno, LCOV_MAX_MEM / (1024 * 1024));
    l->mem += n;
    return 0;
}

static uint64_t
hash_path(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static int
table_grow(struct lcov *l)
{
    size_t n = l->n_slots ? l->n_slots * 2 : 256, i, j;
    uint32_t *slots;

    if (mem_charge(l, n * sizeof(*slots)) < 0)
        return -1;
    slots = calloc(n, sizeof(*slots));
    if (!slots)
        return lcov_fail(l, "out of memory");
    for (i = 0; i < l->n_files; i++) {
        j = (size_t)l->files[i].hash & (n - 1);
        while (slots[j])
            j = (j + 1) & (n - 1);
        slots[j] = (uint32_t)(i + 1);
    }
    free(l->slots);
    l->mem -= l->n_slots * sizeof(*slots);
    l->slots = slots;
    l->n_slots = n;
    return 0;
}

/* SF:<path>: find or add the file, make it current. */
static int
open_file(struct lcov *l, const char *s, size_t n)
{
    uint64_t h = hash_path(s, n);
    struct lcov_file *f;
    size_t j;

    if (n == 0)
        return lcov_fail(l, "SF record with an empty path");
    if (l->slots) {
        for (j = (size_t)h & (l->n_slots - 1); l->slots[j]; j = (j + 1) & (l->n_slots - 1)) {
            f = &l->files[l->slots[j] - 1];
            if (f->hash == h && f->path_len == n && memcmp(f->path, s, n) == 0) {
                l->cur = l->slots[j] - 1;
                return 0;
            }
        }
    }
    if ((l->n_files + 1) * 2 > l->n_slots && table_grow(l) < 0)
        return -1;
    if (l->n_files == l->cap_files) {
        size_t cap = l->cap_files ? l->cap_files * 2 : 64;
        struct lcov_file *files;

        if (mem_charge(l, (cap - l->cap_files) * sizeof(*files)) < 0)
            return -1;
        files = realloc(l->files, cap * sizeof(*files));
        if (!files)
            return lcov_fail(l, "out of memory");
        l->files = files;
        l->cap_files = cap;
    }
    if (mem_charge(l, n + 1) < 0)
        return -1;
    f = &l->files[l->n_files];
    memset(f, 0, sizeof(*f));
    f->path = malloc(n + 1);
    if (!f->path)
        return lcov_fail(l, "out of memory");
    memcpy(f->path, s, n);
    f->path[n] = '\0';
    f->path_len = n;
    f->hash = h;
    for (j = (size_t)h & (l->n_slots - 1); l->slots[j]; j = (j + 1) & (l->n_slots - 1))
        ;
    l->slots[j] = (uint32_t)(l->n_files + 1);
    l->cur = l->n_files++;
    return 0;
}

static int
bitmaps_grow(struct lcov *l, struct lcov_file *f, size_t need)
{
    size_t words = f->words ? f->words * 2 : 16;
    uint64_t *seen, *hit;

    if (words < need)
        words = need;
    if (words > LCOV_WORDS_MAX)
        words = LCOV_WORDS_MAX;
    if (mem_charge(l, 2 * (words - f->words) * sizeof(uint64_t)) < 0)
        return -1;
    seen = realloc(f->seen, words * sizeof(uint64_t));
    if (!seen)
        return lcov_fail(l, "out of memory");
    f->seen = seen;
    hit = realloc(f->hit, words * sizeof(uint64_t));
    if (!hit)
        return lcov_fail(l, "out of memory");
    f->hit = hit;
    memset(f->seen + f->words, 0, (words - f->words) * sizeof(uint64_t));
    memset(f->hit + f->words, 0, (words - f->words) * sizeof(uint64_t));
    f->words = words;
    return 0;
}

/* DA:<line>,<count>[,<checksum>]. As lcov does, a negative count is read as 0;
 * the count may have any number of digits: only "more than zero" matters. */
static int
record_da(struct lcov *l, const char *p, const char *end)
{
    struct lcov_file *f;
    uint32_t line = 0;
    int hit = 0, neg = 0;
    const char *digits;

    if (p < end && *p == '-')
        return lcov_fail(l, "DA record with a negative line number");
    digits = p;
    while (p < end && *p >= '0' && *p <= '9') {
        line = line * 10 + (uint32_t)(*p++ - '0');
        if (line > LCOV_MAX_LINENO)
            return lcov_fail(l, "DA record with a line number above 10000000");
    }
    if (p == digits || p == end || *p != ',')
        return lcov_fail(l, "malformed DA record (line number is not a number)");
    p++;
    if (p < end && *p == '-') {
        neg = 1;
        p++;
    }
    digits = p;
    while (p < end && *p >= '0' && *p <= '9')
        hit |= *p++ != '0';
    if (p == digits)
        return lcov_fail(l, "malformed DA record (execution count is not a number)");
    if (p < end && *p != ',') { /* after the count: the end, a checksum, or blanks */
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p < end)
            return lcov_fail(l, "malformed DA record (execution count is not a number)");
    }
    if (l->cur == NO_FILE)
        return lcov_fail(l, "DA record outside an SF section");
    f = &l->files[l->cur];
    if ((size_t)(line / 64) >= f->words && bitmaps_grow(l, f, (size_t)(line / 64) + 1) < 0)
        return -1;
    f->seen[line / 64] |= 1ull << (line % 64);
    if (hit && !neg)
        f->hit[line / 64] |= 1ull << (line % 64);
    return 0;
}

static int
record(struct lcov *l, const char *s, size_t n)
{
    l->lineno++;
    if (l->lineno == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        s += 3;
        n -= 3;
    }
    if (n && s[n - 1] == '\r')
        n--;
    if (n < 3)
        return 0;
    if (s[2] == ':') {
        if (s[0] == 'D' && s[1] == 'A')
            return record_da(l, s + 3, s + n);
        /* KF: is an old alias lcov still reads */
        if ((s[0] == 'S' || s[0] == 'K') && s[1] == 'F') {
            l->sf_line = l->lineno;
            l->n_sf++;
            return open_file(l, s + 3, n - 3);
        }
    } else if (n >= 13 && memcmp(s, "end_of_record", 13) == 0) {
        l->cur = NO_FILE;
    }
    return 0;
}

static int
feed(void *ud, const unsigned char *data, size_t len, struct err *e)
{
    struct lcov *l = ud;
    const char *p = (const char *)data, *end = p + len, *nl;
    size_t take;

    (void)e; /* the same struct as l->e */
    if (len == 0) {
        if (l->carry_len && record(l, l->carry, l->carry_len) < 0)
            return -1;
        l->carry_len = 0;
        return 0;
    }
    if (l->carry_len) {
        nl = memchr(p, '\n', len);
        take = (size_t)((nl ? nl : end) - p);
        if (take > LCOV_MAX_LINE - l->carry_len) {
            l->lineno++;
            return lcov_fail(l, "line longer than 64 KiB");
        }
        memcpy(l->carry + l->carry_len, p, take);
        l->carry_len += take;
        if (!nl)
            return 0;
        if (record(l, l->carry, l->carry_len) < 0)
            return -1;
        l->carry_len = 0;
        p = nl + 1;
    }
    while (p < end) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;
        if ((size_t)(nl - p) > LCOV_MAX_LINE) {
            l->lineno++;
            return lcov_fail(l, "line longer than 64 KiB");
        }
        if (record(l, p, (size_t)(nl - p)) < 0)
            return -1;
        p = nl + 1;
    }
    if (p < end) {
        if ((size_t)(end - p) > LCOV_MAX_LINE) {
            l->lineno++;
            return lcov_fail(l, "line longer than 64 KiB");
        }
        memcpy(l->carry, p, (size_t)(end - p));
        l->carry_len = (size_t)(end - p);
    }
    return 0;
}

static uint64_t
popcount_words(const uint64_t *w, size_t n)
{
    uint64_t c = 0;
    size_t i;

    for (i = 0; i < n; i++)
        c += (uint64_t)__builtin_popcountll(w[i]);
    return c;
}

int
report_lcov_parse(struct coverage_summary *out, const char *path, unsigned char sha[32],
                  uint64_t *bytes, struct err *e)
{
    struct lcov l;
    uint64_t total = 0, covered = 0;
    size_t i;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    memset(&l, 0, sizeof(l));
    l.path = path;
    l.e = e;
    l.cur = NO_FILE;
    l.carry = malloc(LCOV_MAX_LINE);
    if (!l.carry) {
        err_set(e, EXIT_EVAL, "cannot parse '%s': out of memory", path);
        goto done;
    }
    if (report_stream(path, feed, &l, sha, bytes, e) < 0)
        goto done;
    /* as lcov --summary: a tracefile is a list of complete records */
    if (l.n_sf == 0) {
        err_set(e, EXIT_EVAL, "cannot parse '%s': no SF record: no line data", path);
        goto done;
    }
    if (l.cur != NO_FILE) {
        err_set(e, EXIT_EVAL,
                "cannot parse '%s': the record opened by SF on line %llu has no end_of_record: "
                "the tracefile is truncated (its producer stopped or the copy was cut)",
                path, (unsigned long long)l.sf_line);
        goto done;
    }
    for (i = 0; i < l.n_files; i++) {
        total += popcount_words(l.files[i].seen, l.files[i].words);
        covered += popcount_words(l.files[i].hit, l.files[i].words);
    }
    if (total == 0) {
        err_set(e, EXIT_EVAL, "cannot parse '%s': no line data", path);
        goto done;
    }
    out->lines_covered = covered;
    out->lines_total = total;
    out->percent = 100.0 * (double)covered / (double)total;
    rc = 0;
done:
    for (i = 0; i < l.n_files; i++) {
        free(l.files[i].path);
        free(l.files[i].seen);
        free(l.files[i].hit);
    }
    free(l.files);
    free(l.slots);
    free(l.carry);
    return rc;
}
