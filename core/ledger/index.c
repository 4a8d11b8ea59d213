#include "core/ledger/index.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ledger/history.h"
#include "core/ledger/sign.h"

#define INDEX_FORMAT "promote index 4"

struct index {
    sqlite3 *db;
    char path[1200];
};

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS entries ("
    " seq INTEGER PRIMARY KEY, log_commit TEXT NOT NULL, root BLOB NOT NULL,"
    " id TEXT NOT NULL, time TEXT, epoch INTEGER, kind TEXT, env TEXT, from_env TEXT,"
    " to_env TEXT, commit_id TEXT, verdict TEXT, result TEXT, actor TEXT, tag TEXT,"
    " load_test INTEGER NOT NULL DEFAULT 0, hist TEXT NOT NULL, gates TEXT);"
    "CREATE INDEX IF NOT EXISTS entries_env ON entries (env, kind, seq);"
    /* what an environment saw since a point (its latest successful deployment) */
    "CREATE INDEX IF NOT EXISTS entries_env_seq ON entries (env, seq);"
    "CREATE INDEX IF NOT EXISTS entries_commit ON entries (commit_id);"
    "CREATE INDEX IF NOT EXISTS entries_id ON entries (id);"
    "CREATE INDEX IF NOT EXISTS entries_baseline ON entries (env, seq) WHERE load_test = 1;"
    "CREATE INDEX IF NOT EXISTS entries_time ON entries (kind, epoch);"
    "CREATE INDEX IF NOT EXISTS entries_epoch ON entries (epoch);"
    /* what a report reads of a deployment before its window, without the row */
    "CREATE INDEX IF NOT EXISTS entries_report ON entries (env, kind, result, epoch, seq,"
    " commit_id);"
    /* the latest entry of each kind, verdict and result per environment, kept as rows are
     * added, so that the rules' queries do not scan the log */
    "CREATE TABLE IF NOT EXISTS latest (env TEXT NOT NULL, kind TEXT NOT NULL,"
    " verdict TEXT NOT NULL, result TEXT NOT NULL, seq INTEGER NOT NULL,"
    " PRIMARY KEY (env, kind, verdict, result)) WITHOUT ROWID;"
    /* the rows, counted as they come and go, whoever adds or removes them: the gap check
     * (index_tip) compares this with the last seq instead of counting 100 000 rows */
    "INSERT OR IGNORE INTO meta VALUES ('rows', 0);"
    "CREATE TRIGGER IF NOT EXISTS entries_added AFTER INSERT ON entries"
    " BEGIN UPDATE meta SET v = v + 1 WHERE k = 'rows'; END;"
    "CREATE TRIGGER IF NOT EXISTS entries_removed AFTER DELETE ON entries"
    " BEGIN UPDATE meta SET v = v - 1 WHERE k = 'rows'; END;";

/* No rows, and a count that says so whatever it said before */
static const char CLEAR[] =
    "DELETE FROM entries; DELETE FROM latest; UPDATE meta SET v = 0 WHERE k = 'rows';";

static const char LATEST_REBUILD[] =
    "DELETE FROM latest;"
    "INSERT INTO latest SELECT coalesce(env, ''), coalesce(kind, ''), coalesce(verdict, ''),"
    " coalesce(result, ''), max(seq) FROM entries GROUP BY 1, 2, 3, 4;";

static int
db_err(struct err *e, struct index *ix, const char *what)
{
    return err_set(e, EXIT_EVAL, "the audit log's index '%s': %s: %s", ix->path, what,
                   sqlite3_errmsg(ix->db));
}

void
index_free(struct index *ix)
{
    if (!ix)
        return;
    sqlite3_close(ix->db);
    free(ix);
}

/* Does the open database say it is an index of this format, with the triggers that count
 * its rows (without them the count drifts, and every run would find gaps)? */
static int
says_ours(struct index *ix)
{
    sqlite3_stmt *st = NULL;
    int ok;

    if (sqlite3_prepare_v2(ix->db,
                           "SELECT v, (SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                           "AND name IN ('entries_added', 'entries_removed')) FROM meta WHERE "
                           "k = 'format'",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    ok = sqlite3_step(st) == SQLITE_ROW &&
         strcmp((const char *)sqlite3_column_text(st, 0), INDEX_FORMAT) == 0 &&
         sqlite3_column_int(st, 1) == 2;
    sqlite3_finalize(st);
    return ok;
}

/* Is the open database an index of this format? A new file is made one. */
static int
is_ours(struct index *ix)
{
    if (says_ours(ix))
        return 1;
    return sqlite3_exec(ix->db, SCHEMA, NULL, NULL, NULL) == SQLITE_OK &&
           sqlite3_exec(ix->db,
                        "INSERT OR IGNORE INTO meta VALUES ('format', '" INDEX_FORMAT "')", NULL,
                        NULL, NULL) == SQLITE_OK &&
           says_ours(ix);
}

static int
open_db(struct index *ix)
{
    if (sqlite3_open_v2(ix->path, &ix->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK)
        return -1;
    sqlite3_busy_timeout(ix->db, 5000);
    sqlite3_exec(ix->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
    /* no mapping: a report over a long window reads most of the file, and every page of a
     * mapping it touched would stay in its resident set; read calls were as fast */
    sqlite3_exec(ix->db, "PRAGMA mmap_size = 0", NULL, NULL, NULL);
    return is_ours(ix) ? 0 : -1;
}

int
index_open(struct index **out, struct repo *r, struct err *e)
{
    struct index *ix = calloc(1, sizeof(*ix));
    char journal[1300];
    int n;

    *out = NULL;
    if (!ix)
        return err_set(e, EXIT_EVAL, "out of memory");
    n = snprintf(ix->path, sizeof(ix->path), "%spromote/%s", repo_commondir(r), INDEX_FILE);
    if (n < 0 || (size_t)n >= sizeof(ix->path)) {
        free(ix);
        return err_set(e, EXIT_EVAL, "the repository's path is too long");
    }
    if (open_db(ix) < 0) {
        /* not an index (any more): it is derived, so it is made again from the log */
        sqlite3_close(ix->db);
        ix->db = NULL;
        snprintf(journal, sizeof(journal), "%s-journal", ix->path);
        unlink(ix->path);
        unlink(journal);
        if (open_db(ix) < 0) {
            err_set(e, EXIT_EVAL, "cannot create the audit log's index '%s': %s", ix->path,
                    ix->db ? sqlite3_errmsg(ix->db) : "out of memory");
            index_free(ix);
            return -1;
        }
    }
    *out = ix;
    return 0;
}

static void
col_text(char *out, size_t outsz, sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);

    snprintf(out, outsz, "%s", t ? (const char *)t : "");
}

int
index_tip(struct audit_point *out, struct index *ix, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, step;

    memset(out, 0, sizeof(*out));
    if (sqlite3_prepare_v2(ix->db,
                           "SELECT seq, log_commit, root, (SELECT CAST(v AS INTEGER) FROM meta "
                           "WHERE k = 'rows') FROM entries ORDER BY seq DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(e, ix, "cannot read");
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        /* rows 1 .. seq, every one of them: else it is not an index of a log */
        if (sqlite3_column_int64(st, 0) != sqlite3_column_int64(st, 3) ||
            sqlite3_column_bytes(st, 2) != 32) {
            err_set(e, EXIT_EVAL, "the audit log's index '%s' has gaps", ix->path);
            goto done;
        }
        out->size = (uint64_t)sqlite3_column_int64(st, 0);
        col_text(out->tip, sizeof(out->tip), st, 1);
        memcpy(out->root, sqlite3_column_blob(st, 2), 32);
    } else if (step != SQLITE_DONE) {
        db_err(e, ix, "cannot read");
        goto done;
    }
    rc = 0;
done:
    sqlite3_finalize(st);
    return rc;
}

int
index_root_at(unsigned char root[32], void *ctx, uint64_t size, struct err *e)
{
    struct index *ix = ctx;
    sqlite3_stmt *st = NULL;
    int rc = -1;

    if (size == 0) {
        struct merkle_frontier f;

        sign_frontier_init(&f);
        sign_frontier_root(root, &f);
        return 0;
    }
    if (sqlite3_prepare_v2(ix->db, "SELECT root FROM entries WHERE seq = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return db_err(e, ix, "cannot read");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
    if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_bytes(st, 0) != 32) {
        err_set(e, EXIT_EVAL, "the audit log's index '%s' has no entry %llu", ix->path,
                (unsigned long long)size);
        goto done;
    }
    memcpy(root, sqlite3_column_blob(st, 0), 32);
    rc = 0;
done:
    sqlite3_finalize(st);
    return rc;
}

int
index_clear(struct index *ix, struct err *e)
{
    if (sqlite3_exec(ix->db, CLEAR, NULL, NULL, NULL) != SQLITE_OK)
        return db_err(e, ix, "cannot write");
    return 0;
}

static int commit_of_row(char out[41], struct index *ix, uint64_t seq, struct err *e);

int
index_has_point(struct index *ix, const struct audit_point *p, const char *what, struct err *e)
{
    unsigned char root[32];
    char commit[41];

    if (p->size == 0)
        return 0;
    if (index_root_at(root, ix, p->size, e) < 0 || commit_of_row(commit, ix, p->size, e) < 0)
        return -1;
    if (memcmp(root, p->root, 32) != 0)
        return err_set(e, EXIT_TAMPER,
                       "the first %llu entries no longer match %s (history was rewritten)",
                       (unsigned long long)p->size, what);
    if (p->tip[0] && strcmp(commit, p->tip) != 0)
        return err_set(e, EXIT_TAMPER,
                       "entry %llu is commit %.12s, not %.12s as %s had it (the log does not "
                       "descend from it: history was rewritten)",
                       (unsigned long long)p->size, commit, p->tip, what);
    return 0;
}

/* The log commit of row SEQ into OUT ("" when none). */
static int
commit_of_row(char out[41], struct index *ix, uint64_t seq, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int step;

    out[0] = '\0';
    if (sqlite3_prepare_v2(ix->db, "SELECT log_commit FROM entries WHERE seq = ?", -1, &st,
                           NULL) != SQLITE_OK)
        return db_err(e, ix, "cannot read");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        col_text(out, 41, st, 0);
    sqlite3_finalize(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return db_err(e, ix, "cannot read");
    return 0;
}

static void
bind_str(sqlite3_stmt *st, int col, const json_t *item, const char *key)
{
    const char *v = json_string_value(json_object_get(item, key));

    if (v)
        sqlite3_bind_text(st, col, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, col);
}

/* Did ITEM, a decision, record a load test with its figures? */
static int
has_load_test(const json_t *item)
{
    const json_t *gates = json_object_get(item, "gates");
    size_t i;

    for (i = 0; i < json_array_size(gates); i++) {
        const json_t *g = json_array_get(gates, i);

        if (history_is(g, "type", "load_test") && json_is_object(json_object_get(g, "data")))
            return 1;
    }
    return 0;
}

static int
add_row(sqlite3_stmt *ins, struct index *ix, const struct audit_item *it, uint64_t seq,
        const unsigned char root[32], struct err *e)
{
    json_t *st, *item = NULL, *gates = NULL;
    char *text = NULL, *gtext = NULL, id[65];
    int rc = -1;

    st = audit_payload(it, id);
    if (!st)
        return err_set(e, EXIT_TAMPER, "seq %llu: unreadable audit entry",
                       (unsigned long long)seq);
    if (history_item_of(&item, st, id, seq, e) < 0)
        goto done;
    /* a decision's gates as a report's change records show them */
    if (history_is(item, "kind", "decision") &&
        (!(gates = history_gates_recorded(st)) ||
         !(gtext = json_dumps(gates, JSON_COMPACT | JSON_PRESERVE_ORDER)))) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    text = json_dumps(item, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    sqlite3_reset(ins);
    sqlite3_clear_bindings(ins);
    sqlite3_bind_int64(ins, 1, (sqlite3_int64)seq);
    sqlite3_bind_text(ins, 2, it->commit, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(ins, 3, root, 32, SQLITE_TRANSIENT);
    bind_str(ins, 4, item, "id");
    bind_str(ins, 5, item, "time");
    sqlite3_bind_int64(ins, 6, (sqlite3_int64)json_integer_value(json_object_get(item, "epoch")));
    bind_str(ins, 7, item, "kind");
    bind_str(ins, 8, item, "env");
    bind_str(ins, 9, item, "from");
    bind_str(ins, 10, item, "to");
    bind_str(ins, 11, item, "commit");
    bind_str(ins, 12, item, "verdict");
    bind_str(ins, 13, item, "result");
    bind_str(ins, 14, item, "actor");
    bind_str(ins, 15, item, "tag");
    sqlite3_bind_int(ins, 16, history_is(item, "verdict", "approved") && has_load_test(item));
    sqlite3_bind_text(ins, 17, text, -1, SQLITE_TRANSIENT);
    if (gtext)
        sqlite3_bind_text(ins, 18, gtext, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(ins) != SQLITE_DONE) {
        db_err(e, ix, "cannot write");
        goto done;
    }
    rc = 0;
done:
    free(gtext);
    free(text);
    json_decref(gates);
    json_decref(item);
    json_decref(st);
    return rc;
}

int
index_sync(struct index *ix, const struct audit_log *log, struct err *e)
{
    struct audit_point tip;
    struct merkle_frontier f;
    sqlite3_stmt *del = NULL, *ins = NULL, *up = NULL;
    unsigned char leaf[32], root[32];
    char have[41];
    const char *want;
    size_t size = audit_size(log), k, i;
    int rc = -1, began = 0;

    if (index_tip(&tip, ix, e) < 0) {
        /* rows that cannot describe a log: made again */
        if (index_clear(ix, e) < 0)
            return -1;
        memset(&tip, 0, sizeof(tip));
    }
    /* the last entry the index and the log share: each commit names its parent, so the
     * rows before it are the log's too */
    k = tip.size < size ? (size_t)tip.size : size;
    for (;; k--) {
        if (k < log->base)
            return 1;
        want = audit_commit_at(log, k);
        if (k == tip.size)
            snprintf(have, sizeof(have), "%s", tip.tip);
        else if (commit_of_row(have, ix, k, e) < 0)
            return -1;
        if (k == 0 || (want && strcmp(want, have) == 0))
            break;
    }
    if (k == tip.size && k == size)
        return 0;
    if (sqlite3_exec(ix->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_err(e, ix, "cannot write");
    began = 1;
    if (sqlite3_prepare_v2(ix->db, "DELETE FROM entries WHERE seq > ?", -1, &del, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(ix->db,
                           "INSERT INTO entries (seq, log_commit, root, id, time, epoch, kind, "
                           "env, from_env, to_env, commit_id, verdict, result, actor, tag, "
                           "load_test, hist, gates) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                           "?, ?, ?, ?, ?, ?)",
                           -1, &ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(ix->db,
                           "INSERT INTO latest SELECT coalesce(env, ''), coalesce(kind, ''), "
                           "coalesce(verdict, ''), coalesce(result, ''), seq FROM entries "
                           "WHERE seq = ? ON CONFLICT DO UPDATE SET seq = excluded.seq",
                           -1, &up, NULL) != SQLITE_OK) {
        db_err(e, ix, "cannot write");
        goto done;
    }
    sqlite3_bind_int64(del, 1, (sqlite3_int64)k);
    if (sqlite3_step(del) != SQLITE_DONE ||
        (k < tip.size && sqlite3_exec(ix->db, LATEST_REBUILD, NULL, NULL, NULL) != SQLITE_OK)) {
        db_err(e, ix, "cannot write");
        goto done;
    }
    audit_frontier_at(&f, log, k);
    for (i = k; i < size; i++) {
        const struct audit_item *it = &log->items[i - log->base];

        sign_leaf_hash(leaf, (const unsigned char *)it->bytes, it->len);
        sign_frontier_add(&f, leaf);
        sign_frontier_root(root, &f);
        if (add_row(ins, ix, it, i + 1, root, e) < 0)
            goto done;
        sqlite3_reset(up);
        sqlite3_bind_int64(up, 1, (sqlite3_int64)(i + 1));
        if (sqlite3_step(up) != SQLITE_DONE) {
            db_err(e, ix, "cannot write");
            goto done;
        }
    }
    audit_crashpoint("index-before-commit");
    if (sqlite3_exec(ix->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        db_err(e, ix, "cannot write");
        goto done;
    }
    audit_crashpoint("index-after-commit");
    began = 0;
    rc = 0;
done:
    if (began)
        sqlite3_exec(ix->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_finalize(del);
    sqlite3_finalize(ins);
    sqlite3_finalize(up);
    return rc;
}

/* Run SQL with the text parameters ARGS (N of them). */
static int
exec_args(struct index *ix, const char *sql, const char *const *args, int n, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int i, step;

    if (sqlite3_prepare_v2(ix->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_err(e, ix, "cannot read");
    for (i = 0; i < n; i++)
        sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        return db_err(e, ix, "cannot read");
    return 0;
}

/* A report of environment ?1 over [?2, ?3): the first of its entries the window does not
 * reach (the metrics stop there, as they do over the whole log) ... */
#define REPORT_CUT                                                                           \
    "coalesce((SELECT min(seq) FROM entries INDEXED BY entries_epoch WHERE +env = ?1 AND "   \
    "epoch >= ?3), 9223372036854775807)"
/* ... and the last unhold before every entry of the window: no hold before it is in force
 * in the window (0: none). */
#define REPORT_UNHOLD                                                                        \
    "coalesce((SELECT max(seq) FROM entries WHERE env = ?1 AND kind = 'unhold' AND seq < "   \
    "(SELECT coalesce(min(seq), 9223372036854775807) FROM entries INDEXED BY entries_epoch " \
    "WHERE +env = ?1 AND epoch >= ?2)), 0)"

/* What a report reads of the entries pick_report does not pick, as the metrics read them
 * (kind, environment, commit, result, time), from an index, not the rows: the deployments
 * before the window, and the rollbacks and holds before REPORT_UNHOLD. */
static const char REPORT_LIGHT[] =
    "SELECT seq, epoch, commit_id, result, kind FROM entries INDEXED BY entries_report WHERE "
    "env = ?1 AND kind = 'deployment' AND result IN ('success', 'failure') AND epoch < ?2 AND "
    "seq < " REPORT_CUT " AND seq NOT IN (SELECT seq FROM pick) "
    "UNION ALL SELECT seq, epoch, commit_id, result, kind FROM entries INDEXED BY "
    "entries_report WHERE env = ?1 AND kind IN ('rollback', 'hold', 'unhold') AND seq < "
    REPORT_UNHOLD " ORDER BY 1";

/* The rows a report's FOCUS picks (core/ledger/history.h history_focus). */
static int
pick_report(struct index *ix, const struct history_focus *focus, struct err *e)
{
    static const char *const steps[] = {
        "CREATE TEMP TABLE IF NOT EXISTS pick (seq INTEGER PRIMARY KEY)",
        "DELETE FROM pick",
        /* the environment's rollbacks, holds and deployments from the window on, up to the
         * first of its entries the window does not reach (the metrics stop there, as they
         * do over the whole log), and that entry; what comes before is read apart, as the
         * metrics read it (REPORT_LIGHT): the deployments before the window, and the
         * rollbacks and holds before the last unhold that precedes every entry of the
         * window (no hold before it is in force in the window) */
        "INSERT OR IGNORE INTO pick SELECT seq FROM entries WHERE env = ?1 AND "
        "kind IN ('rollback', 'hold', 'unhold') AND seq >= " REPORT_UNHOLD " AND "
        "seq < " REPORT_CUT,
        "INSERT OR IGNORE INTO pick SELECT seq FROM entries INDEXED BY entries_report WHERE "
        "env = ?1 AND kind = 'deployment' AND result IN ('success', 'failure') AND "
        "epoch >= ?2 AND seq < " REPORT_CUT,
        /* the deployments of the commits deployed in the window (their tags) */
        "INSERT OR IGNORE INTO pick SELECT seq FROM entries WHERE env = ?1 AND "
        "kind = 'deployment' AND commit_id IN (SELECT commit_id FROM entries WHERE env = ?1 "
        "AND kind = 'deployment' AND epoch >= ?2 AND epoch < ?3)",
        "INSERT OR IGNORE INTO pick SELECT s FROM (SELECT min(seq) AS s FROM entries "
        "INDEXED BY entries_epoch WHERE +env = ?1 AND epoch >= ?3) WHERE s IS NOT NULL",
        /* the first entry the window does not reach (the holds stop there) */
        "INSERT OR IGNORE INTO pick SELECT s FROM (SELECT min(seq) AS s FROM entries "
        "INDEXED BY entries_epoch WHERE epoch >= ?3) WHERE s IS NOT NULL",
        /* the decisions of every promotion in the window, and the approvals into the
         * environment before for their commits */
        "INSERT OR IGNORE INTO pick SELECT seq FROM entries WHERE kind = 'decision' AND "
        "epoch >= ?2 AND epoch < ?3",
        "INSERT OR IGNORE INTO pick SELECT seq FROM entries WHERE +kind = 'decision' AND "
        "verdict = 'approved' AND commit_id IN (SELECT commit_id FROM entries WHERE "
        "kind = 'decision' AND epoch >= ?2 AND epoch < ?3)",
        /* the decisions the environment's deployments in the window rest on: the one each
         * names, and the approvals of its commit into the environment */
        "INSERT OR IGNORE INTO pick SELECT seq FROM entries WHERE +kind = 'decision' AND id IN "
        "(SELECT json_extract(hist, '$.decision') FROM entries WHERE env = ?1 AND "
        "kind = 'deployment' AND epoch >= ?2 AND epoch < ?3)",
        "INSERT OR IGNORE INTO pick SELECT seq FROM entries WHERE +kind = 'decision' AND "
        "+env = ?1 AND verdict = 'approved' AND commit_id IN (SELECT commit_id FROM entries "
        "WHERE env = ?1 AND kind = 'deployment' AND epoch >= ?2 AND epoch < ?3)",
    };
    char since[32], until[32];
    const char *args[3];
    size_t i;

    snprintf(since, sizeof(since), "%lld", focus->since);
    snprintf(until, sizeof(until), "%lld", focus->until);
    args[0] = focus->report_env;
    args[1] = since;
    args[2] = until;
    for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if (exec_args(ix, steps[i], args, i < 2 ? 0 : 3, e) < 0)
            return -1;
    return 0;
}

/* The rows FOCUS picks into the temporary table pick (core/ledger/history.h history_focus). */
static int
pick_rows(struct index *ix, const struct history_focus *focus, struct err *e)
{
    static const char *const steps[] = {
        "CREATE TEMP TABLE IF NOT EXISTS pick (seq INTEGER PRIMARY KEY)",
        "DELETE FROM pick",
        /* the latest of every kind, verdict and result in each environment */
        "INSERT OR IGNORE INTO pick SELECT seq FROM latest",
        /* everything in an environment since its latest successful deployment */
        "INSERT OR IGNORE INTO pick SELECT e.seq FROM "
        "(SELECT x.env, coalesce((SELECT d.seq FROM latest d WHERE d.env = x.env "
        "AND d.kind = 'deployment' AND d.verdict = '' AND d.result = 'success'), 0) AS since "
        "FROM (SELECT DISTINCT env FROM latest WHERE env != '') x) w "
        "JOIN entries e ON e.env = w.env AND e.seq > w.since",
        /* the latest approved decision that recorded a load test (a baseline) */
        "INSERT OR IGNORE INTO pick SELECT s FROM (SELECT (SELECT max(b.seq) FROM entries b "
        "INDEXED BY entries_baseline WHERE b.load_test = 1 AND b.env = x.env) AS s FROM "
        "(SELECT DISTINCT env FROM latest "
        "WHERE env != '') x) WHERE s IS NOT NULL",
    };
    const char *commits[4];
    size_t i;
    int n = 0;

    for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if (exec_args(ix, steps[i], NULL, 0, e) < 0)
            return -1;
    for (i = 0; i < 4 && focus->commits[i]; i++)
        commits[n++] = focus->commits[i];
    while (n < 4)
        commits[n++] = "";
    /* every entry about the commits those name, and the ones asked for */
    if (exec_args(ix,
                  "INSERT OR IGNORE INTO pick SELECT seq FROM entries WHERE commit_id IN "
                  "(SELECT commit_id FROM entries WHERE seq IN (SELECT seq FROM pick) "
                  "UNION SELECT ? UNION SELECT ? UNION SELECT ? UNION SELECT ?)",
                  commits, 4, e) < 0)
        return -1;
    if (focus->rollback_env &&
        exec_args(ix,
                  "INSERT OR IGNORE INTO pick SELECT seq FROM entries WHERE env = ? AND "
                  "(kind IN ('deployment', 'rollback') OR "
                  "(kind = 'decision' AND verdict = 'approved'))",
                  &focus->rollback_env, 1, e) < 0)
        return -1;
    if (focus->after) {
        char after[32];
        const char *a = after;

        snprintf(after, sizeof(after), "%llu", (unsigned long long)focus->after);
        if (exec_args(ix, "INSERT OR IGNORE INTO pick SELECT seq FROM entries WHERE seq > ?",
                      &a, 1, e) < 0)
            return -1;
    }
    return 0;
}

static json_t *
light_item(sqlite3_stmt *st, const char *env)
{
    return json_pack("{s:I, s:s?, s:s, s:s?, s:s?, s:I}", "seq",
                     (json_int_t)sqlite3_column_int64(st, 0), "kind",
                     (const char *)sqlite3_column_text(st, 4), "env", env,
                     "commit", (const char *)sqlite3_column_text(st, 2), "result",
                     (const char *)sqlite3_column_text(st, 3), "epoch",
                     (json_int_t)sqlite3_column_int64(st, 1));
}

/* The item of a row of entries: its history item. */
static json_t *
row_item(sqlite3_stmt *st)
{
    json_error_t je;

    return json_loadb((const char *)sqlite3_column_text(st, 0),
                      (size_t)sqlite3_column_bytes(st, 0), 0, &je);
}

/* A report's rows (REPORT_ROWS): the history item from the columns, the few fields only
 * the entry holds from it (one array), and a decision's gates as the text the index keeps
 * (history_gates reads it), without reading the entry as the rules do. */
static const char REPORT_ROWS[] =
    "SELECT seq, id, kind, env, from_env, to_env, commit_id, verdict, result, time, epoch, "
    "actor, tag, gates, json_extract(hist, '$.reason', '$.deployment', '$.from_commit', "
    "'$.decision') FROM entries WHERE seq IN (SELECT seq FROM pick) ORDER BY seq";

static json_t *
report_item(sqlite3_stmt *st)
{
    /* what a report reads of an item: no "time" (it reads "epoch"), an "id" for a
     * decision only (what a deployment names) */
    static const char *const cols[] = {NULL,     "id",      "kind",   "env", "from",  "to",
                                       "commit", "verdict", "result", NULL,  NULL,    "actor",
                                       "tag"};
    static const char *const more[] = {"reason", "deployment", "from_commit", "decision"};
    const char *kind = (const char *)sqlite3_column_text(st, 2);
    int decision = kind && strcmp(kind, "decision") == 0;
    json_error_t je;
    json_t *item = json_object(), *extra = NULL, *gates;
    size_t i;
    int ok = item &&
             json_object_set_new(item, "seq", json_integer(sqlite3_column_int64(st, 0))) == 0 &&
             json_object_set_new(item, "epoch", json_integer(sqlite3_column_int64(st, 10))) == 0;

    /* a field the entry lacks is left out, not null: a long window's items stay small */
    for (i = 1; ok && i < sizeof(cols) / sizeof(cols[0]); i++)
        ok = !cols[i] || sqlite3_column_type(st, (int)i) == SQLITE_NULL ||
             (i == 1 && !decision) ||
             json_object_set_new(item, cols[i],
                                 json_string((const char *)sqlite3_column_text(st, (int)i))) == 0;
    /* a decision's gates stay text until a report reads them (history_gates) */
    if (ok && sqlite3_column_type(st, 13) != SQLITE_NULL) {
        gates = json_stringn_nocheck((const char *)sqlite3_column_text(st, 13),
                                     (size_t)sqlite3_column_bytes(st, 13));
        ok = gates && json_object_set_new(item, "gates", gates) == 0;
    }
    if (ok)
        extra = json_loadb((const char *)sqlite3_column_text(st, 14),
                           (size_t)sqlite3_column_bytes(st, 14), 0, &je);
    ok = ok && json_array_size(extra) == 4;
    for (i = 0; ok && i < 4; i++) {
        json_t *v = json_array_get(extra, i);

        ok = !json_is_string(v) || json_object_set(item, more[i], v) == 0;
    }
    json_decref(extra);
    if (!ok) {
        json_decref(item);
        item = NULL;
    }
    return item;
}

int
index_history(json_t **out, struct index *ix, const struct history_focus *focus, struct err *e)
{
    sqlite3_stmt *st = NULL, *lt = NULL;
    json_t *h = json_array(), *item;
    int rc = -1, step, lstep = SQLITE_DONE, report = focus && focus->report_env;

    *out = NULL;
    if (!h)
        return err_set(e, EXIT_EVAL, "out of memory");
    if (focus && (report ? pick_report(ix, focus, e) : pick_rows(ix, focus, e)) < 0)
        goto done;
    /* a report reads its rows as REPORT_ROWS gives them, and the deployments before its
     * window as REPORT_LIGHT does: both in seq order, merged */
    if (sqlite3_prepare_v2(ix->db,
                           !focus   ? "SELECT hist FROM entries ORDER BY seq"
                           : report ? REPORT_ROWS
                                    : "SELECT hist FROM entries WHERE seq IN (SELECT seq FROM "
                                      "pick) ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK ||
        (report && sqlite3_prepare_v2(ix->db, REPORT_LIGHT, -1, &lt, NULL) != SQLITE_OK)) {
        db_err(e, ix, "cannot read");
        goto done;
    }
    if (report) {
        sqlite3_bind_text(lt, 1, focus->report_env, -1, SQLITE_STATIC);
        sqlite3_bind_int64(lt, 2, (sqlite3_int64)focus->since);
        sqlite3_bind_int64(lt, 3, (sqlite3_int64)focus->until);
    }
    if (lt)
        lstep = sqlite3_step(lt);
    step = sqlite3_step(st);
    while (step == SQLITE_ROW || lstep == SQLITE_ROW) {
        int from_light = lstep == SQLITE_ROW &&
                         (step != SQLITE_ROW ||
                          sqlite3_column_int64(lt, 0) < sqlite3_column_int64(st, 0));

        item = from_light ? light_item(lt, focus->report_env)
               : report   ? report_item(st)
                          : row_item(st);
        if (!item || json_array_append_new(h, item) < 0) {
            err_set(e, EXIT_EVAL, "the audit log's index '%s' holds an unreadable row",
                    ix->path);
            goto done;
        }
        if (from_light)
            lstep = sqlite3_step(lt);
        else
            step = sqlite3_step(st);
    }
    if (step != SQLITE_DONE || lstep != SQLITE_DONE) {
        db_err(e, ix, "cannot read");
        goto done;
    }
    *out = h;
    h = NULL;
    rc = 0;
done:
    sqlite3_finalize(st);
    sqlite3_finalize(lt);
    json_decref(h);
    return rc;
}

int
index_list(struct index *ix, const struct index_filter *f, index_row_fn fn, void *ctx,
           struct err *e)
{
    struct buf sql = BUF_INIT;
    sqlite3_stmt *st = NULL;
    const char *args[8];
    char until_end[64];
    int n = 0, i, step, rc = -1;

    /* as a line shows an entry: an event's result stands for its verdict, its
     * environment for where it went */
    buf_addf(&sql, "SELECT seq, id, log_commit, time, kind, env, from_env, "
                   "coalesce(to_env, env), commit_id, coalesce(verdict, result), actor "
                   "FROM entries WHERE 1");
    const struct {
        const char *value, *clause;
    } by[] = {
        {f->env, " AND env = ?"},
        {f->kind, " AND kind = ?"},
        {f->verdict, " AND coalesce(verdict, result) = ?"},
        {f->actor, " AND actor = ?"},
        {f->commit, " AND commit_id = ?"},
    };

    for (i = 0; i < (int)(sizeof(by) / sizeof(by[0])); i++)
        if (by[i].value) {
            buf_addf(&sql, "%s", by[i].clause);
            args[n++] = by[i].value;
        }
    /* RFC 3339 UTC times compare as strings; a date alone compares by prefix */
    if (f->since) {
        buf_addf(&sql, " AND time >= ?");
        args[n++] = f->since;
    }
    if (f->until) {
        snprintf(until_end, sizeof(until_end), "%s\x7f", f->until);
        buf_addf(&sql, " AND time < ?");
        args[n++] = until_end;
    }
    buf_addf(&sql, " ORDER BY seq %s", f->oldest_first ? "ASC" : "DESC");
    if (f->limit > 0)
        buf_addf(&sql, " LIMIT %ld", f->limit);
    if (!buf_str(&sql)[0]) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    if (sqlite3_prepare_v2(ix->db, buf_str(&sql), -1, &st, NULL) != SQLITE_OK) {
        db_err(e, ix, "cannot read");
        goto done;
    }
    for (i = 0; i < n; i++)
        sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct index_row r;

        r.seq = (uint64_t)sqlite3_column_int64(st, 0);
        r.id = (const char *)sqlite3_column_text(st, 1);
        r.log_commit = (const char *)sqlite3_column_text(st, 2);
        r.time = (const char *)sqlite3_column_text(st, 3);
        r.kind = (const char *)sqlite3_column_text(st, 4);
        r.env = (const char *)sqlite3_column_text(st, 5);
        r.from = (const char *)sqlite3_column_text(st, 6);
        r.to = (const char *)sqlite3_column_text(st, 7);
        r.commit = (const char *)sqlite3_column_text(st, 8);
        r.verdict = (const char *)sqlite3_column_text(st, 9);
        r.actor = (const char *)sqlite3_column_text(st, 10);
        if (fn(&r, ctx, e) < 0)
            goto done;
    }
    if (step != SQLITE_DONE) {
        db_err(e, ix, "cannot read");
        goto done;
    }
    rc = 0;
done:
    sqlite3_finalize(st);
    buf_release(&sql);
    return rc;
}

int
index_find(uint64_t *seq, char log_commit[41], struct index *ix, const char *key, struct err *e)
{
    sqlite3_stmt *st = NULL;
    char *end, like[80];
    unsigned long long s;
    size_t n;
    int rc = -1, step, found = 0, by_seq, by_id;

    *seq = 0;
    log_commit[0] = '\0';
    /* digits name a seq; eight or more hex digits name an id by its prefix. A key that is
     * both (an id prefix can be all digits) is looked up both ways, and two answers are
     * ambiguous: "12345678" is never silently taken as seq 12345678 alone. */
    n = strlen(key);
    s = strtoull(key, &end, 10);
    by_seq = n > 0 && n <= 20 && strspn(key, "0123456789") == n && !*end;
    by_id = n >= 8 && n <= 64 && strspn(key, "0123456789abcdef") == n;
    if (!by_seq && !by_id)
        return 0;
    snprintf(like, sizeof(like), "%s*", by_id ? key : "");
    if (sqlite3_prepare_v2(ix->db,
                           "SELECT seq, log_commit FROM entries WHERE (?1 AND seq = ?2) OR "
                           "(?3 AND id GLOB ?4) ORDER BY seq LIMIT 2",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(e, ix, "cannot read");
    sqlite3_bind_int(st, 1, by_seq);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)s);
    sqlite3_bind_int(st, 3, by_id);
    sqlite3_bind_text(st, 4, like, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (found++) {
            err_set(e, EXIT_USAGE, "'%s' names more than one audit entry: give more digits of the id",
                    key);
            goto done;
        }
        *seq = (uint64_t)sqlite3_column_int64(st, 0);
        col_text(log_commit, 41, st, 1);
    }
    if (step != SQLITE_DONE) {
        db_err(e, ix, "cannot read");
        goto done;
    }
    rc = 0;
done:
    sqlite3_finalize(st);
    return rc;
}
