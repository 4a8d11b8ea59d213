/* promote audit log|show|verify|export|push|migrate: query, verify and move the audit log. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/github/actor.h"
#include "core/ledger/audit.h"
#include "core/github/gh.h"
#include "core/ledger/index.h"
#include "core/ledger/keys.h"
#include "core/ledger/ledger.h"
#include "core/out/out.h"
#include "core/engine/policy.h"
#include "core/ledger/record.h"
#include "core/git/repo.h"

#define MAX_PUBKEYS 16

enum { S_LOG = 1 << 0, S_SHOW = 1 << 1, S_VERIFY = 1 << 2, S_EXPORT = 1 << 3, S_PUSH = 1 << 4 };

struct audit_opts {
    struct cmd_common c;
    const char *env, *commit, *kind, *verdict, *actor, *since, *until;
    double limit;
    int reverse; /* log: oldest first; export: newest first */
    int full;    /* verify: every entry again */
    struct opt_list pubkeys;
    const char *expect;
    const char *arg; /* show: SEQ or id */
};

#define AO(f) offsetof(struct audit_opts, f)

static const struct opt audit_own[] = {
    {.name = "env", .arg = "<env>", .type = OPT_STRING, .off = AO(env), .subs = S_LOG,
     .help = "log: the entries about <env>"},
    {.name = "commit", .arg = "<rev>", .type = OPT_STRING, .off = AO(commit), .subs = S_LOG,
     .help = "log: the entries about this commit"},
    {.name = "kind", .arg = "<kind>", .type = OPT_STRING, .off = AO(kind), .subs = S_LOG,
     .help = "log: the entries of this kind (decision, deployment, dr_test, hold,\n"
             "unhold, rollback, superseded)"},
    {.name = "verdict", .arg = "<v>", .type = OPT_STRING, .off = AO(verdict), .subs = S_LOG,
     .help = "log: the decisions with this verdict (approved, rejected, error)"},
    {.name = "actor", .arg = "<login>", .type = OPT_STRING, .off = AO(actor), .subs = S_LOG,
     .help = "log: the entries of this actor"},
    {.name = "since", .arg = "<time>", .type = OPT_STRING, .off = AO(since),
     .subs = S_LOG | S_EXPORT,
     .help = "log, export: the entries at or after <time> (RFC 3339 UTC)"},
    {.name = "until", .arg = "<time>", .type = OPT_STRING, .off = AO(until),
     .subs = S_LOG | S_EXPORT, .help = "log, export: the entries up to <time> (RFC 3339 UTC)"},
    {.name = "limit", .arg = "<n>", .type = OPT_NUMBER, .off = AO(limit), .min = 1, .max = 1e9,
     .flags = OPT_WHOLE, .subs = S_LOG | S_EXPORT, .bad = "--limit wants a positive number",
     .help = "log, export: at most <n> entries"},
    {.name = "reverse", .type = OPT_FLAG, .off = AO(reverse), .subs = S_LOG | S_EXPORT,
     .help = "log: oldest first; export: newest first"},
    {.name = "full", .type = OPT_FLAG, .off = AO(full), .subs = S_VERIFY,
     .help = "verify: every entry again, not only those new since this clone's\n"
             "last verification"},
    {.name = "pubkey", .arg = "<file>", .type = OPT_LIST, .off = AO(pubkeys), .max = MAX_PUBKEYS,
     .subs = S_LOG | S_SHOW | S_VERIFY | S_EXPORT, .flags = OPT_NONEMPTY,
     .help = "verify the log with this public key (repeatable) instead of the\n"
             "trusted keys of the policy"},
    {.name = "expect", .arg = "<size>:<roothex>", .type = OPT_STRING, .off = AO(expect),
     .subs = S_VERIFY,
     .help = "verify: the log must hold this checkpoint (its size and Merkle root)"},
    {.name = NULL},
};

static const struct opt_text audit_texts[] = {
    {"json", "log: JSON Lines of the statements; show: one JSON document", 0, S_LOG | S_SHOW},
    {"key", "push: the signing key that signs again the entries re-chained after\n"
            "the remote's", 0, S_PUSH},
    {"policy", "the policy whose trusted keys verify the log when the policy ref holds\n"
               "none (a local file); push and migrate refuse it", 0, 0},
    {"remote", "fetch the log from this remote first (default: origin, if any)", 0, 0},
    {"no-remote", "read and write this clone's log only", 0, 0},
    {NULL, NULL, 0, 0},
};

static const struct opt *const audit_tables[] = {
    audit_own, opt_json, opt_repo_policy, opt_remote, opt_key, NULL,
};

static const struct opt_sub audit_subs[] = {
    {"log", "promote audit log [--env <env>] [--commit <rev>] [--kind <kind>] [--verdict <v>]\n"
            "                         [--actor <login>] [--since <time>] [--until <time>]\n"
            "                         [--limit <n>] [--reverse] [--json] [<common options>]"},
    {"show", "promote audit show <seq>|<decision-id> [--json] [<common options>]"},
    {"verify", "promote audit verify [--full] [--pubkey <file>]... [--expect <size>:<roothex>]\n"
               "                            [<common options>]"},
    {"export", "promote audit export [--since <time>] [--until <time>] [--limit <n>] [--reverse]\n"
               "                            [<common options>]"},
    {"push", "promote audit push [--key <file>] [<common options>]"},
    {"migrate", "promote audit migrate [<common options>]"},
    {NULL, NULL},
};

const struct opt_verb audit_optv = {
    audit_tables, audit_texts, audit_subs,
    "  common: [--repo <dir>] [--policy <file> | --policy-ref <ref>] [--remote <name> |\n"
    "          --no-remote]: the log is fetched from the remote (origin) first when it exists\n"
    "\n"
    "  Every command verifies the log (with the trusted keys of the policy on the policy\n"
    "  ref; of a --policy file only when there is none) before reading an entry: exit 4 when\n"
    "  it does not. Entries this clone holds and the remote lacks (--no-remote, a failed\n"
    "  push) stop them with exit 3 until 'audit push' pushes them, re-signed with the key\n"
    "  after the remote's entries when it moved meanwhile.\n"
    "\n"
    "  migrate moves the log from refs/promote/audit to the ref the policy names\n"
    "  (audit_log.ref, e.g. a branch a ruleset protects), here and on the remote, keeping\n"
    "  every entry and checkpoint.\n"};

static const char *
nz(const char *s)
{
    return s ? s : "-";
}

/* What a listed row needs beside the index: the repository its entries are read from. */
struct listing {
    struct repo *repo;
    int json;
};

static int
print_row(const struct index_row *r, void *ctx, struct err *e)
{
    const struct listing *ls = ctx;
    struct audit_item it;
    char clean[256], ft[80], id[65];
    json_t *st, *line;
    int rc;

    if (!ls->json) {
        snprintf(ft, sizeof(ft), "%s->%s", nz(r->from), nz(r->to));
        out_sanitize(clean, sizeof(clean), nz(r->actor));
        printf("%5llu  %-20s  %-10s  %-12s  %.12s  %-14s  %s\n", (unsigned long long)r->seq,
               nz(r->time), nz(r->kind), r->from ? ft : nz(r->to), nz(r->commit),
               nz(r->verdict), clean);
        return 0;
    }
    if (audit_read_entry(&it, ls->repo, r->log_commit, r->seq, e) < 0)
        return -1;
    st = audit_payload(&it, id);
    audit_item_release(&it);
    if (!st)
        return err_set(e, EXIT_TAMPER, "seq %llu: unreadable entry (run 'promote audit verify')",
                       (unsigned long long)r->seq);
    line = json_pack("{s:I, s:s, s:o}", "seq", (json_int_t)r->seq, "id", id, "statement", st);
    rc = line ? cmd_print_json_line(line) : -1;
    json_decref(line);
    return rc < 0 ? err_set(e, EXIT_EVAL, "cannot write the entry") : 0;
}

/* audit log: from the index, which holds the verified log (newest first). */
static int
audit_log_cmd(struct index *ix, struct repo *repo, const struct audit_opts *o, struct err *e)
{
    struct index_filter f;
    struct listing ls = {repo, o->c.json};
    char commit[41] = "";

    if (o->commit && repo_resolve_commit(repo, o->commit, commit, e) < 0)
        return -1;
    memset(&f, 0, sizeof(f));
    f.env = o->env;
    f.kind = o->kind;
    f.verdict = o->verdict;
    f.actor = o->actor;
    f.commit = commit[0] ? commit : NULL;
    f.since = o->since;
    f.until = o->until;
    f.limit = (long)o->limit;
    f.oldest_first = o->reverse;
    return index_list(ix, &f, print_row, &ls, e);
}

static int
write_entry(const struct index_row *r, void *ctx, struct err *e)
{
    const struct audit_log *log = ctx;

    if (r->seq <= log->base || r->seq > audit_size(log))
        return err_set(e, EXIT_EVAL, "seq %llu of the audit log was not read",
                       (unsigned long long)r->seq);
    fwrite(log->items[r->seq - log->base - 1].bytes, 1, log->items[r->seq - log->base - 1].len,
           stdout);
    return 0;
}

/* audit export: the entries' bytes, oldest first (the order a Merkle tree is built in). */
static int
audit_export_cmd(const struct audit_log *log, struct index *ix, const struct audit_opts *o,
                 struct err *e)
{
    struct index_filter f;

    memset(&f, 0, sizeof(f));
    f.since = o->since;
    f.until = o->until;
    f.limit = (long)o->limit;
    f.oldest_first = !o->reverse;
    return index_list(ix, &f, write_entry, (void *)log, e);
}

static int
audit_show_cmd(struct index *ix, struct repo *repo, const struct audit_opts *o,
               const struct ledger_keys *keys, struct err *e)
{
    struct audit_item it;
    char id[65], log_commit[41], clean[512];
    uint64_t seq;
    json_t *st = NULL, *doc;
    const json_t *pred, *ext, *gates;
    size_t g;
    int rc = -1;

    if (!o->arg)
        return err_set(e, EXIT_USAGE, "audit show wants a seq or a decision id");
    if (index_find(&seq, log_commit, ix, o->arg, e) < 0)
        return -1;
    if (!seq)
        return err_set(e, EXIT_REJECTED, "no audit entry '%s'", o->arg);
    if (audit_read_entry(&it, repo, log_commit, seq, e) < 0)
        return -1;
    st = audit_payload(&it, id);
    audit_item_release(&it);
    if (!st)
        return err_set(e, EXIT_TAMPER, "seq %llu: unreadable entry (run 'promote audit verify')",
                       (unsigned long long)seq);
    if (o->c.json) {
        doc = json_pack("{s:I, s:s, s:s, s:O, s:{s:s, s:b}}", "seq", (json_int_t)seq, "id", id,
                        "log_commit", log_commit, "statement", st, "audit_log", "keys_from",
                        keys->source, "keys_local", keys->local);
        if (!doc || cmd_print_json(doc) < 0) {
            json_decref(doc);
            err_set(e, EXIT_EVAL, "cannot write the entry");
            goto done;
        }
        json_decref(doc);
    } else {
        const char *time_s, *kind, *to, *verdict;

        pred = json_object_get(st, "predicate");
        ext = json_object_get(pred, AUDIT_EXTENSION);
        if (!ext)
            ext = pred;
        time_s = json_string_value(json_object_get(pred, "timeVerified"));
        if (!time_s)
            time_s = json_string_value(json_object_get(pred, "time"));
        kind = json_string_value(json_object_get(ext, "kind"));
        to = json_string_value(json_object_get(ext, "to"));
        if (!to)
            to = json_string_value(json_object_get(ext, "env"));
        verdict = json_string_value(json_object_get(ext, "verdict"));
        if (!verdict) /* events: their result (success, triggered, pass, ...) */
            verdict = json_string_value(json_object_get(ext, "result"));
        out_sanitize(clean, sizeof(clean), nz(json_string_value(json_object_get(ext, "actor"))));
        printf("seq %llu  id %s\n%s  %s  %s -> %s  commit %s\nverdict %s  actor %s\n",
               (unsigned long long)seq, id, nz(time_s), nz(kind),
               nz(json_string_value(json_object_get(ext, "from"))), nz(to),
               nz(json_string_value(json_object_get(
                   json_object_get(json_array_get(json_object_get(st, "subject"), 0), "digest"),
                   "gitCommit"))),
               nz(verdict), clean);
        gates = json_object_get(ext, "gates");
        for (g = 0; g < json_array_size(gates); g++) {
            const json_t *x = json_array_get(gates, g);

            out_sanitize(clean, sizeof(clean), json_string_value(json_object_get(x, "summary")));
            printf("  %-5s  %s  %s\n", nz(json_string_value(json_object_get(x, "status"))),
                   nz(json_string_value(json_object_get(x, "name"))), clean);
        }
    }
    rc = 0;
done:
    json_decref(st);
    return rc;
}

/* The keys the log is verified with: --pubkey's, else the protected policy's (or, with
 * --policy FILE and no protected policy, the file's). */
static int
load_keys(struct ledger_keys *k, struct repo *repo, const struct audit_opts *o, struct err *e)
{
    struct policy *p = NULL;
    struct err pe = ERR_INIT;
    size_t i;
    int rc;

    memset(k, 0, sizeof(*k));
    if (o->pubkeys.n) {
        for (i = 0; i < o->pubkeys.n; i++) {
            struct audit_key *ak = &k->trust.keys[k->trust.n];

            if (keys_load_public(ak->pk, ak->id, o->pubkeys.v[i], e) < 0)
                return -1;
            snprintf(ak->name, sizeof(ak->name), "%s", o->pubkeys.v[i]);
            k->trust.n++;
        }
        snprintf(k->source, sizeof(k->source), "--pubkey");
        k->local = 1;
        /* where the log lives is still the protected policy's word, when there is one */
        snprintf(k->ref, sizeof(k->ref), "%s", AUDIT_REF);
        if (cmd_load_policy(&p, repo, NULL, o->c.policy_ref, &pe) == 0)
            snprintf(k->ref, sizeof(k->ref), "%s", p->audit_ref);
        policy_free(p);
        return 0;
    }
    if (cmd_load_policy(&p, repo, o->c.policy, o->c.policy_ref, e) < 0)
        return -1;
    rc = ledger_keys_for(k, repo, p, o->c.policy_ref, e);
    policy_free(p);
    return rc;
}

/* With --policy FILE: which keys verified the log, said once. */
static void
say_keys(FILE *f, const struct audit_opts *o, const struct ledger_keys *k)
{
    char src[512];

    if (!o->c.policy)
        return;
    out_sanitize(src, sizeof(src), k->source);
    fprintf(f, "%s--policy '%s' is a local file: the audit log was verified with the trusted keys "
               "of %s%s\n",
            f == stderr ? "promote: note: " : "", o->c.policy, src,
            k->local ? " (there is no protected policy on the policy ref)"
                     : " (the protected policy)");
}

/* audit push: this clone's entries the remote lacks go to it (core/record). */
static int
audit_push_cmd(struct repo *repo, const struct audit_opts *o, struct err *e)
{
    struct policy *p = NULL;
    struct key *key = NULL;
    struct record_req rq;
    char repo_uri[1100], remote[64];
    size_t pushed = 0, size = 0;
    int rc = -1;
    struct cmd_github_bufs gb;
    struct gh_config ghc;
    struct actor_env aenv;

    memset(&rq, 0, sizeof(rq));
    if (o->c.no_remote)
        return err_set(e, EXIT_USAGE, "audit push goes to a remote: not with --no-remote");
    if (cmd_load_policy(&p, repo, NULL, o->c.policy_ref, e) < 0)
        goto done;
    if (keys_load(&key, o->c.key, e) < 0) {
        err_prefix(e, "no usable signing key (re-chained entries are signed again)");
        goto done;
    }
    cmd_github_config(&ghc, &aenv, &gb, repo, &o->c);
    record_repo_uri(repo_uri, sizeof(repo_uri), repo, ghc.repo, getenv("GITHUB_SERVER_URL"));
    rq.repo = repo;
    rq.policy = p;
    rq.key = key;
    rq.remote = o->c.remote;
    rq.repo_uri = repo_uri;
    rq.gh = &ghc;
    if (record_push_pending(&rq, &pushed, &size, remote, e) < 0)
        goto done;
    if (!remote[0])
        printf("no remote: nothing to push (the log has %zu entries)\n", size);
    else if (pushed)
        printf("pushed %zu %s to '%s'; the log has %zu entries\n", pushed,
               pushed == 1 ? "entry" : "entries", remote, size);
    else
        printf("nothing to push: '%s' has every entry of this clone (%zu)\n", remote, size);
    rc = 0;
done:
    keys_free(key);
    policy_free(p);
    return rc;
}

/* audit migrate: the log moves to the policy's audit_log.ref (core/ledger). */
static int
audit_migrate_cmd(struct repo *repo, const struct audit_opts *o, struct err *e)
{
    struct ledger_keys keys;
    struct ledger_req lr;
    char remote[64];
    size_t moved = 0;

    memset(&lr, 0, sizeof(lr));
    lr.repo = repo;
    lr.keys = &keys;
    lr.remote = o->c.remote;
    lr.no_remote = o->c.no_remote;
    if (load_keys(&keys, repo, o, e) < 0 || ledger_migrate(&moved, remote, &lr, e) < 0)
        return -1;
    printf("moved %zu %s from %s to %s%s%s%s: every entry and checkpoint kept (the same "
           "commits); %s is left as it was and is no longer read or written\n",
           moved, moved == 1 ? "entry" : "entries", AUDIT_REF, keys.ref,
           remote[0] ? " (pushed to '" : " (this clone only", remote, remote[0] ? "')" : ")",
           AUDIT_REF);
    return 0;
}

int
cmd_audit(int argc, char **argv)
{
    struct audit_opts o;
    struct ledger_keys keys;
    struct ledger_req lr;
    struct ledger led;
    struct repo *repo = NULL;
    struct err e = ERR_INIT;
    const struct cmd *c = cmd_find("audit");
    const char *sub;
    char **pos;
    int rc, k, npos, code = EXIT_OK;
    char root[65], verb[32];

    memset(&o, 0, sizeof(o));
    memset(&led, 0, sizeof(led));
    rc = opt_parse_sub(&o, &k, &pos, &npos, argc, argv, c);
    if (rc != 0)
        return opt_exit(rc);
    sub = argv[1];
    if (npos > 1)
        return opt_usage_error(c, k, "too many arguments"), EXIT_USAGE;
    o.arg = npos ? pos[0] : NULL;
    if (o.arg && strcmp(sub, "show") != 0)
        return opt_usage_error(c, k, "unexpected argument '%s'", o.arg), EXIT_USAGE;
    if (strcmp(sub, "push") == 0 || strcmp(sub, "migrate") == 0) {
        /* they write the log: under the protected policy only */
        snprintf(verb, sizeof(verb), "audit %s", sub);
        if (o.c.policy)
            return cmd_refuse_local_policy(o.c.policy, verb);
        if (cmd_repo_open(&repo, o.c.repo, NULL, &e) < 0 ||
            (strcmp(sub, "push") == 0 ? audit_push_cmd : audit_migrate_cmd)(repo, &o, &e) < 0)
            goto fail;
        repo_free(repo);
        return cmd_finish(code);
    }
    /* nothing is read from the log before it verifies */
    memset(&lr, 0, sizeof(lr));
    lr.keys = &keys;
    lr.remote = o.c.remote;
    lr.no_remote = o.c.no_remote;
    lr.expect = o.expect;
    lr.full = o.full;
    lr.whole = strcmp(sub, "export") == 0; /* every entry's bytes */
    if (cmd_repo_open(&repo, o.c.repo, NULL, &e) < 0 || load_keys(&keys, repo, &o, &e) < 0)
        goto fail;
    lr.repo = repo;
    if (ledger_open(&led, &lr, &e) < 0)
        goto fail;
    if (strcmp(sub, "verify") == 0) {
        out_hex(root, led.v.root, 32);
        printf("audit log intact: %llu entries, root %s", (unsigned long long)led.v.size, root);
        if (led.v.had_remembered)
            printf(", consistent with the %llu entries this clone saw before\n",
                   (unsigned long long)led.v.remembered_size);
        else if (o.expect)
            printf(", consistent with --expect\n");
        else if (!led.floor_source[0])
            printf(" (first verification on this clone: trusted on first use; pin it with "
                   "--expect %llu:%s)\n",
                   (unsigned long long)led.v.size, root);
        else
            printf("\n");
        if (led.v.verified_from)
            printf("verified: %llu new %s after the %llu this clone verified before (--full "
                   "verifies all)\n",
                   (unsigned long long)(led.v.size - led.v.verified_from),
                   led.v.size - led.v.verified_from == 1 ? "entry" : "entries",
                   (unsigned long long)led.v.verified_from);
        if (led.floor_source[0]) {
            char clean[400];

            out_sanitize(clean, sizeof(clean), led.floor_source);
            printf("floor: %llu entries, from %s\n", (unsigned long long)led.floor_size, clean);
        }
        say_keys(stdout, &o, &keys);
    } else {
        say_keys(stderr, &o, &keys);
        if (strcmp(sub, "show") == 0   ? audit_show_cmd(led.ix, repo, &o, &keys, &e) < 0
            : strcmp(sub, "export") == 0 ? audit_export_cmd(&led.log, led.ix, &o, &e) < 0
                                         : audit_log_cmd(led.ix, repo, &o, &e) < 0)
            goto fail;
    }
    ledger_release(&led);
    repo_free(repo);
    return cmd_finish(code);
fail:
    ledger_release(&led);
    repo_free(repo);
    return cmd_fail(e.code ? e.code : EXIT_EVAL, e.msg);
}
