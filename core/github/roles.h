/* Who may approve: the policy's roles (GitHub teams), team membership, the pull
 * requests that carry a commit and the approval rule over their reviews. Shared by
 * the code_review and role_approval gates and, later, rollback and break-glass.
 * Nothing here performs I/O: membership and pull requests come from the store. */
#ifndef PROMOTE_ROLES_H
#define PROMOTE_ROLES_H

#include <jansson.h>

#include "core/base/err.h"
#include "core/github/gh.h"

/* ---- the policy's top-level "roles" ---- */

/* ROLES is {"ROLE": {"team": "ORG/TEAM-SLUG"}, ...} and nothing else. Errors are
 * EXIT_USAGE: "invalid policy 'SOURCE': $.roles.ROLE.team: must be ORG/TEAM-SLUG". */
int roles_check(const json_t *roles, const char *source, struct err *e);

/* Every key of REQUIRE (a role_approval gate's "require") names a role of ROLES
 * (NULL: the policy has none). JPATH names REQUIRE, e.g. "$.promotions[1].gates[2].require";
 * the error is EXIT_USAGE "JPATH.ROLE: unknown role 'ROLE' (not in $.roles)". */
int roles_check_require(const json_t *require, const json_t *roles, const char *jpath,
                        struct err *e);

/* ---- membership: the one place that decides whether LOGIN holds ROLE ---- */

/* Ask S for LOGIN's membership of ROLE's team. */
int roles_want(struct gh_store *s, const json_t *roles, const char *role, const char *login,
               struct err *e);
/* *OUT = 1 when the fetched membership is "active", 0 when it is not or GitHub says
 * 404 (not a member). -1 with an error for an unknown role, a membership not fetched,
 * a failed request or a malformed answer. */
int roles_is_member(int *out, const struct gh_store *s, const json_t *roles, const char *role,
                    const char *login, struct err *e);
/* Ask S for the members of ROLE's team (GET /orgs/ORG/teams/SLUG/members, every page:
 * GitHub lists active members only, pending invitations are not). */
int roles_members_want(struct gh_store *s, const json_t *roles, const char *role, struct err *e);
/* *OUT: the sorted logins of ROLE's team members as fetched (caller decrefs). */
int roles_members(json_t **out, const struct gh_store *s, const json_t *roles, const char *role,
                  struct err *e);
/* ROLE's team as "ORG/SLUG", or NULL when ROLES does not define ROLE. */
const char *roles_team(const json_t *roles, const char *role);

/* ---- pull requests and reviews, from fetched resources ---- */

/* The body of a fetched resource. Not asked for, not fetched, 404 or failed: -1 with an
 * error (EXIT_EVAL) naming the endpoint. */
int roles_res_body(const json_t **out, const struct gh_res *r, const char *path, struct err *e);

/* One pull request object (from commits/{sha}/pulls or pulls/{n}) normalised to
 * {"number", "merged", "author" (login or null), "author_id" (or null), "head_sha"}.
 * WHERE names it in errors ("GET /repos/o/r/pulls/5"). */
int roles_pull(json_t **out, const json_t *pr, const char *where, struct err *e);

/* The approval rule over REVIEWS (a pulls/{n}/reviews body, pages joined): sorted oldest
 * first by (submitted_at, id), stable; reviews with a null user, by AUTHOR_ID (-1 for
 * none), PENDING, COMMENTED and DISMISSED are skipped; per reviewer (user id) the latest
 * remaining review decides. *OUT: [{"id", "login", "state" (APPROVED or
 * CHANGES_REQUESTED), "commit_id" (or null)}] sorted by login then id. Any other state,
 * or a field of the wrong type, is an error naming WHERE. */
int roles_reviews(json_t **out, const json_t *reviews, json_int_t author_id, const char *where,
                  struct err *e);

#endif
