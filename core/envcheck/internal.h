/* What the files of core/envcheck/ share and nothing else sees: include it only from the
 * .c files of that directory. The public interface is envcheck.h. */
#ifndef PROMOTE_ENVCHECK_INTERNAL_H
#define PROMOTE_ENVCHECK_INTERNAL_H

#include <jansson.h>
#include <stddef.h>

#include "core/engine/policy.h"
#include "core/envcheck/envcheck.h"

/* Append a violation to R (result.c); out of memory sets R->oom instead. */
void envcheck_add(struct envcheck_result *r, const char *file, long line, const char *rule,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Does S end with SUFFIX? */
int envcheck_ends_with(const char *s, const char *suffix);
/* Does S start with PREFIX? */
int envcheck_starts_with(const char *s, const char *prefix);
/* DIR/NAME into OUT ("" DIR: NAME). */
void envcheck_join(char *out, size_t sz, const char *dir, const char *name);
/* The last component of PATH. */
const char *envcheck_base_name(const char *path);
/* The policy's naming.KEY, or NULL. */
const json_t *envcheck_naming(const struct policy *p, const char *key);
/* Is NAME one of the environment names never to use? */
int envcheck_forbidden(const struct policy *p, const char *name);

#endif
