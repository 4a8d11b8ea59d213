/* The floor `promote inspect` is measured against on Cobertura and JUnit XML: a plain
 * expat loop, fed 64 KiB blocks as promote feeds it, reading the attributes and elements
 * promote reads (core/report/cobertura.c, core/report/junit.c) and nothing else:
 *  - cobertura: lines-covered and lines-valid of the root <coverage>, and the hits of
 *    each <line> of a <class><lines> (a line is covered when hits > 0);
 *  - junit: the <testsuites>/<testsuite> elements, and each <testcase> with its
 *    outcome from its <error>, <failure> and <skipped> children (error first; skipped
 *    and failure together is skipped).
 * No checks beyond expat's own, no hashing.
 *
 * usage: bench_floor_xml cobertura|junit FILE
 * Prints the counts as one JSON object; bench/run checks them against the generator's. */
#include <errno.h>
#include <expat.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (64 * 1024)
#define MAX_DEPTH 64

enum kind { K_OTHER = 0, K_CLASS, K_LINES };

enum {
    CASE_FAILURE = 1 << 0,
    CASE_ERROR = 1 << 1,
    CASE_SKIPPED = 1 << 2,
};

struct floor {
    int depth;
    /* cobertura */
    unsigned char kind[MAX_DEPTH + 1];
    unsigned long long valid, covered, n_lines, n_hit;
    /* junit */
    int case_depth;
    unsigned flags;
    unsigned long long suites, total, passed, failed, errors, skipped;
};

static const char *
attr(const XML_Char **attrs, const char *name)
{
    size_t i;

    for (i = 0; attrs[i]; i += 2)
        if (strcmp(attrs[i], name) == 0)
            return attrs[i + 1];
    return NULL;
}

static unsigned long long
number(const char *s)
{
    return s ? strtoull(s, NULL, 10) : 0;
}

static void XMLCALL
cob_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    struct floor *f = ud;
    enum kind k = K_OTHER;
    const char *hits;
    int d = ++f->depth;

    if (d == 1) {
        f->valid = number(attr(attrs, "lines-valid"));
        f->covered = number(attr(attrs, "lines-covered"));
    } else if (strcmp(name, "class") == 0) {
        k = K_CLASS;
    } else if (strcmp(name, "lines") == 0) {
        k = K_LINES;
    } else if (strcmp(name, "line") == 0 && d >= 3 && d <= MAX_DEPTH &&
               f->kind[d - 1] == K_LINES && f->kind[d - 2] == K_CLASS) {
        hits = attr(attrs, "hits");
        f->n_lines++;
        for (; hits && *hits; hits++)
            if (*hits != '0') {
                f->n_hit++;
                break;
            }
    }
    if (d <= MAX_DEPTH)
        f->kind[d] = (unsigned char)k;
}

static void XMLCALL
cob_end(void *ud, const XML_Char *name)
{
    struct floor *f = ud;

    (void)name;
    if (f->depth <= MAX_DEPTH)
        f->kind[f->depth] = K_OTHER;
    f->depth--;
}

static void XMLCALL
junit_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    struct floor *f = ud;
    int d = ++f->depth;

    (void)attrs;
    if (!f->case_depth) {
        if (strcmp(name, "testcase") == 0) {
            f->case_depth = d;
            f->flags = 0;
        } else if (strcmp(name, "testsuite") == 0 || strcmp(name, "testsuites") == 0) {
            f->suites++;
        }
    } else if (d == f->case_depth + 1) {
        if (strcmp(name, "failure") == 0)
            f->flags |= CASE_FAILURE;
        else if (strcmp(name, "error") == 0)
            f->flags |= CASE_ERROR;
        else if (strcmp(name, "skipped") == 0)
            f->flags |= CASE_SKIPPED;
    }
}

static void XMLCALL
junit_end(void *ud, const XML_Char *name)
{
    struct floor *f = ud;

    (void)name;
    if (f->case_depth && f->depth == f->case_depth) {
        if (f->flags & CASE_ERROR)
            f->errors++;
        else if (f->flags & CASE_SKIPPED)
            f->skipped++;
        else if (f->flags & CASE_FAILURE)
            f->failed++;
        else
            f->passed++;
        f->total++;
        f->case_depth = 0;
    }
    f->depth--;
}

int
main(int argc, char **argv)
{
    struct floor f;
    XML_Parser p = NULL;
    char *chunk = NULL;
    ssize_t n;
    int fd = -1, rc = 1, cobertura;

    memset(&f, 0, sizeof(f));
    if (argc != 3 || (strcmp(argv[1], "cobertura") != 0 && strcmp(argv[1], "junit") != 0)) {
        fprintf(stderr, "usage: bench_floor_xml cobertura|junit FILE\n");
        return 2;
    }
    cobertura = strcmp(argv[1], "cobertura") == 0;
    fd = open(argv[2], O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "cannot open '%s': %s\n", argv[2], strerror(errno));
        goto done;
    }
    chunk = malloc(CHUNK);
    p = XML_ParserCreate(NULL);
    if (!chunk || !p) {
        fprintf(stderr, "out of memory\n");
        goto done;
    }
    XML_SetUserData(p, &f);
    if (cobertura)
        XML_SetElementHandler(p, cob_start, cob_end);
    else
        XML_SetElementHandler(p, junit_start, junit_end);
    for (;;) {
        n = read(fd, chunk, CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "cannot read '%s': %s\n", argv[2], strerror(errno));
            goto done;
        }
        if (XML_Parse(p, chunk, (int)n, n == 0) != XML_STATUS_OK) {
            fprintf(stderr, "'%s': line %lu: %s\n", argv[2],
                    (unsigned long)XML_GetCurrentLineNumber(p),
                    XML_ErrorString(XML_GetErrorCode(p)));
            goto done;
        }
        if (n == 0)
            break;
    }
    if (cobertura)
        printf("{\"lines_covered\": %llu, \"lines_total\": %llu, \"line_elements\": %llu, "
               "\"line_elements_hit\": %llu}\n",
               f.covered, f.valid, f.n_lines, f.n_hit);
    else
        printf("{\"testsuites\": %llu, \"total\": %llu, \"passed\": %llu, \"failed\": %llu, "
               "\"errors\": %llu, \"skipped\": %llu}\n",
               f.suites, f.total, f.passed, f.failed, f.errors, f.skipped);
    rc = 0;
done:
    if (p)
        XML_ParserFree(p);
    free(chunk);
    if (fd >= 0)
        close(fd);
    return rc;
}
