/* promote-test: the tool as one executable (the installed promote loads it instead:
 * cmd/launcher.c). */
#include "cmd.h"

int
main(int argc, char **argv)
{
    return promote_main(argc, argv);
}
