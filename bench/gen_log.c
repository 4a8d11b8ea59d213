/* promote-bench-gen: write a valid signed audit log of N entries into a repository, through
 * the append code promote uses (core/ledger/audit.c, in bulk: one process, the ref moved once, no
 * push), with the mix a team of services writes over a few years: for each change a
 * deployment into dev, a decision dev -> sit with twelve gates, the deployment into sit
 * (triggered, then its outcome), a decision sit -> prod with twelve gates (a load test
 * among them), the deployment into prod and its outcome; now and then a failed deployment
 * and a rollback, a hold and its unhold, a monthly DR test. Seeded: the same arguments give
 * the same statements (the signatures' nonces differ).
 *
 * usage: promote-bench-gen --repo DIR --key FILE --count N --commits FILE [--seed S]
 *                          [--start EPOCH] [--ref REF]
 * COMMITS lists the commit ids the entries are about, one per line (real commits of the
 * repository, so that the rules can read them). */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <git2.h>
#include <sodium.h>

#include "core/ledger/audit.h"
#include "core/engine/decision.h"
#include "core/ledger/keys.h"
#include "core/git/repo.h"

#define STEP_S 900 /* a quarter of an hour between entries */

struct gen {
    struct repo *r;
    struct key *k;
    struct audit_bulk bulk;
    char (*commits)[41];
    size_t n_commits;
    uint64_t rnd;
    time_t now;
    size_t written, count;
    char last_id[65];       /* the entry added last */
    char last_decision[65]; /* the decision added last */
};

static uint32_t
next(struct gen *g)
{
    g->rnd = g->rnd * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(g->rnd >> 33);
}

static int
add(struct gen *g, json_t *st, struct err *e)
{
    struct audit_appended a;
    int rc;

    if (!st)
        return err_set(e, EXIT_EVAL, "cannot build a statement");
    rc = g->written < g->count
             ? audit_bulk_add(&a, &g->bulk, g->r, st, g->k, "promote:bench", e)
             : 0;
    json_decref(st);
    if (rc < 0 || g->written >= g->count)
        return rc;
    snprintf(g->last_id, sizeof(g->last_id), "%s", a.id);
    g->written++;
    g->now += STEP_S;
    return 0;
}

static void
subject(struct audit_subject *s, const struct gen *g)
{
    s->repo_uri = "https://github.com/bbws/order-service";
    s->policy_uri = "https://github.com/bbws/order-service/blob/main/.promote/policy.json";
    s->run_url = "https://github.com/bbws/order-service/actions/runs/1";
    s->now = g->now;
}

/* A decision FROM -> TO of COMMIT with twelve gates, each with its normalised evidence. */
static int
decision(struct gen *g, const char *from, const char *to, const char *commit, struct err *e)
{
    static const char *const gates[12][2] = {
        {"unit-tests", "tests"},         {"integration-tests", "tests"},
        {"unit-coverage", "coverage"},   {"security-scan", "security"},
        {"code-review", "code_review"},  {"tech-lead", "role_approval"},
        {"release-notes", "release_notes"}, {"ci-checks", "status_checks"},
        {"came-from", "provenance"},     {"soaked", "soak"},
        {"dr-tested", "dr_test"},        {"load-test", "load_test"},
    };
    struct gate_result res[12];
    struct decision d;
    struct audit_subject s;
    size_t i;
    int rc, approved = next(g) % 10 != 0;

    memset(&d, 0, sizeof(d));
    memset(res, 0, sizeof(res));
    snprintf(d.from, sizeof(d.from), "%s", from);
    snprintf(d.to, sizeof(d.to), "%s", to);
    snprintf(d.commit, sizeof(d.commit), "%s", commit);
    snprintf(d.policy_sha256, sizeof(d.policy_sha256), "%064x", 7);
    snprintf(d.policy_source, sizeof(d.policy_source), "refs/heads/main:.promote/policy.json");
    snprintf(d.actor, sizeof(d.actor), "release-bot");
    d.verdict = approved ? DECISION_APPROVED : DECISION_REJECTED;
    d.n_results = 12;
    d.results = res;
    for (i = 0; i < 12; i++) {
        struct gate_result *x = &res[i];

        x->name = gates[i][0];
        x->type = gates[i][1];
        x->verdict = approved || i != 2 ? VERDICT_PASS : VERDICT_FAIL;
        snprintf(x->finding.summary, sizeof(x->finding.summary), "%s: %u checked, %u failed",
                 x->name, 100 + next(g) % 900, approved || i != 2 ? 0 : 1 + next(g) % 5);
        if (i < 4 || i == 11) {
            x->evidence_path = "reports/evidence.xml";
            x->has_sha256 = 1;
            randombytes_buf(x->sha256, 32);
        }
        if (i == 11)
            x->data = json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:s}", "file", "reports/k6.json",
                                "format", "k6", "latency", "percentile", "p95", "ms", "180.5",
                                "error_rate", "0.002", "rps", "412.7");
        else
            x->data = json_pack("{s:i, s:i, s:i}", "total", (int)(100 + next(g) % 900), "failed",
                                0, "skipped", (int)(next(g) % 4));
    }
    subject(&s, g);
    rc = add(g, audit_decision_statement(&d, &s), e);
    memcpy(g->last_decision, g->last_id, sizeof(g->last_id));
    for (i = 0; i < 12; i++)
        json_decref(res[i].data);
    return rc;
}

static int
event(struct gen *g, const char *kind, const char *env, const char *commit, json_t *fields,
      struct err *e)
{
    struct audit_subject s;
    int rc;

    subject(&s, g);
    rc = add(g, audit_event_statement(kind, env, commit, "ops-bot", fields, &s), e);
    json_decref(fields);
    return rc;
}

static int
deploy(struct gen *g, const char *env, const char *commit, const char *result, struct err *e)
{
    char tag[64];

    snprintf(tag, sizeof(tag), "%s-%zu", env, g->written + 1);
    return event(g, "deployment", env, commit,
                 json_pack("{s:s, s:s, s:s, s:I}", "result", result, "tag", tag, "decision",
                           g->last_decision, "deployment", (json_int_t)(g->written + 1)),
                 e);
}

/* One change from dev to prod, with what may go wrong on the way. */
static int
change(struct gen *g, size_t i, struct err *e)
{
    const char *c = g->commits[i % g->n_commits], *prev = g->commits[(i + g->n_commits - 1) %
                                                                     g->n_commits];
    uint32_t luck = next(g) % 100;

    if (deploy(g, "dev", c, "success", e) < 0 || decision(g, "dev", "sit", c, e) < 0 ||
        deploy(g, "sit", c, "triggered", e) < 0 || deploy(g, "sit", c, "success", e) < 0 ||
        decision(g, "sit", "prod", c, e) < 0 || deploy(g, "prod", c, "triggered", e) < 0)
        return -1;
    if (luck < 6)
        return deploy(g, "prod", c, "failure", e) < 0 ||
                       event(g, "rollback", "prod", prev,
                             json_pack("{s:s, s:s}", "from_commit", c, "reason",
                                       "error rate above the SLO"),
                             e) < 0
                   ? -1
                   : 0;
    if (deploy(g, "prod", c, "success", e) < 0)
        return -1;
    if (luck < 10)
        return event(g, "hold", "prod", c, json_pack("{s:s}", "reason", "incident"), e) < 0 ||
                       event(g, "unhold", "prod", c, json_pack("{s:s}", "reason", "resolved"),
                             e) < 0
                   ? -1
                   : 0;
    if (luck < 14)
        return event(g, "dr_test", "prod", c,
                     json_pack("{s:s, s:s}", "result", "pass", "note", "failover to eu-west-1"),
                     e);
    return 0;
}

static int
read_commits(struct gen *g, const char *path, struct err *e)
{
    FILE *f = fopen(path, "r");
    char line[128];
    size_t cap = 0;

    if (!f)
        return err_set(e, EXIT_USAGE, "cannot open '%s'", path);
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strlen(line) != 40)
            continue;
        if (g->n_commits == cap) {
            void *p = realloc(g->commits, (cap = cap ? cap * 2 : 64) * 41);

            if (!p) {
                fclose(f);
                return err_set(e, EXIT_EVAL, "out of memory");
            }
            g->commits = p;
        }
        memcpy(g->commits[g->n_commits++], line, 41);
    }
    fclose(f);
    return g->n_commits ? 0 : err_set(e, EXIT_USAGE, "'%s' lists no commit", path);
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"repo", required_argument, NULL, 'r'},   {"key", required_argument, NULL, 'k'},
        {"count", required_argument, NULL, 'n'},  {"commits", required_argument, NULL, 'c'},
        {"seed", required_argument, NULL, 's'},   {"start", required_argument, NULL, 't'},
        {"ref", required_argument, NULL, 'f'},    {NULL, 0, NULL, 0},
    };
    const char *repo = NULL, *key = NULL, *commits = NULL, *ref = AUDIT_REF;
    struct gen g;
    struct err e = ERR_INIT;
    size_t i;
    int c, rc = 1;

    memset(&g, 0, sizeof(g));
    g.rnd = 42;
    g.now = time(NULL);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'r')
            repo = optarg;
        else if (c == 'k')
            key = optarg;
        else if (c == 'n')
            g.count = strtoull(optarg, NULL, 10);
        else if (c == 'c')
            commits = optarg;
        else if (c == 's')
            g.rnd = strtoull(optarg, NULL, 10);
        else if (c == 't')
            g.now = (time_t)strtoll(optarg, NULL, 10);
        else if (c == 'f')
            ref = optarg;
        else
            return 2;
    }
    if (!repo || !key || !commits || !g.count) {
        fputs("usage: promote-bench-gen --repo DIR --key FILE --count N --commits FILE [--seed S] "
              "[--start EPOCH] [--ref REF]\n",
              stderr);
        return 2;
    }
    if (sodium_init() < 0 || git_libgit2_init() < 0)
        return 1;
    if (read_commits(&g, commits, &e) < 0 || repo_open(&g.r, repo, &e) < 0 ||
        keys_load(&g.k, key, &e) < 0 || audit_bulk_begin(&g.bulk, g.r, ref, &e) < 0)
        goto done;
    for (i = 0; g.written < g.count; i++)
        if (change(&g, i, &e) < 0)
            goto done;
    if (audit_bulk_end(&g.bulk, g.r, &e) < 0)
        goto done;
    printf("%zu entries, tip %s\n", g.written, g.bulk.tip);
    rc = 0;
done:
    if (rc)
        fprintf(stderr, "promote-bench-gen: %s\n", e.msg);
    keys_free(g.k);
    repo_free(g.r);
    free(g.commits);
    git_libgit2_shutdown();
    return rc;
}
