/* Helpers shared by the fuzz harnesses (fuzz.h). */
#define _GNU_SOURCE /* memmem */
#include "fuzz.h"
#include "gates/gate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef FUZZ_SRCDIR
#error "FUZZ_SRCDIR must name the source tree"
#endif

static const uint8_t *input;
static size_t input_size;
static char file_path[4096];
static int file_fd = -1;

static void
file_remove(void)
{
    if (file_fd >= 0) {
        close(file_fd);
        unlink(file_path);
        file_fd = -1;
    }
}

static void harness_broken(const char *what) __attribute__((noreturn));

static void
harness_broken(const char *what)
{
    fprintf(stderr, "fuzz harness: %s: %s\n", what, strerror(errno));
    abort();
}

void
fuzz_input(const uint8_t *data, size_t size)
{
    input = data;
    input_size = size;
}

const char *
fuzz_file(const uint8_t *data, size_t size)
{
    size_t done = 0;
    ssize_t n;

    if (file_fd < 0) {
        /* tmpfs: on a disk file system each rewrite would reach the disk (ext4 flushes a
         * file truncated to nothing when it is closed, and the parsers close it) */
        const char *dirs[] = {"/dev/shm", getenv("TMPDIR"), "/tmp"};
        size_t i;

        for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && file_fd < 0; i++) {
            int len;

            if (!dirs[i] || dirs[i][0] != '/')
                continue;
            len = snprintf(file_path, sizeof(file_path), "%s/promote-fuzz-XXXXXX", dirs[i]);
            if (len > 0 && (size_t)len < sizeof(file_path))
                file_fd = mkstemp(file_path);
        }
        if (file_fd < 0)
            harness_broken("cannot create the input file");
        atexit(file_remove);
    }
    if (ftruncate(file_fd, 0) < 0)
        harness_broken("cannot truncate the input file");
    while (done < size) {
        n = pwrite(file_fd, data + done, size - done, (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            harness_broken("cannot write the input file");
        done += (size_t)n;
    }
    return file_path;
}

char *
fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (!s)
        harness_broken("out of memory");
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

int
fuzz_next(const uint8_t **piece, size_t *len, const uint8_t **data, size_t *size, const char *sep)
{
    size_t seplen = strlen(sep), i;

    if (*size == 0)
        return 0;
    *piece = *data;
    for (i = 0; i + seplen <= *size; i++) {
        if (memcmp(*data + i, sep, seplen) == 0) {
            *len = i;
            *data += i + seplen;
            *size -= i + seplen;
            return 1;
        }
    }
    *len = *size;
    *data += *size;
    *size = 0;
    return 1;
}

void
fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz harness: broken promise: %s\n", what);
    abort();
}

void
fuzz_check_err(int rc, const struct err *e)
{
    if (rc >= 0)
        return;
    FUZZ_CHECK(e->code >= EXIT_REJECTED && e->code <= EXIT_TAMPER);
    FUZZ_CHECK(e->msg[0] != '\0');
    FUZZ_CHECK(memchr(e->msg, '\0', sizeof(e->msg)) != NULL);
    /* an allocation that fails here is a crash (libFuzzer's malloc limit), never a
     * message: "out of memory" is what code says when jansson refused a string that is
     * not UTF-8, or some other call failed for a reason it did not look at (unless the
     * message quotes the input saying so) */
    FUZZ_CHECK(strstr(e->msg, "out of memory") == NULL ||
               (input && memmem(input, input_size, "out of memory", 13) != NULL));
}

static int
ends(const char *s, size_t size)
{
    return memchr(s, '\0', size) != NULL;
}

void
fuzz_check_report(const struct report *r)
{
    const struct coverage_summary *c = &r->u.coverage;
    const struct tests_summary *t = &r->u.tests;
    const struct security_summary *s = &r->u.security;
    json_t *details;
    size_t i;

    switch (r->kind) {
    case REPORT_KIND_COVERAGE:
        FUZZ_CHECK(c->lines_covered <= c->lines_total);
        FUZZ_CHECK(c->percent >= 0.0 && c->percent <= 100.0);
        break;
    case REPORT_KIND_TESTS:
        FUZZ_CHECK(t->passed + t->failed + t->errors + t->skipped + t->disabled == t->total);
        break;
    case REPORT_KIND_SECURITY:
        FUZZ_CHECK(s->n_revisions <= SARIF_MAX_REVISIONS);
        for (i = 0; i < s->n_revisions; i++)
            FUZZ_CHECK(ends(s->revisions[i], sizeof(s->revisions[i])));
        FUZZ_CHECK(ends(s->tool_error, sizeof(s->tool_error)));
        FUZZ_CHECK(s->active <= s->results);
        break;
    default:
        break;
    }
    details = report_details(r);
    FUZZ_CHECK(details != NULL); /* NULL: a string in it is not UTF-8 */
    json_decref(details);
}

const struct key *
fuzz_test_key(void)
{
    static struct key *k;
    unsigned char seed[32];
    struct err e = ERR_INIT;
    size_t i;

    if (k)
        return k;
    for (i = 0; i < sizeof(seed); i++)
        seed[i] = (unsigned char)i;
    if (keys_from_seed(&k, seed, &e) < 0)
        fuzz_fail(e.msg);
    return k;
}

static char *
slurp(size_t *len, const char *rel)
{
    char path[4096];
    char *text = NULL;
    long n;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", FUZZ_SRCDIR, rel);
    f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0)
        harness_broken(path);
    text = malloc((size_t)n + 1);
    if (!text || fread(text, 1, (size_t)n, f) != (size_t)n)
        harness_broken(path);
    text[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return text;
}

static char *
dup_or_die(const char *s)
{
    char *d = strdup(s);

    if (!d)
        harness_broken("out of memory");
    return d;
}

const struct policy *
fuzz_bbws_policy(void)
{
    static struct policy *p;
    struct err e = ERR_INIT;
    size_t len;
    char *text;

    if (p)
        return p;
    text = slurp(&len, "policies/bbws.json");
    if (policy_load(&p, text, len, "policies/bbws.json", &e) < 0) {
        fprintf(stderr, "fuzz harness: %s\n", e.msg);
        abort();
    }
    free(text);
    return p;
}

const struct envcheck_input *
fuzz_bbws_input(void)
{
    static const char *const envs[] = {"dev", "sit", "prod"};
    static const char *const wfs[] = {"deploy-dev.yml", "deploy-sit.yml", "deploy-prod.yml",
                                      "promote-dev-sit.yml", "promote-sit-prod.yml"};
    static struct envcheck_input in;
    static int loaded;
    char rel[256];
    size_t i;

    if (loaded)
        return &in;
    in.tf_dir = dup_or_die("terraform");
    in.wf_dir = dup_or_die(".github/workflows");
    in.tf_found = in.wf_found = 1;
    in.tf_subdirs = calloc(3, sizeof(*in.tf_subdirs));
    in.tfvars = calloc(3, sizeof(*in.tfvars));
    in.workflows = calloc(5, sizeof(*in.workflows));
    if (!in.tf_subdirs || !in.tfvars || !in.workflows)
        harness_broken("out of memory");
    for (i = 0; i < 3; i++) {
        in.tf_subdirs[in.n_tf_subdirs++] = dup_or_die(envs[i]);
        snprintf(rel, sizeof(rel), "terraform/%s/%s.tfvars", envs[i], envs[i]);
        in.tfvars[i].path = dup_or_die(rel);
        snprintf(rel, sizeof(rel), "examples/bbws/terraform/%s/%s.tfvars", envs[i], envs[i]);
        in.tfvars[i].text = slurp(&in.tfvars[i].len, rel);
        in.n_tfvars++;
    }
    for (i = 0; i < 5; i++) {
        snprintf(rel, sizeof(rel), ".github/workflows/%s", wfs[i]);
        in.workflows[i].path = dup_or_die(rel);
        snprintf(rel, sizeof(rel), "examples/bbws/.github/workflows/%s", wfs[i]);
        in.workflows[i].text = slurp(&in.workflows[i].len, rel);
        in.n_workflows++;
    }
    loaded = 1;
    return &in;
}

void
fuzz_envcheck(const struct policy *p, const struct envcheck_input *in)
{
    struct envcheck_result r;
    json_t *j;
    size_t i;
    int rc;

    envcheck_result_init(&r);
    rc = envcheck_terraform(&r, p, in);
    FUZZ_CHECK(rc == 0);
    rc = envcheck_workflows(&r, p, in);
    FUZZ_CHECK(rc == 0);
    envcheck_result_sort(&r);
    for (i = 0; i < r.n; i++) {
        FUZZ_CHECK(r.v[i].file && r.v[i].message && r.v[i].rule[0]);
        FUZZ_CHECK(memchr(r.v[i].rule, '\0', sizeof(r.v[i].rule)) != NULL);
        FUZZ_CHECK(r.v[i].line >= 0);
    }
    j = envcheck_result_json(&r);
    FUZZ_CHECK(j != NULL);
    json_decref(j);
    envcheck_result_release(&r);
}

void
fuzz_check_finding(int collect_rc, const struct err *e, const struct finding *f)
{
    struct finding as_engine;
    const char *summary = f->summary;
    json_t *doc;
    char *text;

    memset(&as_engine, 0, sizeof(as_engine));
    if (collect_rc < 0) {
        finding_summary(&as_engine, "%s", e->msg);
        summary = as_engine.summary;
    }
    FUZZ_CHECK(memchr(summary, '\0', sizeof(f->summary)) != NULL);
    FUZZ_CHECK(!f->details || json_is_object(f->details));
    doc = json_pack("{s:s, s:O?}", "summary", summary, "details", f->details);
    FUZZ_CHECK(doc != NULL); /* NULL: the summary is not UTF-8 */
    text = json_dumps(doc, JSON_COMPACT);
    FUZZ_CHECK(text != NULL);
    free(text);
    json_decref(doc);
}
