/* promote check <from> <to>: evaluate only; record and trigger nothing. */
#include "cmd.h"

int
cmd_check(int argc, char **argv)
{
    return promote_run(argc, argv, PROMOTE_CHECK);
}
