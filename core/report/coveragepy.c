/* coverage.py JSON (`coverage json`): line coverage from the top-level totals,
 * covered_lines / num_statements. percent_covered is not used: with branch coverage
 * on it mixes statements and branches. files.*.summary repeats the key names and is
 * ignored. */
#include <stdint.h>

#include "core/report/report.h"
#include "core/report/jsonstream.h"

#include <string.h>

struct coveragepy {
    int totals_seen, covered_seen, statements_seen;
    uint64_t covered, statements;
};

static int
fail_here(struct jsonstream *js, const char *what)
{
    char p[200];

    jsonstream_path(js, p, sizeof(p));
    return jsonstream_fail(js, "%s %s", p, what);
}

/* A count: a JSON number that is a non-negative integer up to INT64_MAX (what a JSON
 * integer in our output and in a signed decision can hold). */
static int
parse_count(struct jsonstream *js, uint64_t *out, enum jsonstream_scalar type, const char *s,
            size_t len)
{
    uint64_t v = 0;
    size_t i;

    if (type != JSONSTREAM_NUMBER)
        return fail_here(js, "is not a number");
    if (len && s[0] == '-')
        return fail_here(js, "is negative");
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return fail_here(js, "is not an integer");
        if (v > ((uint64_t)INT64_MAX - (uint64_t)(s[i] - '0')) / 10)
            return fail_here(js, "is too large (over 2^63 - 1)");
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

static int
at_totals(const struct jsonstream *js)
{
    return js->depth == 1 && jsonstream_match(js, "totals");
}

static int
at_count(const struct jsonstream *js)
{
    return js->depth == 2 && (jsonstream_match(js, "totals.covered_lines") ||
                              jsonstream_match(js, "totals.num_statements"));
}

static int
on_scalar(void *ud, struct jsonstream *js, enum jsonstream_scalar type, const char *s, size_t len)
{
    struct coveragepy *c = ud;

    if (js->depth > 2) /* most of the file: files.* */
        return 0;
    if (at_totals(js))
        return fail_here(js, "is not an object");
    if (jsonstream_match(js, "totals.covered_lines")) {
        c->covered_seen = 1;
        return parse_count(js, &c->covered, type, s, len);
    }
    if (jsonstream_match(js, "totals.num_statements")) {
        c->statements_seen = 1;
        return parse_count(js, &c->statements, type, s, len);
    }
    return 0;
}

static int
on_start_map(void *ud, struct jsonstream *js)
{
    struct coveragepy *c = ud;

    if (at_count(js))
        return fail_here(js, "is not a number");
    if (at_totals(js)) {
        /* a repeated key replaces the earlier value: start over */
        c->totals_seen = 1;
        c->covered_seen = c->statements_seen = 0;
    }
    return 0;
}

static int
on_start_array(void *ud, struct jsonstream *js)
{
    (void)ud;
    if (at_totals(js))
        return fail_here(js, "is not an object");
    if (at_count(js))
        return fail_here(js, "is not a number");
    return 0;
}

static const struct jsonstream_handlers coveragepy_handlers = {
    .scalar = on_scalar,
    .start_map = on_start_map,
    .start_array = on_start_array,
};

int
report_coveragepy_parse(struct coverage_summary *out, const char *path, unsigned char sha[32],
                        uint64_t *bytes, struct err *e)
{
    struct coveragepy c;

    memset(out, 0, sizeof(*out));
    memset(&c, 0, sizeof(c));
    if (jsonstream_parse_file(path, &coveragepy_handlers, &c, sha, bytes, e) < 0)
        return -1;
    if (!c.totals_seen)
        return err_set(e, EXIT_EVAL, "cannot parse '%s': no 'totals' object (not coverage.py JSON)",
                       path);
    if (!c.covered_seen)
        return err_set(e, EXIT_EVAL, "cannot parse '%s': no 'totals.covered_lines'", path);
    if (!c.statements_seen)
        return err_set(e, EXIT_EVAL, "cannot parse '%s': no 'totals.num_statements'", path);
    if (c.statements == 0)
        return err_set(e, EXIT_EVAL,
                       "cannot parse '%s': no statements (totals.num_statements is 0)", path);
    if (c.covered > c.statements)
        return err_set(e, EXIT_EVAL,
                       "cannot parse '%s': totals.covered_lines (%llu) exceeds "
                       "totals.num_statements (%llu)",
                       path, (unsigned long long)c.covered, (unsigned long long)c.statements);
    out->lines_covered = c.covered;
    out->lines_total = c.statements;
    out->percent = (double)c.covered * 100.0 / (double)c.statements;
    return 0;
}
