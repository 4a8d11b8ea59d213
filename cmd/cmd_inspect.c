/* promote inspect <file> [--json]: what promote reads from one evidence file. */
#include <string.h>

#include "cmd.h"
#include "core/out/out.h"
#include "core/report/report.h"

int
cmd_inspect(int argc, char **argv)
{
    const struct cmd *c = cmd_find("inspect");
    const char *path = NULL;
    struct report r;
    struct err e = ERR_INIT;
    json_t *doc;
    int json = 0, i, code;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            cmd_usage(stdout, c);
            return cmd_finish(EXIT_OK);
        } else if (strcmp(argv[i], "--json") == 0 && !json) {
            json = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            cmd_failf(EXIT_USAGE, "unknown or repeated option '%s'", argv[i]);
            cmd_usage(stderr, c);
            return EXIT_USAGE;
        } else if (!path) {
            path = argv[i];
        } else {
            cmd_fail(EXIT_USAGE, "inspect takes one file");
            cmd_usage(stderr, c);
            return EXIT_USAGE;
        }
    }
    if (!path) {
        cmd_usage(stderr, c);
        return EXIT_USAGE;
    }
    if (report_load(&r, path, &e) < 0)
        return cmd_fail(e.code ? e.code : EXIT_EVAL, e.msg);
    if (json) {
        doc = out_inspect_json(path, &r);
        code = (!doc || cmd_print_json(doc) < 0) ? cmd_fail(EXIT_EVAL, "cannot write output")
                                                   : EXIT_OK;
        json_decref(doc);
    } else {
        out_inspect_text(stdout, path, &r);
        code = EXIT_OK;
    }
    return cmd_finish(code);
}
