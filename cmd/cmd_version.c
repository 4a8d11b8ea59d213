/* promote --version: the release, and the commit it was built from when known. */
#include <stdio.h>

#include "cmd.h"
#include "cmd/version.h"
#include "core/base/err.h"

int
cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs(PROMOTE_VERSION_LINE, stdout);
    return cmd_finish(EXIT_OK);
}
