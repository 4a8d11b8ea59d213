/* Table-driven gate tests: every row of the .jsonl files in tests/fixtures/gates/ is one
 * case, and a new case is one row.
 *
 * A row is one JSON object on a line (a line starting with '#' is a comment):
 *   gate     the gate type (its key in the policy)
 *   rule     the gate's object in the policy, as evaluate receives it
 *   data     its evidence as a decision records it (the gate's "data" in the audit log;
 *            gate_evidence_from rebuilds the evidence from it, as replay does)
 *   now      the moment of the evaluation (RFC 3339 UTC)
 *   commit   the commit evaluated (optional)
 *   verdict  "pass", "fail" or "error": what evaluate must return
 *   summary  the finding's one line, exactly
 * demo.jsonl holds every gate the demo's log recorded; edges.jsonl the cases around the
 * thresholds and the evidence no gate may pass. Every gate of the registry must have a
 * row that passes and one that does not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/engine/decision.h"
#include "core/ledger/history.h"
#include "gates/gate.h"

#define ZERO_COMMIT "0000000000000000000000000000000000000000"

struct tally {
    int rows, failed;
    unsigned char passed[64], not_passed[64]; /* by the registry's index */
};

static int
registry_index(const char *type)
{
    int i;

    for (i = 0; gate_registry[i]; i++)
        if (strcmp(gate_registry[i]->type, type) == 0)
            return i;
    return -1;
}

/* Run the row at FILE:LINE; 0 when it gives what it says, else -1 (printed). */
static int
run_row(struct tally *t, const char *file, int line, const char *text)
{
    json_error_t je;
    json_t *row = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    const char *type = json_string_value(json_object_get(row, "gate"));
    const char *want = json_string_value(json_object_get(row, "verdict"));
    const char *summary = json_string_value(json_object_get(row, "summary"));
    const char *now_s = json_string_value(json_object_get(row, "now"));
    const char *commit = json_string_value(json_object_get(row, "commit"));
    const json_t *rule = json_object_get(row, "rule");
    const struct gate *gate = type ? gate_find(type) : NULL;
    struct finding f;
    struct evidence ev;
    enum verdict v;
    time_t now = now_s ? history_parse_time(now_s) : -1;
    int rc = -1, k = type ? registry_index(type) : -1;

    memset(&f, 0, sizeof(f));
    if (!row || !gate || !want || !summary || now < 0 || !json_is_object(rule) ||
        !json_object_get(row, "data")) {
        print_error("%s:%d: not a row (gate, rule, data, now, verdict, summary)%s%s\n", file,
                    line, row ? "" : ": ", row ? "" : je.text);
        goto done;
    }
    if (gate_evidence_from(&ev, gate, commit ? commit : ZERO_COMMIT,
                           json_object_get(row, "data")) < 0) {
        print_error("%s:%d: %s: the data gives no evidence\n", file, line, type);
        goto done;
    }
    v = gate->evaluate(&ev, rule, now, &f);
    evidence_release(&ev);
    if (strcmp(decision_status_name(v), want) != 0 || strcmp(f.summary, summary) != 0) {
        print_error("%s:%d: %s\n  want %s: %s\n  got  %s: %s\n", file, line, type, want, summary,
                    decision_status_name(v), f.summary);
        goto done;
    }
    if (v == VERDICT_PASS)
        t->passed[k] = 1;
    else
        t->not_passed[k] = 1;
    rc = 0;
done:
    finding_release(&f);
    json_decref(row);
    t->rows++;
    if (rc < 0)
        t->failed++;
    return rc;
}

static void
run_file(struct tally *t, const char *path)
{
    FILE *fp = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lineno = 0;

    assert_non_null(fp);
    while ((n = getline(&line, &cap, fp)) > 0) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        run_row(t, path, lineno, line);
    }
    free(line);
    fclose(fp);
}

static void
test_every_row(void **state)
{
    struct tally t;
    struct dirent *d;
    DIR *dir = opendir(FIXTURES "/gates");
    char path[1024];
    int i, missing = 0;

    (void)state;
    memset(&t, 0, sizeof(t));
    assert_non_null(dir);
    while ((d = readdir(dir)) != NULL) {
        size_t len = strlen(d->d_name);

        if (len > 6 && strcmp(d->d_name + len - 6, ".jsonl") == 0) {
            snprintf(path, sizeof(path), "%s/gates/%s", FIXTURES, d->d_name);
            run_file(&t, path);
        }
    }
    closedir(dir);
    for (i = 0; gate_registry[i]; i++)
        if (!t.passed[i] || !t.not_passed[i]) {
            print_error("gate %s: no row that %s\n", gate_registry[i]->type,
                        t.passed[i] ? "does not pass" : "passes");
            missing++;
        }
    print_message("%d rows, %d failed\n", t.rows, t.failed);
    assert_true(t.rows > 40);
    assert_int_equal(t.failed, 0);
    assert_int_equal(missing, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_row),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
