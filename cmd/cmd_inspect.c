/* promote inspect <file> [--json]: what promote reads from one evidence file. */
#include <string.h>

#include "cmd.h"
#include "core/out/out.h"
#include "core/report/report.h"

struct inspect_opts {
    struct cmd_common c;
};

static const struct opt_text inspect_texts[] = {
    {"json", "print {file, kind, format, details} as JSON", 0, 0},
    {NULL, NULL, 0, 0},
};

static const struct opt *const inspect_tables[] = {opt_json, NULL};

const struct opt_verb inspect_optv = {inspect_tables, inspect_texts, NULL, NULL};

int
cmd_inspect(int argc, char **argv)
{
    const struct cmd *c = cmd_find("inspect");
    struct inspect_opts o;
    const char *path;
    struct report r;
    struct err e = ERR_INIT;
    json_t *doc;
    char **pos;
    int npos, rc, code;

    memset(&o, 0, sizeof(o));
    rc = opt_parse(&o, &pos, &npos, argc, argv, c, -1);
    if (rc != 0)
        return opt_exit(rc);
    if (npos == 0)
        return opt_usage_error(c, -1, "inspect wants a file"), EXIT_USAGE;
    if (npos > 1)
        return opt_usage_error(c, -1, "inspect takes one file"), EXIT_USAGE;
    path = pos[0];
    if (report_load(&r, path, &e) < 0)
        return cmd_fail(e.code ? e.code : EXIT_EVAL, e.msg);
    if (o.c.json) {
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
