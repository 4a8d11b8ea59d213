#include "testhooks.h"

#include <stdlib.h>

const char *
testhooks_getenv(const char *name)
{
#ifdef PROMOTE_TEST_HOOKS
    return getenv(name);
#else
    (void)name;
    return NULL;
#endif
}
