/* promote audit log|show|verify|export|push|migrate: query, verify and move the audit log. */
#include <getopt.h>
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

enum {
    A_ENV = 1,
    A_COMMIT,
    A_KIND,
    A_VERDICT,
    A_ACTOR,
    A_SINCE,
    A_UNTIL,
    A_LIMIT,
    A_JSON,
    A_PUBKEY,
    A_EXPECT,
    A_REPO,
    A_POLICY,
    A_POLICY_REF,
    A_REMOTE,
    A_NO_REMOTE,
    A_KEY,
    A_REVERSE,
    A_FULL,
    A_HELP
};

struct audit_opts {
    const char *env, *commit, *kind, *verdict, *actor, *since, *until;
    long limit;
    int json;
    int reverse; /* log: oldest first; export: newest first */
    int full;    /* verify: every entry again */
    const char *pubkeys[MAX_PUBKEYS];
    size_t n_pubkeys;
    const char *expect;
    const char *repo, *policy, *policy_ref, *remote, *key;
    int no_remote;
    const char *arg; /* show: SEQ or id */
};

static const char *const audit_usage =
    "usage: promote audit log [--env <env>] [--commit <rev>] [--kind <kind>] [--verdict <v>]\n"
    "                         [--actor <login>] [--since <time>] [--until <time>] [--limit <n>]\n"
    "                         [--reverse] [--json]\n"
    "       promote audit show <seq>|<decision-id> [--json]\n"
    "       promote audit verify [--full] [--pubkey <file>]... [--expect <size>:<roothex>]\n"
    "       promote audit export [--since <time>] [--until <time>] [--reverse]\n"
    "       promote audit push [--key <file>]\n"
    "       promote audit migrate\n"
    "\n"
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
    "  every entry and checkpoint.\n";

static int
usage_err(const char *msg)
{
    if (msg)
        cmd_fail(EXIT_USAGE, msg);
    fputs(audit_usage, stderr);
    return EXIT_USAGE;
}

static int
parse(struct audit_opts *o, int argc, char **argv)
{
    static const struct option lo[] = {
        {"env", required_argument, NULL, A_ENV},         {"commit", required_argument, NULL, A_COMMIT},
        {"kind", required_argument, NULL, A_KIND},       {"verdict", required_argument, NULL, A_VERDICT},
        {"actor", required_argument, NULL, A_ACTOR},     {"since", required_argument, NULL, A_SINCE},
        {"until", required_argument, NULL, A_UNTIL},     {"limit", required_argument, NULL, A_LIMIT},
        {"json", no_argument, NULL, A_JSON},             {"pubkey", required_argument, NULL, A_PUBKEY},
        {"expect", required_argument, NULL, A_EXPECT},   {"repo", required_argument, NULL, A_REPO},
        {"policy", required_argument, NULL, A_POLICY},   {"policy-ref", required_argument, NULL, A_POLICY_REF},
        {"remote", required_argument, NULL, A_REMOTE},   {"no-remote", no_argument, NULL, A_NO_REMOTE},
        {"key", required_argument, NULL, A_KEY},         {"help", no_argument, NULL, A_HELP},
        {"reverse", no_argument, NULL, A_REVERSE},      {"full", no_argument, NULL, A_FULL},
        {NULL, 0, NULL, 0},
    };
    int seen[A_HELP + 1] = {0}, ch;
    char *end;

    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (ch == '?' || ch == ':')
            return usage_err("unknown option or missing value"), -1;
        if (ch == 'h' || ch == A_HELP) {
            fputs(audit_usage, stdout);
            return 1;
        }
        if (ch != A_PUBKEY && seen[ch]++)
            return usage_err("an option was given twice"), -1;
        switch (ch) {
        case A_ENV: o->env = optarg; break;
        case A_COMMIT: o->commit = optarg; break;
        case A_KIND: o->kind = optarg; break;
        case A_VERDICT: o->verdict = optarg; break;
        case A_ACTOR: o->actor = optarg; break;
        case A_SINCE: o->since = optarg; break;
        case A_UNTIL: o->until = optarg; break;
        case A_JSON: o->json = 1; break;
        case A_REVERSE: o->reverse = 1; break;
        case A_FULL: o->full = 1; break;
        case A_EXPECT: o->expect = optarg; break;
        case A_REPO: o->repo = optarg; break;
        case A_POLICY: o->policy = optarg; break;
        case A_POLICY_REF: o->policy_ref = optarg; break;
        case A_REMOTE: o->remote = optarg; break;
        case A_NO_REMOTE: o->no_remote = 1; break;
        case A_KEY: o->key = optarg; break;
        case A_LIMIT:
            o->limit = strtol(optarg, &end, 10);
            if (*end || o->limit < 1)
                return usage_err("--limit wants a positive number"), -1;
            break;
        case A_PUBKEY:
            if (o->n_pubkeys == MAX_PUBKEYS)
                return usage_err("too many --pubkey options"), -1;
            o->pubkeys[o->n_pubkeys++] = optarg;
            break;
        }
    }
    if (o->remote && o->no_remote)
        return usage_err("--remote and --no-remote cannot be used together"), -1;
    if (argc - optind > 1)
        return usage_err("too many arguments"), -1;
    o->arg = optind < argc ? argv[optind] : NULL;
    return 0;
}

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
    struct listing ls = {repo, o->json};
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
    f.limit = o->limit;
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
    f.limit = o->limit;
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
    if (o->json) {
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
    if (o->n_pubkeys) {
        for (i = 0; i < o->n_pubkeys; i++) {
            struct audit_key *ak = &k->trust.keys[k->trust.n];

            if (keys_load_public(ak->pk, ak->id, o->pubkeys[i], e) < 0)
                return -1;
            snprintf(ak->name, sizeof(ak->name), "%s", o->pubkeys[i]);
            k->trust.n++;
        }
        snprintf(k->source, sizeof(k->source), "--pubkey");
        k->local = 1;
        /* where the log lives is still the protected policy's word, when there is one */
        snprintf(k->ref, sizeof(k->ref), "%s", AUDIT_REF);
        if (cmd_load_policy(&p, repo, NULL, o->policy_ref, &pe) == 0)
            snprintf(k->ref, sizeof(k->ref), "%s", p->audit_ref);
        policy_free(p);
        return 0;
    }
    if (cmd_load_policy(&p, repo, o->policy, o->policy_ref, e) < 0)
        return -1;
    rc = ledger_keys_for(k, repo, p, o->policy_ref, e);
    policy_free(p);
    return rc;
}

/* With --policy FILE: which keys verified the log, said once. */
static void
say_keys(FILE *f, const struct audit_opts *o, const struct ledger_keys *k)
{
    char src[512];

    if (!o->policy)
        return;
    out_sanitize(src, sizeof(src), k->source);
    fprintf(f, "%s--policy '%s' is a local file: the audit log was verified with the trusted keys "
               "of %s%s\n",
            f == stderr ? "promote: note: " : "", o->policy, src,
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
    char repo_uri[1100], remote[64], gh_repo[256], url[1024];
    const char *ghr;
    size_t pushed = 0, size = 0;
    int rc = -1;
    struct cmd_github_opts go = {NULL, NULL, 0, -1, 0};
    struct cmd_github_bufs gb;
    struct gh_config ghc;
    struct actor_env aenv;

    memset(&rq, 0, sizeof(rq));
    if (o->no_remote)
        return err_set(e, EXIT_USAGE, "audit push goes to a remote: not with --no-remote");
    if (cmd_load_policy(&p, repo, NULL, o->policy_ref, e) < 0)
        goto done;
    if (keys_load(&key, o->key, e) < 0) {
        err_prefix(e, "no usable signing key (re-chained entries are signed again)");
        goto done;
    }
    ghr = getenv("GITHUB_REPOSITORY");
    if ((!ghr || !*ghr) && repo_remote_url(repo, "origin", url, sizeof(url)) == 0 &&
        gh_repo_from_url(gh_repo, sizeof(gh_repo), url) == 0)
        ghr = gh_repo;
    record_repo_uri(repo_uri, sizeof(repo_uri), repo, ghr, getenv("GITHUB_SERVER_URL"));
    rq.repo = repo;
    rq.policy = p;
    rq.key = key;
    rq.remote = o->remote;
    rq.repo_uri = repo_uri;
    cmd_github_config(&ghc, &aenv, &gb, repo, &go);
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
    lr.remote = o->remote;
    lr.no_remote = o->no_remote;
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
    const char *sub;
    int rc, code = EXIT_OK;
    char root[65];

    memset(&o, 0, sizeof(o));
    memset(&led, 0, sizeof(led));
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        if (argc < 2)
            return usage_err(NULL);
        fputs(audit_usage, stdout);
        return cmd_finish(EXIT_OK);
    }
    sub = argv[1];
    if (strcmp(sub, "log") != 0 && strcmp(sub, "show") != 0 && strcmp(sub, "verify") != 0 &&
        strcmp(sub, "export") != 0 && strcmp(sub, "push") != 0 && strcmp(sub, "migrate") != 0)
        return usage_err("unknown audit command");
    rc = parse(&o, argc - 1, argv + 1);
    if (rc)
        return rc > 0 ? cmd_finish(EXIT_OK) : EXIT_USAGE;
    if (o.arg && strcmp(sub, "show") != 0)
        return usage_err("unexpected argument");
    if (o.key && strcmp(sub, "push") != 0)
        return usage_err("--key goes with audit push");
    if (o.expect && strcmp(sub, "verify") != 0)
        return usage_err("--expect goes with audit verify");
    if (o.full && strcmp(sub, "verify") != 0)
        return usage_err("--full goes with audit verify");
    if (o.json && strcmp(sub, "log") != 0 && strcmp(sub, "show") != 0)
        return usage_err("--json goes with audit log and audit show");
    if (strcmp(sub, "push") == 0) {
        if (o.policy)
            return cmd_refuse_local_policy(o.policy, "audit push");
        if (o.n_pubkeys)
            return usage_err("--pubkey goes with audit verify");
        if (cmd_repo_open(&repo, o.repo, NULL, &e) < 0 || audit_push_cmd(repo, &o, &e) < 0)
            goto fail;
        repo_free(repo);
        return cmd_finish(code);
    }
    if (strcmp(sub, "migrate") == 0) {
        if (o.policy)
            return cmd_refuse_local_policy(o.policy, "audit migrate");
        if (o.n_pubkeys)
            return usage_err("--pubkey goes with audit verify");
        if (cmd_repo_open(&repo, o.repo, NULL, &e) < 0 || audit_migrate_cmd(repo, &o, &e) < 0)
            goto fail;
        repo_free(repo);
        return cmd_finish(code);
    }
    /* nothing is read from the log before it verifies */
    memset(&lr, 0, sizeof(lr));
    lr.keys = &keys;
    lr.remote = o.remote;
    lr.no_remote = o.no_remote;
    lr.expect = o.expect;
    lr.full = o.full;
    lr.whole = strcmp(sub, "export") == 0; /* every entry's bytes */
    if (cmd_repo_open(&repo, o.repo, NULL, &e) < 0 || load_keys(&keys, repo, &o, &e) < 0)
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
