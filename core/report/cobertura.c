/* Cobertura XML (coverage.py, gcovr, Cobertura, JaCoCo converters ...).
 *
 * The line totals come from the root <coverage> element:
 *   1. lines-covered / lines-valid when both are there;
 *   2. else line-rate (0..1), with the counts taken from the <line> elements;
 *   3. else the <line> elements themselves (a line is covered when hits > 0).
 * Only <line> elements of <class><lines> are counted: Cobertura repeats each line
 * under <methods><method><lines>, which would count it twice. Contradictory or
 * out-of-range numbers are errors, never clamped: totals that disagree with the
 * <line> elements the report lists are refused, naming both. Messages never quote
 * the report's own text. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/report/report.h"
#include "core/report/xml.h"

#define COB_STACK 32 /* element kinds kept per depth; deeper elements play no part */

enum cob_kind { K_OTHER = 0, K_CLASS, K_LINES };

struct cob {
    unsigned char kind[COB_STACK + 1]; /* enum cob_kind of the open element at each depth */
    int has_valid, has_covered, has_rate;
    uint64_t valid, covered;
    double rate;
    uint64_t n_lines, n_hit; /* counted <class><lines><line> elements */
};

/* A non-negative decimal integer, digits only, up to INT64_MAX (what a JSON integer in
 * our output and in a signed decision can hold). */
static int
parse_u64(uint64_t *out, const char *s)
{
    uint64_t v = 0;

    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        if (v > ((uint64_t)INT64_MAX - (uint64_t)(*s - '0')) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

static int
root_count(struct xml_ctx *x, uint64_t *out, const char *name, const char *v)
{
    if (parse_u64(out, v) < 0)
        return xml_fail(x, "%s is not a non-negative integer below 2^63", name);
    return 0;
}

static int
root_attrs(struct xml_ctx *x, struct cob *c, const char **attrs)
{
    const char *valid = xml_attr(attrs, "lines-valid");
    const char *covered = xml_attr(attrs, "lines-covered");
    const char *rate = xml_attr(attrs, "line-rate");
    char *end = NULL;

    if (valid && root_count(x, &c->valid, "lines-valid", valid) < 0)
        return -1;
    if (covered && root_count(x, &c->covered, "lines-covered", covered) < 0)
        return -1;
    if (!valid != !covered)
        return xml_fail(x, "%s without %s", valid ? "lines-valid" : "lines-covered",
                        valid ? "lines-covered" : "lines-valid");
    c->has_valid = c->has_covered = valid != NULL;
    if (c->has_valid && c->covered > c->valid)
        return xml_fail(x, "lines-covered (%llu) is greater than lines-valid (%llu)",
                        (unsigned long long)c->covered, (unsigned long long)c->valid);
    if (rate) {
        c->rate = strtod(rate, &end);
        /* !(a <= b) also catches NaN */
        if (end == rate || *end || !(c->rate >= 0.0 && c->rate <= 1.0))
            return xml_fail(x, "line-rate is not a number from 0 to 1");
        c->has_rate = 1;
    }
    /* line-rate is lines-covered / lines-valid by definition; producers round it
     * (coverage.py to 4 places), so only a gross disagreement is an error. */
    if (c->has_rate && c->has_valid && c->valid > 0 &&
        fabs(c->rate - (double)c->covered / (double)c->valid) > 0.01)
        return xml_fail(x, "line-rate %.4f contradicts lines-covered/lines-valid %llu/%llu",
                        c->rate, (unsigned long long)c->covered, (unsigned long long)c->valid);
    return 0;
}

static int
count_line(struct xml_ctx *x, struct cob *c, const char **attrs)
{
    const char *hits = xml_attr(attrs, "hits");
    const char *p;
    int hit = 0;

    if (!hits)
        return xml_fail(x, "<line> without a hits attribute");
    if (!*hits)
        return xml_fail(x, "<line> with an empty hits attribute");
    /* any size of count: only "more than zero" matters */
    for (p = hits; *p; p++) {
        if (*p < '0' || *p > '9')
            return xml_fail(x, "<line> hits is not a non-negative integer");
        if (*p != '0')
            hit = 1;
    }
    c->n_lines++;
    c->n_hit += (uint64_t)hit;
    return 0;
}

static int
cob_start(struct xml_ctx *x, const char *name, const char **attrs, int depth)
{
    struct cob *c = xml_userdata(x);
    enum cob_kind k = K_OTHER;

    if (depth == 1) {
        if (strcmp(name, "coverage") != 0)
            return xml_fail(x, "wrong root element (expected coverage)");
        return root_attrs(x, c, attrs);
    }
    if (strcmp(name, "class") == 0)
        k = K_CLASS;
    else if (strcmp(name, "lines") == 0)
        k = K_LINES;
    else if (strcmp(name, "line") == 0 && depth >= 3 && depth <= COB_STACK &&
             c->kind[depth - 1] == K_LINES && c->kind[depth - 2] == K_CLASS)
        return count_line(x, c, attrs);
    if (depth <= COB_STACK)
        c->kind[depth] = (unsigned char)k;
    return 0;
}

static int
cob_end(struct xml_ctx *x, const char *name, int depth)
{
    struct cob *c = xml_userdata(x);

    (void)name;
    if (depth <= COB_STACK)
        c->kind[depth] = K_OTHER;
    return 0;
}

int
report_cobertura_parse(struct coverage_summary *out, const char *path, unsigned char sha[32],
                       uint64_t *bytes, struct err *e)
{
    static const struct xml_handlers handlers = {cob_start, cob_end, NULL};
    struct cob c;

    memset(&c, 0, sizeof(c));
    memset(out, 0, sizeof(*out));
    if (xml_parse_file(path, &handlers, &c, sha, bytes, e) < 0)
        return -1;

    /* totals that contradict the <line> elements: which one would a reader believe? */
    if (c.has_valid && c.n_lines > 0 && (c.valid != c.n_lines || c.covered != c.n_hit))
        return err_set(e, EXIT_EVAL,
                       "cannot parse '%s': lines-covered/lines-valid %llu/%llu contradict the "
                       "<line> elements (%llu of %llu lines hit)",
                       path, (unsigned long long)c.covered, (unsigned long long)c.valid,
                       (unsigned long long)c.n_hit, (unsigned long long)c.n_lines);
    if (!c.has_valid && c.has_rate && c.n_lines > 0 &&
        fabs(c.rate - (double)c.n_hit / (double)c.n_lines) > 0.01)
        return err_set(e, EXIT_EVAL,
                       "cannot parse '%s': line-rate %.4f contradicts the <line> elements (%llu "
                       "of %llu lines hit)",
                       path, c.rate, (unsigned long long)c.n_hit, (unsigned long long)c.n_lines);
    if (c.has_valid && c.valid > 0) {
        out->lines_covered = c.covered;
        out->lines_total = c.valid;
        out->percent = 100.0 * (double)c.covered / (double)c.valid;
    } else if (c.has_valid) {
        return err_set(e, EXIT_EVAL, "cannot parse '%s': no lines", path);
    } else if (c.has_rate) {
        out->lines_covered = c.n_lines ? c.n_hit : 0;
        out->lines_total = c.n_lines;
        out->percent = c.rate * 100.0;
    } else if (c.n_lines > 0) {
        out->lines_covered = c.n_hit;
        out->lines_total = c.n_lines;
        out->percent = 100.0 * (double)c.n_hit / (double)c.n_lines;
    } else {
        return err_set(e, EXIT_EVAL, "cannot parse '%s': no lines", path);
    }
    return 0;
}
