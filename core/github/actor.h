/* Who runs the promotion: established from GitHub, never claimed. Inside GitHub
 * Actions it is the triggering actor of the run (which must agree with
 * GITHUB_ACTOR); elsewhere the owner of the token. */
#ifndef PROMOTE_ACTOR_H
#define PROMOTE_ACTOR_H

#include <jansson.h>
#include <stddef.h>

#include "core/base/err.h"
#include "core/github/gh.h"

struct actor_env {
    int in_actions;           /* GITHUB_ACTIONS=true */
    const char *run_id;       /* GITHUB_RUN_ID */
    const char *github_actor; /* GITHUB_ACTOR */
};

int actor_want(struct gh_store *s, const struct gh *gh, const struct actor_env *env,
               struct err *e);
/* After the fetch: the login into OUT, or an error (EXIT_EVAL) saying why not. */
int actor_resolve(char *out, size_t outsz, const struct gh_store *s, const struct gh *gh,
                  const struct actor_env *env, struct err *e);

/* Establish the actor through GH (one fetch): the login into LOGIN, or -1 (EXIT_EVAL). */
int actor_establish(char *login, size_t loginsz, struct gh *gh, const struct actor_env *env,
                    struct err *e);

/* Establish the actor through GH, then ask whether they hold any of WANTED (role names
 * of the policy's ROLES), in order: *ROLE gets the first held, NULL when none. Any
 * failure to know (API error, unknown role) is -1 (EXIT_EVAL): never a yes. */
int actor_holding(char *login, size_t loginsz, const char **role, struct gh *gh,
                  const struct actor_env *env, const json_t *roles, const json_t *wanted,
                  struct err *e);

#endif
