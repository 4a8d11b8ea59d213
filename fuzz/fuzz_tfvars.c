/* Terraform variable files, as 'env check' reads them: the first line of the input names
 * an environment, the rest is its variable file. The reader parses it alone, then the
 * Terraform judge holds it, with the other environments' files of the shipped BBWS
 * example, against the BBWS policy. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct envcheck_input *ex = fuzz_bbws_input();
    struct envcheck_input in = *ex;
    struct envcheck_file files[3], mine;
    struct envcheck_tfvars t;
    struct envcheck_result r;
    const uint8_t *env;
    char path[600], *name;
    size_t len, i, k;

    fuzz_input(data, size);
    if (!fuzz_next(&env, &len, &data, &size, "\n"))
        return 0;
    name = fuzz_strndup(env, len < 64 ? len : 64);
    snprintf(path, sizeof(path), "terraform/%s/%s.tfvars", name, name);
    mine.path = path;
    mine.text = fuzz_strndup(data, size);
    mine.len = size;

    memset(&t, 0, sizeof(t));
    envcheck_result_init(&r);
    FUZZ_CHECK(envcheck_tfvars_parse(&t, &mine, &r) == 0);
    for (i = 0; i < t.n; i++) {
        FUZZ_CHECK(t.vars[i].name && t.vars[i].value && t.vars[i].line > 0);
        FUZZ_CHECK(envcheck_tfvars_get(&t, t.vars[i].name) != NULL);
        FUZZ_CHECK(envcheck_tfvars_has(&t, t.vars[i].name));
        (void)envcheck_s3_check(t.vars[i].value);
    }
    for (i = 0; i < t.n_unread; i++)
        FUZZ_CHECK(envcheck_tfvars_has(&t, t.unread[i]));
    envcheck_tfvars_release(&t);
    envcheck_result_release(&r);

    /* the example with this file in place of its environment's (or added) */
    for (i = 0, k = 0; i < ex->n_tfvars && k < 2; i++)
        if (strcmp(ex->tfvars[i].path, path) != 0)
            files[k++] = ex->tfvars[i];
    files[k++] = mine;
    in.tfvars = files;
    in.n_tfvars = k;
    in.n_workflows = 0;
    fuzz_envcheck(fuzz_bbws_policy(), &in);
    free(mine.text);
    free(name);
    return 0;
}
