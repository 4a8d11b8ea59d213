/* promote explain <from> <to>: evaluate as check does and say, for every gate that does
 * not pass, what would make it pass; record and trigger nothing. */
#include "cmd.h"

int
cmd_explain(int argc, char **argv)
{
    return promote_run(argc, argv, PROMOTE_EXPLAIN);
}
