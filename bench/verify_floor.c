/* The floor for `promote audit verify --full`: a plain libsodium loop over the same
 * envelopes, on one core. Reads the lines `promote audit export` prints (from FILE, or
 * stdin), decodes each DSSE envelope (jansson, sodium_base642bin), builds its PAE
 * ("DSSEv1 <len(type)> <type> <len(body)> <body>", as core/ledger/sign.c does) and calls
 * crypto_sign_verify_detached on it with PUBLIC_KEY (base64 of the raw 32 bytes, as the
 * policy's trusted_keys list it). Every signature must verify (exit 1 otherwise), so
 * the rate is over the work promote does too.
 *
 * usage: bench_verify_floor <public-key-base64> [<file>]
 * Prints the entries, and entries per second of the signature checks alone and of
 * decoding and checking together. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct entry {
    unsigned char sig[crypto_sign_BYTES];
    unsigned char *pae; /* owned */
    size_t pae_len;
};

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Decode one envelope line into OUT: 0, or -1 saying why on stderr. */
static int
decode(struct entry *out, const char *line, size_t len, size_t lineno)
{
    json_t *env = NULL;
    json_error_t je;
    const json_t *sigs;
    const char *p64, *type, *s64;
    unsigned char *body = NULL;
    size_t plen, blen, slen, tlen;
    int hdr, rc = -1;

    memset(out, 0, sizeof(*out));
    env = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    sigs = json_object_get(env, "signatures");
    p64 = json_string_value(json_object_get(env, "payload"));
    type = json_string_value(json_object_get(env, "payloadType"));
    s64 = json_string_value(json_object_get(json_array_get(sigs, 0), "sig"));
    if (!env || !p64 || !type || !s64 || json_array_size(sigs) != 1) {
        fprintf(stderr, "line %zu: not a DSSE envelope with one signature\n", lineno);
        goto done;
    }
    plen = json_string_length(json_object_get(env, "payload"));
    body = malloc(plen / 4 * 3 + 3);
    if (!body ||
        sodium_base642bin(body, plen / 4 * 3 + 3, p64, plen, NULL, &blen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        sodium_base642bin(out->sig, sizeof(out->sig), s64, strlen(s64), NULL, &slen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        slen != crypto_sign_BYTES) {
        fprintf(stderr, "line %zu: payload or signature is not base64 of the right size\n",
                lineno);
        goto done;
    }
    tlen = strlen(type);
    out->pae = malloc(64 + tlen + blen);
    if (!out->pae) {
        fprintf(stderr, "out of memory\n");
        goto done;
    }
    hdr = snprintf((char *)out->pae, 64 + tlen, "DSSEv1 %zu %s %zu ", tlen, type, blen);
    memcpy(out->pae + hdr, body, blen);
    out->pae_len = (size_t)hdr + blen;
    rc = 0;
done:
    if (rc < 0) {
        free(out->pae);
        out->pae = NULL;
    }
    free(body);
    json_decref(env);
    return rc;
}

int
main(int argc, char **argv)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    struct entry *entries = NULL, *grown;
    size_t n = 0, cap = 0, i, pklen, linecap = 0;
    ssize_t got;
    char *line = NULL;
    FILE *in = stdin;
    double t0, t1, t2;
    int rc = 1;

    if (argc < 2 || argc > 3 || strcmp(argv[1], "-h") == 0) {
        fprintf(argc == 2 && strcmp(argv[1], "-h") == 0 ? stdout : stderr,
                "usage: bench_verify_floor <public-key-base64> [<file>]\n");
        return argc == 2 && strcmp(argv[1], "-h") == 0 ? 0 : 2;
    }
    if (sodium_init() < 0)
        return 1;
    if (sodium_base642bin(pk, sizeof(pk), argv[1], strlen(argv[1]), NULL, &pklen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        pklen != sizeof(pk)) {
        fprintf(stderr, "the public key is not base64 of 32 bytes\n");
        return 2;
    }
    if (argc == 3 && !(in = fopen(argv[2], "r"))) {
        perror(argv[2]);
        return 2;
    }

    t0 = now();
    while ((got = getline(&line, &linecap, in)) > 0) {
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            grown = realloc(entries, cap * sizeof(*entries));
            if (!grown) {
                fprintf(stderr, "out of memory\n");
                goto done;
            }
            entries = grown;
        }
        if (decode(&entries[n], line, (size_t)got, n + 1) < 0)
            goto done;
        n++;
    }
    if (ferror(in)) {
        perror("read");
        goto done;
    }
    if (n == 0) {
        fprintf(stderr, "no entries\n");
        goto done;
    }
    t1 = now();
    for (i = 0; i < n; i++) {
        if (crypto_sign_verify_detached(entries[i].sig, entries[i].pae, entries[i].pae_len, pk) !=
            0) {
            fprintf(stderr, "entry %zu: the signature does not verify\n", i + 1);
            goto done;
        }
    }
    t2 = now();
    printf("entries %zu\n", n);
    printf("verify_per_s %.0f\n", (double)n / (t2 - t1));
    printf("decode_and_verify_per_s %.0f\n", (double)n / (t2 - t0));
    rc = fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
done:
    for (i = 0; i < n; i++)
        free(entries[i].pae);
    free(entries);
    free(line);
    if (in != stdin)
        fclose(in);
    return rc;
}
