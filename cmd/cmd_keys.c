/* promote keys generate|show|export: the signing key. */
#include <jansson.h>
#include <stddef.h>
#include <string.h>

#include "cmd.h"
#include "core/base/buf.h"
#include "core/ledger/keys.h"
#include "core/out/out.h"

enum { S_GENERATE = 1 << 0, S_SHOW = 1 << 1, S_EXPORT = 1 << 2 };

struct keys_opts {
    struct cmd_common c;
    const char *out;
    int unencrypted, pem;
};

#define KO(f) offsetof(struct keys_opts, f)

static const struct opt keys_own[] = {
    {.name = "out", .arg = "<file>", .type = OPT_STRING, .off = KO(out), .subs = S_GENERATE,
     .flags = OPT_NONEMPTY,
     .help = "generate: write the secret key to <file> (0600) and the public\n"
             "key to <file>.pub (default: $XDG_CONFIG_HOME/promote/key, else\n"
             "~/.config/promote/key); an existing file is never overwritten"},
    {.name = "unencrypted", .type = OPT_FLAG, .off = KO(unencrypted), .subs = S_GENERATE,
     .help = "generate: store the secret key without a passphrase, for a key\n"
             "that lives in a CI secret store"},
    {.name = "pem", .type = OPT_FLAG, .off = KO(pem), .subs = S_EXPORT,
     .help = "export: print the public key as PEM (SubjectPublicKeyInfo)"},
    {.name = NULL},
};

static const struct opt_text keys_texts[] = {
    {"json", "show: print {schema_version, id, public_key, algorithm}", 0, S_SHOW},
    {NULL, NULL, 0, 0},
};

static const struct opt *const keys_tables[] = {keys_own, opt_json, NULL};

static const struct opt_sub keys_subs[] = {
    {"generate", "promote keys generate [--out <file>] [--unencrypted]"},
    {"show", "promote keys show [--json] <file>"},
    {"export", "promote keys export --pem <file>"},
    {NULL, NULL},
};

const struct opt_verb keys_optv = {
    keys_tables, keys_texts, keys_subs,
    "  <file> may be the secret key file or its .pub file. The passphrase comes from\n"
    "  PROMOTE_KEY_PASSPHRASE, else it is asked on the terminal; never from arguments.\n"
    "  promote signs with --key <file>, else the content of PROMOTE_SIGNING_KEY, else\n"
    "  the default file. A key that cannot be used exits 2.\n"};

/* promote keys generate [--out <file>] [--unencrypted] */
static int
keys_cmd_generate(const struct keys_opts *o)
{
    char id[KEYS_ID_HEX + 1];
    struct err e = ERR_INIT;

    if (keys_generate(o->out, !o->unencrypted, id, &e) < 0)
        return cmd_fail(e.code ? e.code : EXIT_EVAL, e.msg);
    printf("%s\n", id);
    return cmd_finish(EXIT_OK);
}

/* show [--json] <file> and export --pem <file>: one file. */
static int
keys_cmd_public(const struct keys_opts *o, const char *file)
{
    unsigned char pk[32];
    char id[KEYS_ID_HEX + 1], b64[KEYS_PK_BASE64_SIZE];
    struct err e = ERR_INIT;
    struct buf pem = BUF_INIT;
    json_t *doc;
    int code;

    if (keys_file_public(pk, id, file, &e) < 0)
        return cmd_fail(e.code ? e.code : EXIT_EVAL, e.msg);
    if (keys_pk_base64(b64, sizeof(b64), pk) < 0)
        return cmd_fail(EXIT_EVAL, "cannot encode the public key");
    if (o->pem) { /* export --pem */
        if (keys_pem(&pem, pk) < 0)
            return cmd_fail(EXIT_EVAL, "out of memory");
        fputs(buf_str(&pem), stdout);
        buf_release(&pem);
        return cmd_finish(EXIT_OK);
    }
    if (!o->c.json) {
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

int
cmd_keys(int argc, char **argv)
{
    const struct cmd *c = cmd_find("keys");
    struct keys_opts o;
    char **pos;
    int rc, sub, npos;

    memset(&o, 0, sizeof(o));
    rc = opt_parse_sub(&o, &sub, &pos, &npos, argc, argv, c);
    if (rc == 0 && sub == 0 && npos > 0)
        rc = opt_usage_error(c, sub, "unexpected argument '%s' (the file goes after --out)",
                             pos[0]);
    if (rc == 0 && sub == 2 && !o.pem)
        rc = opt_usage_error(c, sub, "export needs a format: --pem");
    if (rc == 0 && sub > 0 && npos == 0)
        rc = opt_usage_error(c, sub, "missing the key file");
    if (rc == 0 && npos > 1)
        rc = opt_usage_error(c, sub, "one key file only: unexpected '%s'", pos[1]);
    if (rc != 0)
        return opt_exit(rc);
    return sub == 0 ? keys_cmd_generate(&o) : keys_cmd_public(&o, pos[0]);
}
