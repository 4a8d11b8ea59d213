/* The GitHub responses the gates and the actor decode, without a network: a gh_store
 * filled by hand, as tests/test_gh_gates.c does.
 *
 * The first byte of the input picks a scenario (a gate and its rule, the actor, the
 * deploy outcome decoders, the pull request, review and branch rule decoders). The rest
 * is a list of responses separated by a line "--": the scenario's plan step asks for
 * resources round by round as the engine does, and each resource asked for takes the
 * next response in order. A response is one status character and a JSON body: '2' 200
 * (the body, pages joined), '4' 404, anything else a failed request; a 200 whose body
 * is not JSON fails as gh_fetch fails it. */
#include <stdio.h>
#include <string.h>

#include "core/github/actor.h"
#include "core/release/deploy.h"
#include "core/github/gh.h"
#include "core/ledger/loghome.h"
#include "core/github/roles.h"
#include "fuzz.h"
#include "gates/gate.h"

#define OWNER "bbws"
#define NAME "order-lambda"
#define SHA "1111111111111111111111111111111111111111"
#define SEP "\n--\n"
#define MAX_ROUNDS 16 /* as core/engine/engine.c */

struct scenario {
    const char *gate; /* NULL: not a gate */
    const char *rule;
    int release_pr;
    int break_glass;
};

static const struct scenario scenarios[] = {
    {"code_review", "{\"min_approvals\": 2, \"dismiss_stale\": true}", 0, 0},
    {"code_review", "{\"min_approvals\": 1, \"require_no_changes_requested\": false}", 0, 0},
    {"role_approval", "{\"require\": {\"ops-lead\": 1, \"tech-lead\": 1}}", 0, 0},
    {"role_approval", "{\"require\": {\"qa-lead\": 2}}", 12, 0},
    {"status_checks", "{\"contexts\": [\"build\", \"ci/jenkins\"], \"allow_neutral\": true}", 0, 0},
    {"status_checks", "{\"contexts\": [\"build\"]}", 0, 0},
    {"release_notes", "{}", 0, 0},
    {"separation_of_duties", "{}", 0, 0},
    {"deploy_window",
     "{\"timezone\": \"Africa/Johannesburg\", \"break_glass_role\": \"ops-lead\", \"windows\": "
     "[{\"days\": [\"tue\"], \"start\": \"09:00\", \"end\": \"15:00\"}]}",
     0, 1},
    {NULL, "actor", 0, 0},
    {NULL, "actor in actions", 0, 0},
    {NULL, "deploy outcome", 0, 0},
    {NULL, "pull, reviews, branch rules", 0, 0},
};

#define N_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

static const char ROLES[] = "{\"tech-lead\": {\"team\": \"bbws/tech-leads\"}, "
                            "\"ops-lead\": {\"team\": \"bbws/ops\"}, "
                            "\"qa-lead\": {\"team\": \"bbws/qa\"}}";

struct replies {
    const uint8_t *data;
    size_t size;
};

/* The next response as a JSON body (NULL: none, or not JSON) and its state. */
static enum gh_state
next_reply(struct replies *rp, json_t **json)
{
    const uint8_t *piece;
    size_t len;

    *json = NULL;
    if (!fuzz_next(&piece, &len, &rp->data, &rp->size, SEP))
        return GH_NOT_FOUND;
    if (len == 0 || (piece[0] != '2' && piece[0] != '4'))
        return GH_FAILED;
    if (piece[0] == '4')
        return GH_NOT_FOUND;
    *json = json_loadb((const char *)piece + 1, len - 1, 0, NULL);
    return *json ? GH_OK : GH_FAILED;
}

/* Answer every wanted resource of S from RP, as gh_fetch would leave it. */
static void
answer(struct gh_store *s, struct replies *rp)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        struct gh_res *r = &s->res[i];

        if (r->state != GH_WANTED)
            continue;
        r->state = next_reply(rp, &r->json);
        r->status = r->state == GH_OK ? 200 : r->state == GH_NOT_FOUND ? 404 : 502;
        r->pages = r->state == GH_OK;
        if (r->state == GH_FAILED)
            snprintf(r->error, sizeof(r->error), "GET %s: HTTP 502 (after 3 retries)", r->path);
    }
    s->rounds++;
}

static void
run_gate(const struct scenario *sc, struct replies *rp)
{
    const struct gate *g = gate_find(sc->gate);
    json_t *rule = json_loads(sc->rule, 0, NULL), *roles = json_loads(ROLES, 0, NULL);
    struct gh_store s = GH_STORE_INIT;
    struct gate_ctx ctx;
    struct evidence ev;
    struct finding f;
    struct err e = ERR_INIT;
    int rounds, rc;

    FUZZ_CHECK(g && g->plan && rule && roles);
    memset(&ctx, 0, sizeof(ctx));
    memset(&ev, 0, sizeof(ev));
    memset(&f, 0, sizeof(f));
    ctx.commit = SHA;
    ctx.rule = rule;
    ctx.owner = OWNER;
    ctx.name = NAME;
    ctx.roles = roles;
    ctx.actor = "dave";
    ctx.release_pr = sc->release_pr;
    ctx.release_version = "1.4.0";
    ctx.break_glass = sc->break_glass;
    ctx.break_glass_reason = sc->break_glass ? "incident 42" : NULL;
    ctx.gh = &s;
    for (rounds = 0; rounds < MAX_ROUNDS; rounds++) {
        rc = g->plan(&ctx, &s, &e);
        fuzz_check_err(rc, &e);
        if (rc < 0 || !gh_pending(&s))
            break;
        answer(&s, rp);
    }
    snprintf(ev.commit, sizeof(ev.commit), "%s", SHA);
    rc = g->collect(&ctx, &ev, &e);
    fuzz_check_err(rc, &e);
    if (rc == 0) {
        enum verdict v = g->evaluate(&ev, rule, (time_t)1795996800, &f);

        FUZZ_CHECK(v == VERDICT_ERROR || v == VERDICT_PASS || v == VERDICT_FAIL);
    }
    fuzz_check_finding(rc, &e, &f);
    finding_release(&f);
    evidence_release(&ev);
    gh_store_release(&s);
    json_decref(rule);
    json_decref(roles);
}

static void
run_actor(int in_actions, struct replies *rp)
{
    static struct gh *gh;
    struct gh_config cfg = {"http://127.0.0.1:9", OWNER "/" NAME, 1000, 0, NULL, NULL};
    struct actor_env env = {in_actions, "7001", "dave"};
    struct gh_store s = GH_STORE_INIT;
    struct err e = ERR_INIT;
    char login[64];
    int rc;

    if (!gh && gh_new(&gh, &cfg, &e) < 0) /* no request is sent */
        fuzz_fail(e.msg);
    rc = actor_want(&s, gh, &env, &e);
    FUZZ_CHECK(rc == 0);
    answer(&s, rp);
    rc = actor_resolve(login, sizeof(login), &s, gh, &env, &e);
    fuzz_check_err(rc, &e);
    if (rc == 0)
        FUZZ_CHECK(login[0] && strlen(login) < sizeof(login));
    gh_store_release(&s);
}

static void
run_deploy(struct replies *rp)
{
    enum deploy_outcome o;
    char state[32];
    struct err e = ERR_INIT;
    json_t *j;
    int rc;

    (void)next_reply(rp, &j);
    rc = deploy_outcome_statuses(&o, state, j, "GET /statuses", &e);
    fuzz_check_err(rc, &e);
    if (rc == 0)
        FUZZ_CHECK(memchr(state, '\0', sizeof(state)) != NULL);
    rc = deploy_outcome_run(&o, state, j, "GET /runs/1", &e);
    fuzz_check_err(rc, &e);
    if (rc == 0)
        FUZZ_CHECK(memchr(state, '\0', sizeof(state)) != NULL);
    FUZZ_CHECK(deploy_find_run(j, "prod-2026.11.20.1", SHA) >= 0);
    json_decref(j);
}

/* The rules GitHub applies to the audit log's branch (core/ledger/loghome.c), then said as
 * 'promote --json' and the text output say it. */
static void
run_rules(const json_t *rules)
{
    struct loghome h;
    struct err e = ERR_INIT;
    char line[1024];
    json_t *j;
    int rc;

    memset(&h, 0, sizeof(h));
    h.checked = 1;
    snprintf(h.ref, sizeof(h.ref), "refs/heads/promote/audit");
    snprintf(h.remote, sizeof(h.remote), "origin");
    rc = loghome_rules(&h, rules, "GET /repos/bbws/order-lambda/rules/branches/promote%2Faudit",
                       &e);
    fuzz_check_err(rc, &e);
    if (rc < 0)
        return;
    FUZZ_CHECK(h.protected_ == (h.nff && h.deletion));
    j = loghome_json(&h);
    FUZZ_CHECK(j != NULL);
    json_decref(j);
    loghome_line(line, sizeof(line), &h);
}

static void
run_pull(struct replies *rp)
{
    json_t *pr, *reviews, *rules, *out = NULL;
    struct err e = ERR_INIT;
    int rc;

    (void)next_reply(rp, &pr);
    (void)next_reply(rp, &reviews);
    (void)next_reply(rp, &rules);
    run_rules(rules);
    json_decref(rules);
    rc = roles_pull(&out, pr, "GET /pulls/5", &e);
    fuzz_check_err(rc, &e);
    json_decref(out);
    out = NULL;
    rc = roles_reviews(&out, reviews, 1, "GET /pulls/5/reviews", &e);
    fuzz_check_err(rc, &e);
    json_decref(out);
    json_decref(pr);
    json_decref(reviews);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct replies rp;
    size_t which;

    fuzz_input(data, size);
    if (size == 0)
        return 0;
    which = data[0] % N_SCENARIOS;
    rp.data = data + 1;
    rp.size = size - 1;
    if (scenarios[which].gate)
        run_gate(&scenarios[which], &rp);
    else if (which == N_SCENARIOS - 4 || which == N_SCENARIOS - 3)
        run_actor(which == N_SCENARIOS - 3, &rp);
    else if (which == N_SCENARIOS - 2)
        run_deploy(&rp);
    else
        run_pull(&rp);
    return 0;
}
