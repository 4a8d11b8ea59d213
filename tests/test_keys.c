/* Signing keys: generation, the file format, loading and every refusal, public keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/ledger/keys.h"

#define PASS "correct horse battery staple"
#define REC_LEN 120

/* RFC 8032 section 7.1, test 1 */
static const char *rfc_seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char *rfc_pk = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char *rfc_sig_empty =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
    "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

static char g_root[64];
static char g_dir[512]; /* a fresh directory per test */
static int g_n;

static void
has(const char *msg, const char *needle)
{
    if (!strstr(msg, needle))
        fail_msg("'%s' lacks '%s'", msg, needle);
}

static void
hasnt(const char *msg, const char *needle)
{
    if (strstr(msg, needle))
        fail_msg("'%s' has '%s'", msg, needle);
}

/* A path in this test's directory (one of a few rotating buffers). */
static const char *
at(const char *name)
{
    static char bufs[8][600];
    static int next;
    char *b = bufs[next++ % 8];
    int n = snprintf(b, sizeof(bufs[0]), "%s/%s", g_dir, name);

    assert_true(n > 0 && (size_t)n < sizeof(bufs[0]));
    return b;
}

static int
contains(const unsigned char *hay, size_t n, const unsigned char *needle, size_t len)
{
    size_t i;

    for (i = 0; i + len <= n; i++)
        if (memcmp(hay + i, needle, len) == 0)
            return 1;
    return 0;
}

static void
hex2bin(unsigned char *out, size_t len, const char *hex)
{
    size_t n = 0;

    assert_int_equal(sodium_hex2bin(out, len, hex, strlen(hex), NULL, &n, NULL), 0);
    assert_int_equal(n, len);
}

static size_t
read_all(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n;

    assert_non_null(f);
    n = fread(out, 1, cap - 1, f);
    fclose(f);
    out[n] = '\0';
    return n;
}

static void
write_file(const char *path, const char *data, size_t len, mode_t mode)
{
    int fd;

    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    assert_true(fd >= 0);
    assert_int_equal(fchmod(fd, mode), 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
}

static mode_t
mode_of(const char *path)
{
    struct stat st;

    assert_int_equal(lstat(path, &st), 0);
    return st.st_mode & 07777;
}

/* The base64 line of a key file: its offset and length in TEXT. */
static void
key_line(const char *text, size_t *off, size_t *len)
{
    const char *nl = strchr(text, '\n'), *end;

    assert_non_null(nl);
    end = strchr(nl + 1, '\n');
    assert_non_null(end);
    *off = (size_t)(nl + 1 - text);
    *len = (size_t)(end - nl - 1);
}

/* The decoded record of a key file. */
static size_t
record_of(const char *path, unsigned char *rec, size_t cap)
{
    char text[1024];
    size_t off, len, n = 0;

    read_all(path, text, sizeof(text));
    key_line(text, &off, &len);
    assert_int_equal(sodium_base642bin(rec, cap, text + off, len, NULL, &n, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    return n;
}

/* Write a key file at PATH holding REC (LEN bytes) under COMMENT. */
static void
write_record(const char *path, const unsigned char *rec, size_t len)
{
    char text[1024], b64[512];
    int n;

    sodium_bin2base64(b64, sizeof(b64), rec, len, sodium_base64_VARIANT_ORIGINAL);
    n = snprintf(text, sizeof(text), "untrusted comment: promote secret key x\n%s\n", b64);
    assert_true(n > 0 && (size_t)n < sizeof(text));
    write_file(path, text, (size_t)n, 0600);
}

static uint64_t
u64le(const unsigned char *p)
{
    uint64_t v = 0;
    int i;

    for (i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void
put_u64le(unsigned char *p, uint64_t v)
{
    int i;

    for (i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* keys_load(FILE) fails with exit 2, naming LABEL, and saying NEEDLE. */
static void
load_fails(const char *file, const char *label, const char *needle)
{
    struct key *k = (struct key *)1;
    struct err e = ERR_INIT;
    char want[700];

    assert_int_equal(keys_load(&k, file, &e), -1);
    assert_null(k);
    assert_int_equal(e.code, EXIT_USAGE);
    snprintf(want, sizeof(want), "cannot load key '%s': ", label);
    has(e.msg, want);
    if (needle)
        has(e.msg, needle);
    hasnt(e.msg, PASS);
}

static struct key *
load_ok(const char *file)
{
    struct key *k = NULL;
    struct err e = ERR_INIT;

    if (keys_load(&k, file, &e) < 0)
        fail_msg("keys_load: %s", e.msg);
    assert_non_null(k);
    return k;
}

static void
gen_ok(const char *path, int encrypt, char id[KEYS_ID_HEX + 1])
{
    struct err e = ERR_INIT;

    if (keys_generate(path, encrypt, id, &e) < 0)
        fail_msg("keys_generate: %s", e.msg);
}

/* K signs, and the public key from PUB_PATH verifies; a changed message does not. */
static void
sign_roundtrip(const struct key *k, const char *pub_path)
{
    static const unsigned char msg[] = "promote sit 3f5e6a3";
    unsigned char sig[crypto_sign_BYTES], pk[32], bad[sizeof(msg)];
    char id[KEYS_ID_HEX + 1];
    struct err e = ERR_INIT;

    if (keys_load_public(pk, id, pub_path, &e) < 0)
        fail_msg("keys_load_public: %s", e.msg);
    assert_memory_equal(pk, k->pk, 32);
    assert_string_equal(id, k->id);
    assert_int_equal(crypto_sign_detached(sig, NULL, msg, sizeof(msg), k->sk), 0);
    assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof(msg), pk), 0);
    memcpy(bad, msg, sizeof(msg));
    bad[0] ^= 1;
    assert_int_not_equal(crypto_sign_verify_detached(sig, bad, sizeof(bad), pk), 0);
}

/* The key id is the hex of the first 8 bytes of SHA-256 of the raw public key. */
static void
assert_id_of(const char *id, const unsigned char pk[32])
{
    unsigned char h[32];
    char hex[17];

    crypto_hash_sha256(h, pk, 32);
    sodium_bin2hex(hex, sizeof(hex), h, 8);
    assert_string_equal(id, hex);
}

static int
setup(void **state)
{
    int n;

    (void)state;
    n = snprintf(g_dir, sizeof(g_dir), "%s/t%d", g_root, ++g_n);
    assert_true(n > 0 && (size_t)n < sizeof(g_dir));
    assert_int_equal(mkdir(g_dir, 0700), 0);
    setenv("HOME", at("home"), 1);
    assert_int_equal(mkdir(at("home"), 0700), 0);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("PROMOTE_SIGNING_KEY");
    setenv("PROMOTE_KEY_PASSPHRASE", PASS, 1);
    umask(022);
    return 0;
}

static void
test_generate_encrypted(void **state)
{
    char id[KEYS_ID_HEX + 1], text[1024], want[128], seed_b64[64], seed_hex[65];
    unsigned char rec[256], raw[8], pk[32];
    char id2[KEYS_ID_HEX + 1];
    struct err e = ERR_INIT;
    struct key *k;
    size_t n;

    (void)state;
    setenv("XDG_CONFIG_HOME", at("xdg"), 1); /* does not exist yet */
    gen_ok(NULL, 1, id);
    assert_int_equal(strlen(id), KEYS_ID_HEX);
    assert_int_equal(mode_of(at("xdg")), 0700);
    assert_int_equal(mode_of(at("xdg/promote")), 0700);
    assert_int_equal(mode_of(at("xdg/promote/key")), 0600);
    assert_int_equal(mode_of(at("xdg/promote/key.pub")), 0644);

    /* the comment line, then the record: magic, version, algorithm, kdf, cipher, id,
     * salt, opslimit, memlimit, nonce, sealed seed and tag */
    read_all(at("xdg/promote/key"), text, sizeof(text));
    snprintf(want, sizeof(want), "untrusted comment: promote secret key %s\n", id);
    assert_memory_equal(text, want, strlen(want));
    n = record_of(at("xdg/promote/key"), rec, sizeof(rec));
    assert_int_equal(n, REC_LEN);
    assert_memory_equal(rec, "PRSK", 4);
    assert_int_equal(rec[4], 1);
    assert_int_equal(rec[5], 1);
    assert_int_equal(rec[6], 1);
    assert_int_equal(rec[7], 1);
    hex2bin(raw, 8, id);
    assert_memory_equal(rec + 8, raw, 8);
    assert_int_equal(u64le(rec + 32), crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE);
    assert_int_equal(u64le(rec + 40), crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);

    k = load_ok(NULL); /* the default path */
    assert_string_equal(k->id, id);
    assert_id_of(k->id, k->pk);
    sign_roundtrip(k, at("xdg/promote/key.pub"));
    /* the seed is not in the file, in any encoding */
    sodium_bin2base64(seed_b64, sizeof(seed_b64), k->sk, 32, sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2hex(seed_hex, sizeof(seed_hex), k->sk, 32);
    assert_false(contains(rec, n, k->sk, 32));
    assert_false(contains(rec, n, k->sk, 8));
    hasnt(text, seed_b64);
    hasnt(text, seed_hex);
    hasnt(text, PASS);

    /* the public key of both files */
    assert_int_equal(keys_file_public(pk, id2, at("xdg/promote/key"), &e), 0);
    assert_memory_equal(pk, k->pk, 32);
    assert_string_equal(id2, id);
    assert_int_equal(keys_file_public(pk, id2, at("xdg/promote/key.pub"), &e), 0);
    assert_memory_equal(pk, k->pk, 32);
    n = record_of(at("xdg/promote/key.pub"), rec, sizeof(rec));
    assert_int_equal(n, 44);
    assert_memory_equal(rec, "PRPK", 4);
    assert_memory_equal(rec + 4, raw, 8);
    assert_memory_equal(rec + 12, k->pk, 32);
    keys_free(k);
}

static void
test_generate_home_default(void **state)
{
    char id[KEYS_ID_HEX + 1];
    struct buf path = BUF_INIT;
    struct err e = ERR_INIT;
    struct key *k;

    (void)state;
    setenv("XDG_CONFIG_HOME", "relative/xdg", 1); /* invalid per the XDG spec: ignored */
    assert_int_equal(keys_default_path(&path, &e), 0);
    assert_string_equal(buf_str(&path), at("home/.config/promote/key"));
    buf_release(&path);
    unsetenv("XDG_CONFIG_HOME");
    gen_ok(NULL, 0, id);
    assert_int_equal(mode_of(at("home/.config")), 0700);
    assert_int_equal(mode_of(at("home/.config/promote")), 0700);
    assert_int_equal(mode_of(at("home/.config/promote/key")), 0600);
    k = load_ok(NULL);
    assert_string_equal(k->id, id);
    keys_free(k);

    unsetenv("HOME");
    assert_int_equal(keys_default_path(&path, &e), -1);
    assert_int_equal(e.code, EXIT_USAGE);
    assert_int_equal(keys_generate(NULL, 0, id, &e), -1);
    assert_int_equal(e.code, EXIT_USAGE);
    has(e.msg, "--out");
    assert_int_equal(keys_load(&k, NULL, &e), -1);
    assert_null(k);
    assert_int_equal(e.code, EXIT_USAGE);
    has(e.msg, "cannot find the signing key");
}

static void
test_generate_unencrypted(void **state)
{
    char id[KEYS_ID_HEX + 1];
    unsigned char rec[256], sum[16];
    struct key *k;
    size_t i;

    (void)state;
    unsetenv("PROMOTE_KEY_PASSPHRASE"); /* not needed, not asked */
    gen_ok(at("ci.key"), 0, id);
    assert_int_equal(mode_of(at("ci.key")), 0600);
    assert_int_equal(record_of(at("ci.key"), rec, sizeof(rec)), REC_LEN);
    assert_int_equal(rec[6], 0);
    assert_int_equal(rec[7], 0);
    for (i = 16; i < 72; i++)
        assert_int_equal(rec[i], 0);
    crypto_generichash(sum, sizeof(sum), rec, 104, NULL, 0);
    assert_memory_equal(rec + 104, sum, 16);
    k = load_ok(at("ci.key"));
    assert_string_equal(k->id, id);
    assert_memory_equal(rec + 72, k->sk, 32); /* only the seed is stored */
    sign_roundtrip(k, at("ci.key.pub"));
    keys_free(k);
}

static void
test_rfc8032_vector(void **state)
{
    unsigned char seed[32], pk[32], sig[64], want_sig[64];
    struct err e = ERR_INIT;
    struct key *k = NULL;
    char id[KEYS_ID_HEX + 1];

    (void)state;
    hex2bin(seed, 32, rfc_seed);
    hex2bin(pk, 32, rfc_pk);
    hex2bin(want_sig, 64, rfc_sig_empty);
    assert_int_equal(keys_from_seed(&k, seed, &e), 0);
    assert_memory_equal(k->pk, pk, 32);
    assert_memory_equal(k->sk, seed, 32);
    assert_string_equal(k->id, "21fe31dfa154a261"); /* hashlib.sha256(pk).hexdigest()[:16] */
    keys_id(id, pk);
    assert_string_equal(id, "21fe31dfa154a261");
    assert_int_equal(crypto_sign_detached(sig, NULL, (const unsigned char *)"", 0, k->sk), 0);
    assert_memory_equal(sig, want_sig, 64);
    keys_free(k);
    keys_free(NULL);
}

static void
test_pem(void **state)
{
    static const char want[] = "-----BEGIN PUBLIC KEY-----\n"
                               "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
                               "-----END PUBLIC KEY-----\n";
    unsigned char pk[32];
    struct buf pem = BUF_INIT;
    char cmd[1400], text[4096], hex[128], *p;
    unsigned char got[32];
    size_t n = 0;

    (void)state;
    hex2bin(pk, 32, rfc_pk);
    assert_int_equal(keys_pem(&pem, pk), 0);
    assert_string_equal(buf_str(&pem), want); /* as `openssl pkey -pubin -outform PEM` wrote it */
    write_file(at("k.pem"), pem.ptr, pem.len, 0644);
    buf_release(&pem);

    if (system("openssl version >/dev/null 2>&1") != 0) {
        skip();
        return;
    }
    snprintf(cmd, sizeof(cmd), "openssl pkey -pubin -in '%s' -noout -text > '%s' 2>&1", at("k.pem"),
             at("k.txt"));
    assert_int_equal(system(cmd), 0);
    read_all(at("k.txt"), text, sizeof(text));
    has(text, "ED25519 Public-Key");
    /* "pub:\n    d7:5a:...\n    ...": the hex digits after "pub:" */
    p = strstr(text, "pub:");
    assert_non_null(p);
    for (p += 4; *p && n < sizeof(hex) - 1; p++)
        if (strchr("0123456789abcdef", *p))
            hex[n++] = *p;
    hex[n] = '\0';
    n = 0;
    assert_int_equal(sodium_hex2bin(got, sizeof(got), hex, strlen(hex), NULL, &n, NULL), 0);
    assert_int_equal(n, 32);
    assert_memory_equal(got, pk, 32);
}

static void
test_pk_base64(void **state)
{
    unsigned char pk[32], got[32];
    char b64[KEYS_PK_BASE64_SIZE], small[KEYS_PK_BASE64_SIZE - 1];
    static const char *bad[] = {
        "",
        "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHUQ==", /* 31 bytes */
        "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURoA", /* 33 bytes */
        "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURoAAA==",
        "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMl-wIaaPcHURo=", /* both alphabets */
        " 11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
        "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n",
        "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo*",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    };
    size_t i;

    (void)state;
    hex2bin(pk, 32, rfc_pk);
    assert_int_equal(keys_pk_base64(b64, sizeof(b64), pk), 0);
    assert_string_equal(b64, "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    assert_int_equal(keys_pk_base64(small, sizeof(small), pk), -1);
    assert_int_equal(keys_pk_from_base64(got, "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="), 0);
    assert_memory_equal(got, pk, 32);
    memset(got, 0, 32);
    assert_int_equal(keys_pk_from_base64(got, "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo="), 0);
    assert_memory_equal(got, pk, 32);
    memset(got, 0, 32);
    assert_int_equal(keys_pk_from_base64(got, "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"), 0);
    assert_memory_equal(got, pk, 32);
    memset(got, 0, 32);
    assert_int_equal(keys_pk_from_base64(got, "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo"), 0);
    assert_memory_equal(got, pk, 32);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (keys_pk_from_base64(got, bad[i]) != -1)
            fail_msg("accepted '%s'", bad[i]);
    assert_int_equal(keys_pk_from_base64(got, NULL), -1);
}

static void
test_wrong_passphrase(void **state)
{
    char id[KEYS_ID_HEX + 1];
    unsigned char pk[32];
    struct err e = ERR_INIT;

    (void)state;
    gen_ok(at("k"), 1, id);
    setenv("PROMOTE_KEY_PASSPHRASE", "correct horse battery stapler", 1);
    load_fails(at("k"), at("k"), "wrong passphrase");
    assert_int_equal(keys_file_public(pk, id, at("k"), &e), -1);
    assert_int_equal(e.code, EXIT_USAGE);
    has(e.msg, "wrong passphrase");
    hasnt(e.msg, "stapler");
    setenv("PROMOTE_KEY_PASSPHRASE", "", 1);
    load_fails(at("k"), at("k"), "PROMOTE_KEY_PASSPHRASE is empty");
    assert_int_equal(keys_generate(at("k2"), 1, id, &e), -1);
    assert_int_equal(e.code, EXIT_USAGE);
    has(e.msg, "PROMOTE_KEY_PASSPHRASE is empty");
    assert_int_equal(access(at("k2"), F_OK), -1);
    /* the public key needs no passphrase */
    assert_int_equal(keys_file_public(pk, id, at("k.pub"), &e), 0);
}

/* Every one-character change of an unencrypted key's base64 is caught. */
static void
test_corrupted_unencrypted(void **state)
{
    char id[KEYS_ID_HEX + 1], text[1024], bad[1024];
    unsigned char rec[256], sum[16];
    size_t off, len, i, n;
    struct key *k;

    (void)state;
    gen_ok(at("k"), 0, id);
    n = read_all(at("k"), text, sizeof(text));
    key_line(text, &off, &len);
    assert_int_equal(len, 160);
    for (i = off; i < off + len; i++) {
        memcpy(bad, text, n);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        write_file(at("bad"), bad, n, 0600);
        load_fails(at("bad"), at("bad"), NULL);
        bad[i] = '*';
        write_file(at("bad"), bad, n, 0600);
        load_fails(at("bad"), at("bad"), "invalid base64");
    }
    memcpy(bad, text, n);
    bad[off + 100] = bad[off + 100] == 'A' ? 'B' : 'A'; /* in the seed: still base64 */
    write_file(at("bad"), bad, n, 0600);
    load_fails(at("bad"), at("bad"), "checksum mismatch");

    /* truncated: to the comment line, mid-record, in the middle of a quantum */
    write_file(at("bad"), text, off, 0600);
    load_fails(at("bad"), at("bad"), "truncated");
    write_file(at("bad"), text, off + 80, 0600);
    load_fails(at("bad"), at("bad"), "truncated (60 of 120 bytes)");
    write_file(at("bad"), text, off + 157, 0600);
    load_fails(at("bad"), at("bad"), "corrupted key file");
    write_file(at("bad"), text, 20, 0600);
    load_fails(at("bad"), at("bad"), "not a promote key file");
    write_file(at("bad"), "", 0, 0600);
    load_fails(at("bad"), at("bad"), "not a promote key file");
    write_file(at("bad"), text + off, n - off, 0600); /* no comment line */
    load_fails(at("bad"), at("bad"), "not a promote key file");
    memcpy(bad, text, n);
    memcpy(bad + n, "AAAA\n", 6);
    write_file(at("bad"), bad, n + 5, 0600);
    load_fails(at("bad"), at("bad"), "unexpected data after the key");
    memcpy(bad, text, n);
    memcpy(bad + n - 1, "AAAA\n", 6); /* a longer record */
    write_file(at("bad"), bad, n + 4, 0600);
    load_fails(at("bad"), at("bad"), "corrupted key file");

    /* well-formed records that say the wrong thing (checksum recomputed) */
    assert_int_equal(record_of(at("k"), rec, sizeof(rec)), REC_LEN);
    memcpy(rec, "PRSX", 4);
    write_record(at("bad"), rec, REC_LEN);
    load_fails(at("bad"), at("bad"), "bad magic");
    memcpy(rec, "PRSK", 4);
    rec[4] = 2;
    crypto_generichash(sum, sizeof(sum), rec, 104, NULL, 0);
    memcpy(rec + 104, sum, 16);
    write_record(at("bad"), rec, REC_LEN);
    load_fails(at("bad"), at("bad"), "unsupported key file version 2");
    rec[4] = 1;
    rec[5] = 2;
    crypto_generichash(sum, sizeof(sum), rec, 104, NULL, 0);
    memcpy(rec + 104, sum, 16);
    write_record(at("bad"), rec, REC_LEN);
    load_fails(at("bad"), at("bad"), "unsupported key algorithm 2");
    rec[5] = 1;
    rec[8] ^= 1; /* the key id */
    crypto_generichash(sum, sizeof(sum), rec, 104, NULL, 0);
    memcpy(rec + 104, sum, 16);
    write_record(at("bad"), rec, REC_LEN);
    load_fails(at("bad"), at("bad"), "the key id does not match the key");
    rec[8] ^= 1;
    rec[7] = 1; /* a cipher without a kdf */
    crypto_generichash(sum, sizeof(sum), rec, 104, NULL, 0);
    memcpy(rec + 104, sum, 16);
    write_record(at("bad"), rec, REC_LEN);
    load_fails(at("bad"), at("bad"), "unknown kdf 0 with cipher 1");
    rec[7] = 0;
    rec[20] = 1; /* a salt in an unencrypted key */
    crypto_generichash(sum, sizeof(sum), rec, 104, NULL, 0);
    memcpy(rec + 104, sum, 16);
    write_record(at("bad"), rec, REC_LEN);
    load_fails(at("bad"), at("bad"), "corrupted key file");
    rec[20] = 0;
    crypto_generichash(sum, sizeof(sum), rec, 104, NULL, 0);
    memcpy(rec + 104, sum, 16);
    write_record(at("good"), rec, REC_LEN); /* the harness itself writes loadable keys */
    k = load_ok(at("good"));
    assert_string_equal(k->id, id);
    keys_free(k);
}

static void
test_corrupted_encrypted(void **state)
{
    /* base64 characters inside: magic, id, salt, opslimit, memlimit, nonce, sealed
     * seed, tag */
    static const size_t where[] = {1, 12, 30, 44, 55, 80, 110, 150};
    char id[KEYS_ID_HEX + 1], text[1024], bad[1024];
    unsigned char rec[256];
    size_t off, len, i, n;

    (void)state;
    gen_ok(at("k"), 1, id);
    n = read_all(at("k"), text, sizeof(text));
    key_line(text, &off, &len);
    for (i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
        memcpy(bad, text, n);
        bad[off + where[i]] = bad[off + where[i]] == 'A' ? 'B' : 'A';
        write_file(at("bad"), bad, n, 0600);
        load_fails(at("bad"), at("bad"), "corrupted");
    }
    /* limits a key file may not ask for before it is authenticated */
    assert_int_equal(record_of(at("k"), rec, sizeof(rec)), REC_LEN);
    put_u64le(rec + 40, 1ULL << 40);
    write_record(at("bad"), rec, REC_LEN);
    load_fails(at("bad"), at("bad"), "unreasonable kdf limits");
    put_u64le(rec + 40, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
    put_u64le(rec + 32, 0);
    write_record(at("bad"), rec, REC_LEN);
    load_fails(at("bad"), at("bad"), "unreasonable kdf limits");
    put_u64le(rec + 32, crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE + 1);
    write_record(at("bad"), rec, REC_LEN); /* within limits, but the header is authenticated */
    load_fails(at("bad"), at("bad"), "wrong passphrase, or the key file is corrupted");
    put_u64le(rec + 32, crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE);
    rec[6] = 0; /* "unencrypted" now: the checksum does not match */
    rec[7] = 0;
    write_record(at("bad"), rec, REC_LEN);
    load_fails(at("bad"), at("bad"), "corrupted key file");
}

static void
test_file_modes(void **state)
{
    static const mode_t refused[] = {0644, 0640, 0604, 0620, 0602, 0610, 0601, 0660, 0666};
    char id[KEYS_ID_HEX + 1], want[32];
    unsigned char pk[32];
    struct err e = ERR_INIT;
    struct key *k;
    size_t i;

    (void)state;
    gen_ok(at("k"), 0, id);
    for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        assert_int_equal(chmod(at("k"), refused[i]), 0);
        snprintf(want, sizeof(want), "(mode %03o)", (unsigned)refused[i]);
        load_fails(at("k"), at("k"), want);
        load_fails(at("k"), at("k"), "group or others");
        assert_int_equal(keys_file_public(pk, id, at("k"), &e), -1);
        has(e.msg, "group or others");
    }
    assert_int_equal(chmod(at("k"), 0400), 0);
    k = load_ok(at("k"));
    keys_free(k);
    assert_int_equal(chmod(at("k"), 0600), 0);
    k = load_ok(at("k"));
    keys_free(k);
}

static void
test_symlink_and_kind(void **state)
{
    char id[KEYS_ID_HEX + 1], id2[KEYS_ID_HEX + 1];
    unsigned char pk[32];
    struct err e = ERR_INIT;

    (void)state;
    gen_ok(at("k"), 0, id);
    assert_int_equal(symlink(at("k"), at("link")), 0);
    load_fails(at("link"), at("link"), "symbolic link");
    assert_int_equal(keys_file_public(pk, id2, at("link"), &e), -1);
    has(e.msg, "symbolic link");
    /* a public key may be a link */
    assert_int_equal(symlink(at("k.pub"), at("link.pub")), 0);
    assert_int_equal(keys_load_public(pk, id2, at("link.pub"), &e), 0);
    assert_string_equal(id2, id);
    assert_int_equal(keys_file_public(pk, id2, at("link.pub"), &e), 0);

    assert_int_equal(mkdir(at("dir"), 0700), 0);
    load_fails(at("dir"), at("dir"), "not a regular file");
    assert_int_equal(mkfifo(at("fifo"), 0600), 0);
    load_fails(at("fifo"), at("fifo"), "not a regular file"); /* and no hang */
    assert_int_equal(keys_load_public(pk, id2, at("fifo"), &e), -1);
    has(e.msg, "not a regular file");

    /* the wrong kind of key file */
    load_fails(at("k.pub"), at("k.pub"), "a public key file");
    assert_int_equal(keys_load_public(pk, id2, at("k"), &e), -1);
    assert_int_equal(e.code, EXIT_USAGE);
    has(e.msg, "cannot load public key '");
    has(e.msg, "a secret key file");
}

static void
test_not_owned(void **state)
{
    char id[KEYS_ID_HEX + 1];

    (void)state;
    if (geteuid() != 0) {
        skip(); /* only root can give a file away */
        return;
    }
    gen_ok(at("k"), 0, id);
    assert_int_equal(chown(at("k"), 65534, 65534), 0);
    load_fails(at("k"), at("k"), "owned by uid 65534, not by you");
}

static void
test_existing_refused(void **state)
{
    char id[KEYS_ID_HEX + 1], id2[KEYS_ID_HEX + 1], before[1024], after[1024];
    struct err e = ERR_INIT;
    struct key *k;
    FILE *ls;
    char line[256], cmd[700];
    int entries = 0;

    (void)state;
    gen_ok(at("k"), 0, id);
    read_all(at("k"), before, sizeof(before));
    assert_int_equal(keys_generate(at("k"), 0, id2, &e), -1);
    assert_int_equal(e.code, EXIT_USAGE);
    has(e.msg, "cannot create key '");
    has(e.msg, "already exists");
    read_all(at("k"), after, sizeof(after));
    assert_string_equal(before, after);
    k = load_ok(at("k"));
    assert_string_equal(k->id, id);
    keys_free(k);

    write_file(at("only.pub"), "x", 1, 0644); /* an existing .pub is not overwritten either */
    assert_int_equal(keys_generate(at("only"), 0, id2, &e), -1);
    has(e.msg, "only.pub");
    assert_int_equal(access(at("only"), F_OK), -1);
    assert_int_equal(symlink(at("nowhere"), at("dangling")), 0);
    assert_int_equal(keys_generate(at("dangling"), 0, id2, &e), -1);
    has(e.msg, "already exists");
    assert_int_equal(access(at("nowhere"), F_OK), -1);

    /* no temporary files left behind: home, k, k.pub, only.pub, dangling */
    snprintf(cmd, sizeof(cmd), "ls -A '%s'", g_dir);
    ls = popen(cmd, "r");
    assert_non_null(ls);
    while (fgets(line, sizeof(line), ls)) {
        hasnt(line, ".tmp-");
        entries++;
    }
    pclose(ls);
    assert_int_equal(entries, 5);
}

static void
test_signing_key_env(void **state)
{
    char id_plain[KEYS_ID_HEX + 1], id_enc[KEYS_ID_HEX + 1], text[1024];
    struct key *k;

    (void)state;
    gen_ok(at("plain"), 0, id_plain);
    gen_ok(at("enc"), 1, id_enc);
    read_all(at("plain"), text, sizeof(text));
    setenv("PROMOTE_SIGNING_KEY", text, 1);
    k = load_ok(NULL); /* no default file exists: the variable is used */
    assert_string_equal(k->id, id_plain);
    sign_roundtrip(k, at("plain.pub"));
    keys_free(k);
    k = load_ok(at("enc")); /* a file given wins over the variable */
    assert_string_equal(k->id, id_enc);
    keys_free(k);

    read_all(at("enc"), text, sizeof(text));
    setenv("PROMOTE_SIGNING_KEY", text, 1);
    k = load_ok(NULL);
    assert_string_equal(k->id, id_enc);
    keys_free(k);
    setenv("PROMOTE_KEY_PASSPHRASE", "nope", 1);
    load_fails(NULL, "$PROMOTE_SIGNING_KEY", "wrong passphrase");

    text[60] = text[60] == 'A' ? 'B' : 'A';
    setenv("PROMOTE_SIGNING_KEY", text, 1);
    load_fails(NULL, "$PROMOTE_SIGNING_KEY", "corrupted");
    setenv("PROMOTE_SIGNING_KEY", "", 1); /* a CI secret that is not set */
    load_fails(NULL, "$PROMOTE_SIGNING_KEY", "the variable is empty");
    setenv("PROMOTE_SIGNING_KEY", "hello", 1);
    load_fails(NULL, "$PROMOTE_SIGNING_KEY", "not a promote key file");
}

static void
test_missing(void **state)
{
    char id[KEYS_ID_HEX + 1];
    unsigned char pk[32];
    struct err e = ERR_INIT;

    (void)state;
    load_fails(at("nope"), at("nope"), "no such file");
    load_fails(NULL, at("home/.config/promote/key"), "promote keys generate");
    assert_int_equal(keys_load_public(pk, id, at("nope.pub"), &e), -1);
    assert_int_equal(e.code, EXIT_USAGE);
    has(e.msg, "cannot load public key '");
    has(e.msg, "nope.pub': no such file");
    assert_int_equal(keys_file_public(pk, id, at("nope"), &e), -1);
    assert_int_equal(e.code, EXIT_USAGE);
}

static void
test_public_file_corrupted(void **state)
{
    char id[KEYS_ID_HEX + 1];
    unsigned char rec[64], pk[32];
    char b64[128], text[256];
    struct err e = ERR_INIT;
    int n;

    (void)state;
    gen_ok(at("k"), 0, id);
    assert_int_equal(record_of(at("k.pub"), rec, sizeof(rec)), 44);
    rec[20] ^= 1; /* the key no longer matches its id */
    sodium_bin2base64(b64, sizeof(b64), rec, 44, sodium_base64_VARIANT_ORIGINAL);
    n = snprintf(text, sizeof(text), "untrusted comment: promote public key %s\n%s\n", id, b64);
    write_file(at("bad.pub"), text, (size_t)n, 0644);
    assert_int_equal(keys_load_public(pk, id, at("bad.pub"), &e), -1);
    assert_int_equal(e.code, EXIT_USAGE);
    has(e.msg, "the key id does not match the key");
    sodium_bin2base64(b64, sizeof(b64), rec, 40, sodium_base64_VARIANT_ORIGINAL);
    n = snprintf(text, sizeof(text), "untrusted comment: promote public key %s\n%s\n", id, b64);
    write_file(at("bad.pub"), text, (size_t)n, 0644);
    assert_int_equal(keys_load_public(pk, id, at("bad.pub"), &e), -1);
    has(e.msg, "truncated (40 of 44 bytes)");
}

/* Runs first: loading a key lowers RLIMIT_CORE to 0 for good, in this process too. */
static void
test_core_dumps_off(void **state)
{
    unsigned char seed[32] = {0};
    struct err e = ERR_INIT;
    struct key *k = NULL;
    struct rlimit rl;

    (void)state;
    assert_int_equal(getrlimit(RLIMIT_CORE, &rl), 0);
    if (rl.rlim_max == 0) {
        skip(); /* already off for us: nothing to see change */
        return;
    }
    rl.rlim_cur = rl.rlim_max;
    assert_int_equal(setrlimit(RLIMIT_CORE, &rl), 0);
    assert_int_equal(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
    assert_int_equal(keys_from_seed(&k, seed, &e), 0);
    assert_int_equal(getrlimit(RLIMIT_CORE, &rl), 0);
    assert_int_equal(rl.rlim_cur, 0);
    assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
    keys_free(k);
}

/* The loaded key is read-only, and the process cannot dump core while it is loaded. */
static void
test_key_memory(void **state)
{
    unsigned char seed[32];
    struct err e = ERR_INIT;
    struct key *k = NULL;
    struct rlimit rl;
    pid_t pid;
    int status;

    (void)state;
    hex2bin(seed, 32, rfc_seed);
    assert_int_equal(keys_from_seed(&k, seed, &e), 0);
    assert_int_equal(getrlimit(RLIMIT_CORE, &rl), 0);
    assert_int_equal(rl.rlim_cur, 0);
    assert_int_equal(rl.rlim_max, 0);
    assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL); /* not cmocka's handler: it would run on in the child */
        signal(SIGBUS, SIG_DFL);
        ((volatile unsigned char *)k->sk)[0] ^= 1; /* must fault */
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_true(WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS);
    assert_memory_equal(k->sk, seed, 32);
    keys_free(k);
}

static int
group_setup(void **state)
{
    (void)state;
    snprintf(g_root, sizeof(g_root), "/tmp/test_keys.XXXXXX");
    return mkdtemp(g_root) ? 0 : -1;
}

static int
group_teardown(void **state)
{
    char cmd[256];

    (void)state;
    snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s'; rm -rf '%s'", g_root, g_root);
    return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_core_dumps_off, setup),
        cmocka_unit_test_setup(test_generate_encrypted, setup),
        cmocka_unit_test_setup(test_generate_home_default, setup),
        cmocka_unit_test_setup(test_generate_unencrypted, setup),
        cmocka_unit_test_setup(test_rfc8032_vector, setup),
        cmocka_unit_test_setup(test_pem, setup),
        cmocka_unit_test_setup(test_pk_base64, setup),
        cmocka_unit_test_setup(test_wrong_passphrase, setup),
        cmocka_unit_test_setup(test_corrupted_unencrypted, setup),
        cmocka_unit_test_setup(test_corrupted_encrypted, setup),
        cmocka_unit_test_setup(test_file_modes, setup),
        cmocka_unit_test_setup(test_symlink_and_kind, setup),
        cmocka_unit_test_setup(test_not_owned, setup),
        cmocka_unit_test_setup(test_existing_refused, setup),
        cmocka_unit_test_setup(test_signing_key_env, setup),
        cmocka_unit_test_setup(test_missing, setup),
        cmocka_unit_test_setup(test_public_file_corrupted, setup),
        cmocka_unit_test_setup(test_key_memory, setup),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
