/* The policy: policy_load validates the input completely (gates, roles, trusted keys,
 * naming rules, environment matrix); a policy it accepts is then used as the commands
 * use it: every lookup, the tag prefix of each environment, the trusted keys, 'env show'
 * in its three forms, and 'env check' of the shipped BBWS example under it. */
#include <stdio.h>
#include <string.h>

#include "core/ledger/audit.h"
#include "core/release/deploy.h"
#include "core/out/out_env.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    struct policy *p = NULL;
    struct audit_trust trust;
    struct err e = ERR_INIT;
    size_t i, k;
    json_t *j;
    int rc;

    fuzz_input(data, size);
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    FUZZ_CHECK(devnull != NULL);
    rc = policy_load(&p, (const char *)data, size, "fuzz.json", &e);
    fuzz_check_err(rc, &e);
    if (rc < 0) {
        FUZZ_CHECK(p == NULL);
        return 0;
    }
    FUZZ_CHECK(p->n_envs > 0 && p->n_promotions > 0);
    for (i = 0; i < p->n_envs; i++) {
        char prefix[256];

        FUZZ_CHECK(policy_env(p, p->envs[i].name) == &p->envs[i]);
        if (p->envs[i].tag_template &&
            deploy_tag_prefix(prefix, sizeof(prefix), p->envs[i].tag_template, p->envs[i].name,
                              (time_t)1795996800) == 0)
            FUZZ_CHECK(memchr(prefix, '\0', sizeof(prefix)) != NULL);
        j = out_env_json(p, p->envs[i].name);
        FUZZ_CHECK(j != NULL);
        json_decref(j);
    }
    for (i = 0; i < p->n_promotions; i++) {
        const struct policy_promotion *pr = &p->promotions[i];

        FUZZ_CHECK(policy_env(p, pr->from) && policy_env(p, pr->to));
        FUZZ_CHECK(policy_promotion(p, pr->from, pr->to) != NULL);
        for (k = 0; k < json_array_size(pr->gates); k++) {
            const char *name =
                json_string_value(json_object_get(json_array_get(pr->gates, k), "name"));

            FUZZ_CHECK(name && policy_gate(pr, name) != NULL);
        }
    }
    rc = audit_trust_from_policy(&trust, json_object_get(p->root, "trusted_keys"), &e);
    FUZZ_CHECK(rc == 0); /* validated with the policy */
    j = out_env_json(p, NULL);
    FUZZ_CHECK(j != NULL);
    json_decref(j);
    out_env_text(devnull, p, NULL);
    out_env_markdown(devnull, p, NULL);
    fuzz_envcheck(p, fuzz_bbws_input());
    policy_free(p);
    return 0;
}
