#include <string.h>

#include "cmd.h"
#include "core/base/err.h"

static const struct opt help_none[] = {{.name = NULL}};
static const struct opt *const help_tables[] = {help_none, NULL};

/* 'promote help -h' is the overview: no options of its own */
const struct opt_verb help_optv = {help_tables, NULL, NULL, NULL};

static void
help_all(FILE *f)
{
    const struct cmd *c;

    fprintf(f, "usage: promote [<options>] <from> <to>\n"
               "       promote <command> [<args>]\n"
               "       promote --help | --version\n\n"
               "Decide whether one git commit may move to the next environment, and say why.\n\n"
               "Commands:\n");
    for (c = cmd_table; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->help);
    fprintf(f, "\nExit codes:\n"
               "  0  approved / done\n"
               "  1  rejected: a gate failed, or a rule refused it\n"
               "  2  the invocation or its configuration is wrong; nothing was evaluated\n"
               "  3  the evaluation could not complete (evidence, network, I/O, a full disk,\n"
               "     a locked ref; interrupted by SIGINT or SIGTERM): fail closed\n"
               "  4  tampering detected\n\n"
               "'promote help <command>' shows one command's options.\n");
}

/* 'promote help C' is 'promote C -h': one text per command, nested commands included,
 * whatever the command's own parser prints. */
static int
command_help(const struct cmd *c)
{
    char name[32], opt[] = "-h";
    char *args[] = {name, opt, NULL};

    snprintf(name, sizeof(name), "%s", c->name);
    return c->fn(2, args);
}

/* argc -1: called with no arguments at all (usage error). */
int
cmd_help(int argc, char **argv)
{
    const struct cmd *c;

    if (argc < 0) {
        help_all(stderr);
        return EXIT_USAGE;
    }
    if (argc == 2 && strcmp(argv[1], "--completion-helper") == 0) {
        printf("--help\n");
        return cmd_finish(EXIT_OK);
    }
    if (argc >= 2 && strcmp(argv[1], "-h") != 0 && strcmp(argv[1], "--help") != 0) {
        c = cmd_find(argv[1]);
        if (!c || argc > 2) {
            fprintf(stderr, "promote: no such command '%s'\n", argv[1]);
            return EXIT_USAGE;
        }
        return command_help(c);
    }
    help_all(stdout);
    return cmd_finish(EXIT_OK);
}
