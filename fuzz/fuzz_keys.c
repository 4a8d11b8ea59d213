/* Key files: the input is read as a secret key file (keys_load, from a file and from
 * $PROMOTE_SIGNING_KEY), as a public key file (keys_load_public), as either
 * (keys_file_public), and as the base64 of a raw public key (keys_pk_from_base64).
 *
 * An encrypted key costs one Argon2id run with the limits its file gives, checked before
 * the passphrase is tried but up to 16 passes over 1 GiB by design. Inputs that ask for
 * more than 4 passes over 1 MiB are not decrypted here (they would only measure Argon2);
 * everything before the key derivation is still fuzzed through keys_load_public. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/ledger/keys.h"
#include "fuzz.h"

#define CHEAP_OPS 4ULL
#define CHEAP_MEM (1ULL << 20)

static uint64_t
u64le(const unsigned char *p)
{
    uint64_t v = 0;
    int i;

    for (i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* Would core/ledger/keys.c run Argon2id with costly limits on TEXT? Its second line decoded as
 * keys.c decodes it: a 120-byte "PRSK" record with kdf 1 and cipher 1. */
static int
costly(const char *text, size_t len)
{
    const char *line = memchr(text, '\n', len), *end, *nl;
    unsigned char rec[120];
    size_t n = 0, line_len;

    if (!line)
        return 0;
    line++;
    end = text + len;
    nl = memchr(line, '\n', (size_t)(end - line));
    line_len = (size_t)((nl ? nl : end) - line);
    if (line_len && line[line_len - 1] == '\r')
        line_len--;
    if (sodium_base642bin(rec, sizeof(rec), line, line_len, NULL, &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        n != sizeof(rec) || memcmp(rec, "PRSK", 4) != 0 || rec[6] != 1 || rec[7] != 1)
        return 0;
    return u64le(rec + 32) > CHEAP_OPS || u64le(rec + 40) > CHEAP_MEM;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    const char *path = fuzz_file(data, size);
    unsigned char pk[32];
    char id[KEYS_ID_HEX + 1], *text = fuzz_strndup(data, size);
    struct key *k = NULL;
    struct err e = ERR_INIT;
    int rc;

    fuzz_input(data, size);
    if (!init) {
        /* never the terminal: an encrypted key is opened with this passphrase */
        setenv("PROMOTE_KEY_PASSPHRASE", "fuzz passphrase", 1);
        unsetenv("PROMOTE_SIGNING_KEY");
        init = 1;
    }
    rc = keys_load_public(pk, id, path, &e);
    fuzz_check_err(rc, &e);
    if (rc == 0)
        FUZZ_CHECK(strlen(id) == KEYS_ID_HEX);
    if (!costly((const char *)data, size)) {
        rc = keys_load(&k, path, &e);
        fuzz_check_err(rc, &e);
        FUZZ_CHECK((rc == 0) == (k != NULL));
        keys_free(k);
        k = NULL;
        rc = keys_file_public(pk, id, path, &e);
        fuzz_check_err(rc, &e);
    }
    if (!costly(text, strlen(text))) {
        setenv("PROMOTE_SIGNING_KEY", text, 1);
        rc = keys_load(&k, NULL, &e);
        fuzz_check_err(rc, &e);
        FUZZ_CHECK((rc == 0) == (k != NULL));
        keys_free(k);
        unsetenv("PROMOTE_SIGNING_KEY");
    }
    (void)keys_pk_from_base64(pk, text);
    free(text);
    return 0;
}
