/* promote --version: the release, and the commit it was built from when known. */
#include <stdio.h>

#include "cmd.h"
#include "core/base/err.h"
#include "promote_revision.h" /* generated at build time by cmake/revision.cmake */

int
cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
#ifdef PROMOTE_REVISION
    printf("promote %s (%s)\n", PROMOTE_VERSION, PROMOTE_REVISION);
#else
    printf("promote %s\n", PROMOTE_VERSION);
#endif
    return cmd_finish(EXIT_OK);
}
