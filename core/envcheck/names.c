/* Helpers on names that several files of the check share: suffixes, prefixes and paths,
 * and the policy's naming rules (which environment names are never to be used). */
#include "core/envcheck/internal.h"

#include <stdio.h>
#include <string.h>

int
envcheck_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int
envcheck_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* DIR/NAME into OUT ("" DIR: NAME). */
void
envcheck_join(char *out, size_t sz, const char *dir, const char *name)
{
    snprintf(out, sz, "%s%s%s", dir, *dir ? "/" : "", name);
}

const char *
envcheck_base_name(const char *path)
{
    const char *s = strrchr(path, '/');

    return s ? s + 1 : path;
}

const json_t *
envcheck_naming(const struct policy *p, const char *key)
{
    return json_object_get(json_object_get(p->root, "naming"), key);
}

static const char *const default_forbidden[] = {"stage", "staging",     "production",
                                                "prd",   "development", NULL};

/* Is NAME one of the environment names never to use (the policy's list, else the
 * default list less the policy's own environments)? */
int
envcheck_forbidden(const struct policy *p, const char *name)
{
    const json_t *list = envcheck_naming(p, "forbidden_environment_names"), *x;
    size_t i;

    if (list) {
        json_array_foreach(list, i, x)
        {
            if (strcmp(json_string_value(x), name) == 0)
                return 1;
        }
        return 0;
    }
    for (i = 0; default_forbidden[i]; i++)
        if (strcmp(default_forbidden[i], name) == 0)
            return !policy_env(p, name);
    return 0;
}
