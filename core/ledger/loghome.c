#include "core/ledger/loghome.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define BRANCH_PREFIX "refs/heads/"

int
loghome_rules(struct loghome *h, const json_t *rules, const char *where, struct err *e)
{
    const json_t *r;
    size_t i;

    h->nff = h->deletion = h->protected_ = 0;
    if (!json_is_array(rules))
        return err_set(e, EXIT_EVAL, "%s: the answer is not a list of rules", where);
    json_array_foreach(rules, i, r) {
        const char *type = json_string_value(json_object_get(r, "type"));

        if (!type)
            return err_set(e, EXIT_EVAL, "%s: rule %zu has no type", where, i);
        if (strcmp(type, "non_fast_forward") == 0)
            h->nff = 1;
        else if (strcmp(type, "deletion") == 0)
            h->deletion = 1;
    }
    h->protected_ = h->nff && h->deletion;
    return 0;
}

/* BRANCH as one path segment: everything but unreserved characters percent-encoded
 * ("promote/audit" is "promote%2Faudit"). */
static void
segment(char *out, size_t outsz, const char *branch)
{
    size_t n = 0;

    for (; *branch && n + 4 < outsz; branch++) {
        unsigned char c = (unsigned char)*branch;

        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
            out[n++] = (char)c;
        else
            n += (size_t)snprintf(out + n, outsz - n, "%%%02X", c);
    }
    out[n] = '\0';
}

/* Ask GitHub which rules apply to BRANCH: 0 with H filled, -1 naming the endpoint. */
static int
ask(struct loghome *h, const char *branch, const struct gh_config *ghc, struct err *e)
{
    struct gh *gh = NULL;
    struct gh_store s = GH_STORE_INIT;
    const struct gh_res *res;
    char seg[800], path[1100];
    int rc = -1;

    segment(seg, sizeof(seg), branch);
    snprintf(path, sizeof(path), "/repos/%s/rules/branches/%s", ghc->repo, seg);
    if (gh_new(&gh, ghc, e) < 0 || gh_want(&s, GH_PAGES, NULL, e, "%s", path) < 0 ||
        gh_fetch(gh, &s, e) < 0)
        goto done;
    res = gh_find(&s, "%s", path);
    if (!res || res->state != GH_OK) {
        err_set(e, EXIT_EVAL, "%s", res ? res->error : "the branch rules were not fetched");
        goto done;
    }
    rc = loghome_rules(h, res->json, path, e);
done:
    gh_store_release(&s);
    gh_free(gh);
    return rc;
}

int
loghome_check(struct loghome *out, const char *ref, const char *remote, int allow,
              const struct gh_config *ghc, struct err *e)
{
    const char *branch = strncmp(ref, BRANCH_PREFIX, strlen(BRANCH_PREFIX)) == 0
                             ? ref + strlen(BRANCH_PREFIX)
                             : NULL;
    struct err ae = ERR_INIT;
    const char *missing;

    memset(out, 0, sizeof(*out));
    out->checked = 1;
    snprintf(out->ref, sizeof(out->ref), "%s", ref);
    snprintf(out->remote, sizeof(out->remote), "%s", remote);
    if (!remote[0]) {
        snprintf(out->why, sizeof(out->why), "kept in this clone only: no remote holds it");
        return 0;
    }
    if (!branch) {
        snprintf(out->why, sizeof(out->why),
                 "%s is not a branch: no ruleset can protect it against force-pushes and "
                 "deletion",
                 ref);
    } else if (!ghc || !ghc->repo) {
        snprintf(out->why, sizeof(out->why),
                 "the GitHub repository is not known: the rules of %s cannot be checked", ref);
    } else if (ask(out, branch, ghc, &ae) < 0) {
        if (!allow)
            return err_set(e, EXIT_EVAL,
                           "cannot tell whether the audit log's branch is protected: %s; "
                           "nothing was recorded",
                           ae.msg);
        snprintf(out->why, sizeof(out->why), "the branch rules could not be read: %.300s",
                 ae.msg);
    } else if (out->protected_) {
        snprintf(out->why, sizeof(out->why),
                 "GitHub refuses force-pushes (non_fast_forward) and deletion of %s", branch);
        return 0;
    } else {
        missing = !out->nff && !out->deletion ? "non_fast_forward and deletion rules"
                  : !out->nff                 ? "a non_fast_forward rule"
                                              : "a deletion rule";
        snprintf(out->why, sizeof(out->why), "no ruleset gives branch %s %s", branch, missing);
    }
    if (allow) {
        out->allowed_unprotected = 1;
        return 0;
    }
    return err_set(e, EXIT_EVAL,
                   "the audit log is not protected by its host (%s): anyone who can push could "
                   "shorten or rewrite it. Keep it on a branch (audit_log.ref, e.g. "
                   "refs/heads/promote/audit) that a ruleset protects against force-pushes and "
                   "deletion, or set audit_log.allow_unprotected in the policy; nothing was "
                   "recorded",
                   out->why);
}

json_t *
loghome_json(const struct loghome *h)
{
    json_t *rules = json_array();

    if (rules && h->nff)
        json_array_append_new(rules, json_string("non_fast_forward"));
    if (rules && h->deletion)
        json_array_append_new(rules, json_string("deletion"));
    return json_pack("{s:s, s:s?, s:b, s:o, s:b, s:s, s:I, s:o}", "ref", h->ref, "remote",
                     h->remote[0] ? h->remote : NULL, "protected", h->protected_, "rules",
                     rules, "allowed_unprotected", h->allowed_unprotected, "why", h->why,
                     "entries", (json_int_t)h->size, "floor",
                     h->floor_source[0] ? json_pack("{s:I, s:s}", "entries",
                                                    (json_int_t)h->floor_size, "from",
                                                    h->floor_source)
                                        : json_null());
}

void
loghome_line(char *out, size_t outsz, const struct loghome *h)
{
    char floor[400];

    if (h->floor_source[0])
        snprintf(floor, sizeof(floor), "verified against a floor of %llu entries from %s",
                 (unsigned long long)h->floor_size, h->floor_source);
    else
        snprintf(floor, sizeof(floor), "verified with no floor (first use: nothing remembered, "
                                       "no deploy tag witnesses a checkpoint)");
    snprintf(out, outsz, "audit log %s%s%s%s (%s%s): %llu entries before this run, %s", h->ref,
             h->remote[0] ? " on '" : "", h->remote, h->remote[0] ? "'" : "",
             h->protected_ ? "protected: " : h->remote[0] ? "not protected: " : "",
             h->why, (unsigned long long)h->size, floor);
}
