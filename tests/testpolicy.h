/* Shared by the unit tests that run core/ on the BBWS policy (policies/bbws.json): a group
 * setup that loads it into bbws and a teardown that frees it. Include after cmocka.h. */
#ifndef PROMOTE_TESTPOLICY_H
#define PROMOTE_TESTPOLICY_H

#include "core/engine/policy.h"

#define BBWS FIXTURES "/../../policies/bbws.json"

static struct policy *bbws;

static int
bbws_load(void **state)
{
    struct err e = ERR_INIT;

    (void)state;
    if (policy_load_file(&bbws, BBWS, &e) < 0)
        fail_msg("%s", e.msg);
    return 0;
}

static int
bbws_free(void **state)
{
    (void)state;
    policy_free(bbws);
    return 0;
}

#endif
