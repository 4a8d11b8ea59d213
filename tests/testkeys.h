/* Shared by the unit tests that sign: the fixed test keys, seed FIRST, FIRST+1, ... (mod
 * 256). core/ledger/keys.c is not used: the key id is computed here as hex of the first 8
 * bytes of SHA-256(pk). Include after cmocka.h. */
#ifndef PROMOTE_TESTKEYS_H
#define PROMOTE_TESTKEYS_H

#include <sodium.h>

#include "core/ledger/keys.h"

static void
make_key(struct key *k, unsigned char first)
{
    unsigned char seed[crypto_sign_SEEDBYTES];
    unsigned char h[crypto_hash_sha256_BYTES];
    size_t i;

    for (i = 0; i < sizeof(seed); i++)
        seed[i] = (unsigned char)(first + i);
    assert_int_equal(crypto_sign_seed_keypair(k->pk, k->sk, seed), 0);
    crypto_hash_sha256(h, k->pk, sizeof(k->pk));
    sodium_bin2hex(k->id, sizeof(k->id), h, 8);
}

#endif
