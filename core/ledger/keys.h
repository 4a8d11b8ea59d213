/* Ed25519 signing keys (libsodium): generation, encrypted-at-rest key files,
 * loading with strict file checks, and public keys. Secret bytes live only in
 * sodium_malloc'd, locked memory and are wiped on release. */
#ifndef PROMOTE_KEYS_H
#define PROMOTE_KEYS_H

#include <stddef.h>

#include "core/base/buf.h"
#include "core/base/err.h"

#define KEYS_ID_HEX 16 /* hex of the first 8 bytes of SHA-256(raw public key) */

struct key {
    unsigned char sk[64]; /* crypto_sign_SECRETKEYBYTES: seed || public key */
    unsigned char pk[32];
    char id[KEYS_ID_HEX + 1];
};

/* Where the signing key comes from, in order: FILE (--key), else the content of
 * PROMOTE_SIGNING_KEY, else $XDG_CONFIG_HOME/promote/key (~/.config/promote/key). */
int keys_load(struct key **out, const char *file, struct err *e);
void keys_free(struct key *k);

/* Write a new secret key file PATH (0600, O_EXCL, fsync, rename; refused if it
 * exists) and PATH.pub. ENCRYPT: passphrase from PROMOTE_KEY_PASSPHRASE or asked on
 * the TTY twice without echo. ID_OUT gets the key id.
 * PATH NULL: the default path (keys_default_path), its directory created 0700. */
int keys_generate(const char *path, int encrypt, char id_out[KEYS_ID_HEX + 1], struct err *e);

/* $XDG_CONFIG_HOME/promote/key when XDG_CONFIG_HOME is an absolute path, else
 * $HOME/.config/promote/key; EXIT_USAGE when neither is set. */
int keys_default_path(struct buf *out, struct err *e);

/* A key from a raw 32-byte Ed25519 seed, in locked memory like keys_load's
 * (known-answer tests, and sign.c's tests). */
int keys_from_seed(struct key **out, const unsigned char seed[32], struct err *e);

/* The public key of a key file: a .pub file, or a secret key file (checked as
 * strictly as keys_load does, and decrypted: an encrypted one needs the passphrase). */
int keys_file_public(unsigned char pk[32], char id[KEYS_ID_HEX + 1], const char *path,
                     struct err *e);

/* A public key file (PATH.pub as written by keys_generate). */
int keys_load_public(unsigned char pk[32], char id[KEYS_ID_HEX + 1], const char *path,
                     struct err *e);

/* The key id of a raw public key. */
void keys_id(char out[KEYS_ID_HEX + 1], const unsigned char pk[32]);

/* PEM SubjectPublicKeyInfo of a raw Ed25519 public key (DER prefix
 * 302a300506032b6570032100 || key), with BEGIN/END lines and a final newline. */
int keys_pem(struct buf *out, const unsigned char pk[32]);

/* Base64 (standard) of a raw public key, as the policy's trusted_keys list it.
 * OUTSZ must be at least KEYS_PK_BASE64_SIZE; -1 otherwise. */
#define KEYS_PK_BASE64_SIZE 45 /* 44 characters and a NUL */
int keys_pk_base64(char *out, size_t outsz, const unsigned char pk[32]);
/* Parse standard or URL-safe base64 of a raw 32-byte public key. */
int keys_pk_from_base64(unsigned char pk[32], const char *b64);

#endif
