/* promote keys generate|show|export: the signing key. */
#include <jansson.h>
#include <stdarg.h>
#include <string.h>

#include "cmd.h"
#include "core/base/buf.h"
#include "core/ledger/keys.h"
#include "core/out/out.h"

static int keys_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "promote: MSG" and the usage on stderr; exit 2. */
static int
keys_usage_error(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cmd_fail(EXIT_USAGE, msg);
    cmd_usage(stderr, cmd_find("keys"));
    return EXIT_USAGE;
}

static int
is_help(const char *a)
{
    return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0;
}

static int
keys_help(void)
{
    cmd_usage(stdout, cmd_find("keys"));
    return cmd_finish(EXIT_OK);
}

/* promote keys generate [--out <file>] [--unencrypted] */
static int
keys_cmd_generate(int argc, char **argv)
{
    const char *out = NULL;
    char id[KEYS_ID_HEX + 1];
    struct err e = ERR_INIT;
    int unencrypted = 0, i;

    for (i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            return keys_help();
        } else if (strcmp(argv[i], "--out") == 0 || strncmp(argv[i], "--out=", 6) == 0) {
            if (out)
                return keys_usage_error("option '--out' given twice");
            if (argv[i][5] == '=')
                out = argv[i] + 6;
            else if (i + 1 < argc)
                out = argv[++i];
            else
                return keys_usage_error("option '--out' needs a value");
            if (!*out)
                return keys_usage_error("option '--out' needs a value");
        } else if (strcmp(argv[i], "--unencrypted") == 0) {
            if (unencrypted)
                return keys_usage_error("option '--unencrypted' given twice");
            unencrypted = 1;
        } else if (argv[i][0] == '-') {
            return keys_usage_error("unknown option '%s'", argv[i]);
        } else {
            return keys_usage_error("unexpected argument '%s' (the file goes after --out)",
                                    argv[i]);
        }
    }
    if (keys_generate(out, !unencrypted, id, &e) < 0)
        return cmd_fail(e.code ? e.code : EXIT_EVAL, e.msg);
    printf("%s\n", id);
    return cmd_finish(EXIT_OK);
}

/* show [--json] <file> and export --pem <file>: one option, one file. */
static int
keys_cmd_public(int argc, char **argv, const char *flag, int flag_required)
{
    const char *file = NULL;
    unsigned char pk[32];
    char id[KEYS_ID_HEX + 1], b64[KEYS_PK_BASE64_SIZE];
    struct err e = ERR_INIT;
    struct buf pem = BUF_INIT;
    json_t *doc;
    int flag_seen = 0, i, code;

    for (i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            return keys_help();
        } else if (strcmp(argv[i], flag) == 0) {
            if (flag_seen)
                return keys_usage_error("option '%s' given twice", flag);
            flag_seen = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return keys_usage_error("unknown option '%s'", argv[i]);
        } else if (!file) {
            file = argv[i];
        } else {
            return keys_usage_error("one key file only: unexpected '%s'", argv[i]);
        }
    }
    if (flag_required && !flag_seen)
        return keys_usage_error("export needs a format: %s", flag);
    if (!file)
        return keys_usage_error("missing the key file");
    if (keys_file_public(pk, id, file, &e) < 0)
        return cmd_fail(e.code ? e.code : EXIT_EVAL, e.msg);
    if (keys_pk_base64(b64, sizeof(b64), pk) < 0)
        return cmd_fail(EXIT_EVAL, "cannot encode the public key");
    if (flag_required) { /* export --pem */
        if (keys_pem(&pem, pk) < 0)
            return cmd_fail(EXIT_EVAL, "out of memory");
        fputs(buf_str(&pem), stdout);
        buf_release(&pem);
        return cmd_finish(EXIT_OK);
    }
    if (!flag_seen) {
        printf("id: %s\npublic key: %s\nalgorithm: ed25519\n", id, b64);
        return cmd_finish(EXIT_OK);
    }
    doc = json_pack("{s:i, s:s, s:s, s:s}", "schema_version", OUT_SCHEMA_VERSION, "id", id,
                    "public_key", b64, "algorithm", "ed25519");
    code =
        (!doc || cmd_print_json(doc) < 0) ? cmd_fail(EXIT_EVAL, "cannot write output") : EXIT_OK;
    json_decref(doc);
    return cmd_finish(code);
}

static int
keys_cmd_show(int argc, char **argv)
{
    return keys_cmd_public(argc, argv, "--json", 0);
}

static int
keys_cmd_export(int argc, char **argv)
{
    return keys_cmd_public(argc, argv, "--pem", 1);
}

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} keys_cmds[] = {
    {"generate", keys_cmd_generate},
    {"show", keys_cmd_show},
    {"export", keys_cmd_export},
};

int
cmd_keys(int argc, char **argv)
{
    size_t i;

    if (argc < 2)
        return keys_usage_error("missing the keys command");
    if (is_help(argv[1]))
        return keys_help();
    for (i = 0; i < sizeof(keys_cmds) / sizeof(keys_cmds[0]); i++)
        if (strcmp(argv[1], keys_cmds[i].name) == 0)
            return keys_cmds[i].fn(argc - 1, argv + 1);
    return keys_usage_error("unknown keys command '%s'", argv[1]);
}
