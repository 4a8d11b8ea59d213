/* GitHub Actions workflow files, as 'env check' reads them: the first line of the input
 * is the file's name (deploy-prod.yml; the name says which environment it deploys), the
 * rest its YAML. The workflow judge holds it against the BBWS policy. */
#include <stdlib.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct envcheck_input in = *fuzz_bbws_input();
    struct envcheck_file mine;
    const uint8_t *name;
    char path[600], *base;
    size_t len;

    fuzz_input(data, size);
    if (!fuzz_next(&name, &len, &data, &size, "\n"))
        return 0;
    base = fuzz_strndup(name, len < 128 ? len : 128);
    snprintf(path, sizeof(path), ".github/workflows/%s", base);
    mine.path = path;
    mine.text = fuzz_strndup(data, size);
    mine.len = size;
    in.workflows = &mine;
    in.n_workflows = 1;
    in.n_tfvars = 0;
    fuzz_envcheck(fuzz_bbws_policy(), &in);
    free(mine.text);
    free(base);
    return 0;
}
