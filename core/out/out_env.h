/* The environment matrix of a policy, for people (a terminal table, a Markdown
 * document) and for programs (JSON). ONLY names one environment, or is NULL for all;
 * the caller has checked that it exists. */
#ifndef PROMOTE_OUT_ENV_H
#define PROMOTE_OUT_ENV_H

#include <jansson.h>
#include <stdio.h>

#include "core/engine/policy.h"

/* {schema_version, policy: {name, sha256}, environments: [...]}, keys in a fixed order. */
json_t *out_env_json(const struct policy *p, const char *only);
/* Attributes as rows, environments as columns, aligned with spaces. */
void out_env_text(FILE *f, const struct policy *p, const char *only);
/* A title, the matrix table, the DR targets and one section per environment. */
void out_env_markdown(FILE *f, const struct policy *p, const char *only);

#endif
