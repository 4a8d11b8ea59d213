/* Ed25519 signing keys (see keys.h).
 *
 * A key file is two lines, like minisign's: an untrusted comment, then the standard
 * base64 (padded, one line) of a fixed binary record. Integers are little-endian.
 *
 * Secret key ("untrusted comment: promote secret key <id>"), 120 bytes:
 *    0  4  magic "PRSK"
 *    4  1  version 1
 *    5  1  algorithm: 1 Ed25519
 *    6  1  kdf: 0 none, 1 Argon2id v1.3 (crypto_pwhash_ALG_ARGON2ID13)
 *    7  1  cipher: 0 none, 1 XChaCha20-Poly1305-IETF; kdf 0 goes with cipher 0 only
 *    8  8  key id: the first 8 bytes of SHA-256(public key)
 *   16 16  kdf salt                      (zero when kdf is 0)
 *   32  8  kdf opslimit                  (zero when kdf is 0)
 *   40  8  kdf memlimit, bytes           (zero when kdf is 0)
 *   48 24  AEAD nonce                    (zero when kdf is 0)
 *   72 32  the Ed25519 seed, encrypted with the key derived from the passphrase and
 *          bytes 0..71 as associated data; in the clear when kdf is 0
 *  104 16  the Poly1305 tag; when kdf is 0, BLAKE2b-128 of bytes 0..103 (a checksum
 *          against corruption only: an unencrypted key is as safe as its store)
 *
 * Public key ("untrusted comment: promote public key <id>"), 44 bytes:
 *    0  4  magic "PRPK"
 *    4  8  key id
 *   12 32  the raw Ed25519 public key
 *
 * Only the seed is stored; the key pair is rebuilt with crypto_sign_seed_keypair and
 * its id compared with the stored one. Secrets (passphrases, derived keys, seeds,
 * an unencrypted key file's text) live in one sodium_malloc'd, locked scratch area
 * and the returned struct key is sodium_malloc'd, locked and made read-only. */
#include "core/ledger/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <termios.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define SK_MAGIC "PRSK"
#define PK_MAGIC "PRPK"
#define MAGIC_LEN 4
#define KEYS_VERSION 1
#define ALG_ED25519 1
#define KDF_NONE 0
#define KDF_ARGON2ID13 1
#define CIPHER_NONE 0
#define CIPHER_XCHACHA20POLY1305 1

#define ID_LEN 8
#define OFF_VERSION 4
#define OFF_ALG 5
#define OFF_KDF 6
#define OFF_CIPHER 7
#define OFF_ID 8
#define OFF_SALT 16
#define OFF_OPS 32
#define OFF_MEM 40
#define OFF_NONCE 48
#define HDR_LEN 72
#define OFF_SEED 72
#define OFF_TAG 104
#define TAG_LEN 16
#define SK_REC_LEN 120
#define PK_OFF_ID 4
#define PK_OFF_KEY 12
#define PK_REC_LEN 44

#define SEED_LEN 32
#define TEXT_MAX 4096 /* a key file is about 210 bytes */
#define PASS_MAX 1024
#define COMMENT "untrusted comment: "

/* The limits written into new keys: moderate, so that tests stay fast. */
#define NEW_OPSLIMIT crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE
#define NEW_MEMLIMIT crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE
/* The most a key file may ask for before it is authenticated. */
#define MAX_OPSLIMIT 16ULL
#define MAX_MEMLIMIT (1ULL << 30)

_Static_assert(crypto_pwhash_argon2id_SALTBYTES == 16, "salt field size");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == 24, "nonce field size");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == TAG_LEN, "tag field size");
_Static_assert(crypto_sign_SEEDBYTES == SEED_LEN, "seed size");
_Static_assert(OFF_SEED + SEED_LEN + TAG_LEN == SK_REC_LEN, "record layout");

enum kind { KIND_SECRET, KIND_PUBLIC };

/* Everything secret that passes through here, in one locked allocation. */
struct scratch {
    char pass[PASS_MAX + 1];
    char pass2[PASS_MAX + 1];
    size_t pass_len;
    int pass_set;
    unsigned char dk[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
    unsigned char seed[SEED_LEN];
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    unsigned char rec[SK_REC_LEN];
    size_t rec_len;
    char text[TEXT_MAX + 1];
    size_t text_len;
};

static int keys_fail(struct err *e, int code, const char *what, const char *label, const char *fmt,
                     ...) __attribute__((format(printf, 5, 6)));

/* "cannot WHAT 'LABEL': REASON" */
static int
keys_fail(struct err *e, int code, const char *what, const char *label, const char *fmt, ...)
{
    char reason[sizeof(e->msg)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    return err_set(e, code, "cannot %s '%s': %s", what, label, reason);
}

static int
scratch_new(struct scratch **out, struct err *e)
{
    struct scratch *s;

    *out = NULL;
    s = sodium_malloc(sizeof(*s));
    if (!s)
        return err_set(e, EXIT_EVAL, "cannot allocate secure memory for the key");
    if (sodium_mlock(s, sizeof(*s)) != 0) {
        sodium_free(s);
        return err_set(e, EXIT_EVAL, "cannot lock memory for the key: %s", strerror(errno));
    }
    sodium_memzero(s, sizeof(*s));
    *out = s;
    return 0;
}

static void
scratch_free(struct scratch *s)
{
    sodium_free(s); /* wipes, unlocks; accepts NULL */
}

/* Nothing of a loaded key may end up in a core dump. */
static int
keys_nodump(struct err *e)
{
    const struct rlimit none = {0, 0};

    if (setrlimit(RLIMIT_CORE, &none) != 0)
        return err_set(e, EXIT_EVAL, "cannot disable core dumps: %s", strerror(errno));
#ifdef __linux__
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        return err_set(e, EXIT_EVAL, "cannot disable core dumps: %s", strerror(errno));
#endif
    return 0;
}

static int
keys_start(struct err *e)
{
    if (sodium_init() < 0)
        return err_set(e, EXIT_EVAL, "cannot initialise libsodium");
    return 0;
}

/* Something is at PATH (a dangling symlink counts); unsure counts too. */
static int
exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0 || errno != ENOENT;
}

static void
put_u64le(unsigned char *p, uint64_t v)
{
    int i;

    for (i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_u64le(const unsigned char *p)
{
    uint64_t v = 0;
    int i;

    for (i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void
raw_id(unsigned char out[ID_LEN], const unsigned char pk[32])
{
    unsigned char h[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(h, pk, 32);
    memcpy(out, h, ID_LEN);
}

void
keys_id(char out[KEYS_ID_HEX + 1], const unsigned char pk[32])
{
    unsigned char id[ID_LEN];

    raw_id(id, pk);
    sodium_bin2hex(out, KEYS_ID_HEX + 1, id, sizeof(id));
}

int
keys_pem(struct buf *out, const unsigned char pk[32])
{
    static const unsigned char spki[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                           0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    unsigned char der[sizeof(spki) + 32];
    char b64[sodium_base64_ENCODED_LEN(sizeof(der), sodium_base64_VARIANT_ORIGINAL)];

    memcpy(der, spki, sizeof(spki));
    memcpy(der + sizeof(spki), pk, 32);
    sodium_bin2base64(b64, sizeof(b64), der, sizeof(der), sodium_base64_VARIANT_ORIGINAL);
    return buf_addf(out, "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n", b64);
}

int
keys_pk_base64(char *out, size_t outsz, const unsigned char pk[32])
{
    if (outsz < KEYS_PK_BASE64_SIZE)
        return -1;
    sodium_bin2base64(out, outsz, pk, 32, sodium_base64_VARIANT_ORIGINAL);
    return 0;
}

int
keys_pk_from_base64(unsigned char pk[32], const char *b64)
{
    static const int variants[] = {
        sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
        sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING};
    unsigned char tmp[32];
    size_t i, n;

    if (!b64)
        return -1;
    for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
        /* No b64_end: the whole string must parse; a longer key overflows tmp. */
        if (sodium_base642bin(tmp, sizeof(tmp), b64, strlen(b64), NULL, &n, NULL, variants[i]) ==
                0 &&
            n == sizeof(tmp)) {
            memcpy(pk, tmp, sizeof(tmp));
            return 0;
        }
    }
    return -1;
}

int
keys_default_path(struct buf *out, struct err *e)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    int rc;

    /* The XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored. */
    if (xdg && xdg[0] == '/')
        rc = buf_addf(out, "%s/promote/key", xdg);
    else if (home && home[0])
        rc = buf_addf(out, "%s/.config/promote/key", home);
    else
        return err_set(e, EXIT_USAGE,
                       "no default key location: neither XDG_CONFIG_HOME nor HOME is set");
    return rc < 0 ? err_set(e, EXIT_EVAL, "out of memory") : 0;
}

/* ---- passphrases ---- */

static volatile sig_atomic_t tty_restore_fd = -1;
static struct termios tty_saved;

/* A signal while echo is off: put the terminal back, then die of the signal
 * (the handler was installed with SA_RESETHAND). */
static void
tty_on_signal(int sig)
{
    if (tty_restore_fd >= 0)
        tcsetattr(tty_restore_fd, TCSAFLUSH, &tty_saved);
    raise(sig);
}

/* Read one line from the terminal without echo into OUT (OUTSZ with its NUL).
 * 1: no terminal; 0: read; -1: error set. */
static int
read_tty(char *out, size_t outsz, size_t *len, const char *prompt, const char *what,
         const char *label, struct err *e)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    struct sigaction sa, old[sizeof(sigs) / sizeof(sigs[0])];
    struct termios quiet;
    size_t i, n = 0;
    int fd, rc = -1, toolong = 0, got_eol = 0;
    ssize_t r;
    char c = 0;

    fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return 1;
    if (tcgetattr(fd, &tty_saved) != 0) {
        close(fd);
        return 1;
    }
    quiet = tty_saved;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    quiet.c_lflag |= ECHONL | ICANON;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = tty_on_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaction(sigs[i], &sa, &old[i]);
    tty_restore_fd = fd;
    if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
        keys_fail(e, EXIT_USAGE, what, label, "cannot turn off echo on the terminal: %s",
                  strerror(errno));
        goto done;
    }
    if (write(fd, prompt, strlen(prompt)) < 0) {
        keys_fail(e, EXIT_USAGE, what, label, "cannot write to the terminal: %s", strerror(errno));
        goto done;
    }
    for (;;) {
        r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (c == '\n') {
            got_eol = 1;
            break;
        }
        if (n + 1 < outsz)
            out[n++] = c;
        else
            toolong = 1;
    }
    sodium_memzero(&c, sizeof(c));
    out[n] = '\0';
    *len = n;
    if (!got_eol && n == 0)
        keys_fail(e, EXIT_USAGE, what, label, "no passphrase given");
    else if (toolong)
        keys_fail(e, EXIT_USAGE, what, label, "the passphrase is longer than %d bytes", PASS_MAX);
    else
        rc = 0;
done:
    tcsetattr(fd, TCSAFLUSH, &tty_saved);
    tty_restore_fd = -1;
    for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaction(sigs[i], &old[i], NULL);
    if (!got_eol && rc == 0)
        (void)!write(fd, "\n", 1);
    close(fd);
    return rc;
}

/* The passphrase into S->pass: PROMOTE_KEY_PASSPHRASE, else the terminal (twice
 * when CONFIRM). Never from the command line. */
static int
get_passphrase(struct scratch *s, int confirm, const char *what, const char *label, struct err *e)
{
    const char *env = getenv("PROMOTE_KEY_PASSPHRASE");
    char prompt[256];
    size_t len2 = 0;
    int rc;

    if (s->pass_set)
        return 0;
    if (env) {
        s->pass_len = strlen(env);
        if (s->pass_len == 0)
            return keys_fail(e, EXIT_USAGE, what, label, "PROMOTE_KEY_PASSPHRASE is empty");
        if (s->pass_len > PASS_MAX)
            return keys_fail(e, EXIT_USAGE, what, label,
                             "PROMOTE_KEY_PASSPHRASE is longer than %d bytes", PASS_MAX);
        memcpy(s->pass, env, s->pass_len + 1);
        s->pass_set = 1;
        return 0;
    }
    if (confirm)
        snprintf(prompt, sizeof(prompt), "passphrase for the new key: ");
    else
        snprintf(prompt, sizeof(prompt), "passphrase for key '%.200s': ", label);
    rc = read_tty(s->pass, sizeof(s->pass), &s->pass_len, prompt, what, label, e);
    if (rc == 1)
        return keys_fail(e, EXIT_USAGE, what, label,
                         "no passphrase: set PROMOTE_KEY_PASSPHRASE or run on a terminal%s",
                         confirm ? " (or use --unencrypted)" : "");
    if (rc < 0)
        return -1;
    if (s->pass_len == 0)
        return keys_fail(e, EXIT_USAGE, what, label, "empty passphrase%s",
                         confirm ? " (use --unencrypted for a key without one)" : "");
    if (confirm) {
        rc = read_tty(s->pass2, sizeof(s->pass2), &len2, "the same again: ", what, label, e);
        if (rc == 1)
            return keys_fail(e, EXIT_USAGE, what, label, "the terminal went away");
        if (rc < 0)
            return -1;
        if (len2 != s->pass_len || sodium_memcmp(s->pass, s->pass2, len2) != 0) {
            sodium_memzero(s->pass2, sizeof(s->pass2));
            return keys_fail(e, EXIT_USAGE, what, label, "the passphrases do not match");
        }
        sodium_memzero(s->pass2, sizeof(s->pass2));
    }
    s->pass_set = 1;
    return 0;
}

/* ---- reading key files ---- */

/* A secret key file must be a regular file of ours that nobody else can touch. */
static int
check_secret_stat(const struct stat *st, int is_link, const char *label, struct err *e)
{
    if (is_link)
        return keys_fail(e, EXIT_USAGE, "load key", label,
                         "a symbolic link: give the key file itself");
    if (!S_ISREG(st->st_mode))
        return keys_fail(e, EXIT_USAGE, "load key", label, "not a regular file");
    if (st->st_uid != geteuid())
        return keys_fail(e, EXIT_USAGE, "load key", label, "owned by uid %lu, not by you (uid %lu)",
                         (unsigned long)st->st_uid, (unsigned long)geteuid());
    if (st->st_mode & (S_IRWXG | S_IRWXO))
        return keys_fail(e, EXIT_USAGE, "load key", label,
                         "group or others can access it (mode %03o): run chmod 600 on it",
                         (unsigned)(st->st_mode & 0777));
    return 0;
}

/* Read PATH into S->text (locked memory: it may be an unencrypted secret key). It is
 * opened with O_NOFOLLOW: a final symlink is refused unless FOLLOW, and then
 * followed and noted in *IS_LINK (a public key may be a link; check_secret_stat
 * refuses a secret one). */
static int
read_key_file(struct scratch *s, int *is_link, struct stat *st, const char *path, int follow,
              const char *what, struct err *e)
{
    const int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
    size_t n = 0;
    ssize_t r;
    int fd;

    *is_link = 0;
    fd = open(path, flags | O_NOFOLLOW);
    if (fd < 0 && errno == ELOOP) {
        if (!follow)
            return keys_fail(e, EXIT_USAGE, what, path,
                             "a symbolic link: give the key file itself");
        *is_link = 1;
        fd = open(path, flags);
    }
    if (fd < 0) {
        if (errno == ENOENT)
            return keys_fail(e, EXIT_USAGE, what, path, "no such file");
        return keys_fail(e, EXIT_USAGE, what, path, "%s", strerror(errno));
    }
    if (fstat(fd, st) != 0) {
        keys_fail(e, EXIT_USAGE, what, path, "%s", strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st->st_mode)) {
        keys_fail(e, EXIT_USAGE, what, path, "not a regular file");
        goto fail;
    }
    for (;;) {
        r = read(fd, s->text + n, sizeof(s->text) - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            keys_fail(e, EXIT_USAGE, what, path, "%s", strerror(errno));
            goto fail;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n == sizeof(s->text)) {
            keys_fail(e, EXIT_USAGE, what, path, "too large for a key file");
            goto fail;
        }
    }
    close(fd);
    s->text[n] = '\0';
    s->text_len = n;
    return 0;
fail:
    close(fd);
    return -1;
}

static int
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* S->text → S->rec: a comment line, then one line of base64 (and nothing but
 * white space after it). */
static int
decode_text(struct scratch *s, enum kind *kind, const char *what, const char *label, struct err *e)
{
    const char *p = s->text, *end = s->text + s->text_len, *nl, *line, *b64_end;
    size_t len, want, clen = strlen(COMMENT);

    nl = memchr(p, '\n', s->text_len);
    if (!nl || (size_t)(nl - p) < clen || memcmp(p, COMMENT, clen) != 0)
        return keys_fail(e, EXIT_USAGE, what, label,
                         "not a promote key file: no 'untrusted comment:' line");
    line = nl + 1;
    nl = memchr(line, '\n', (size_t)(end - line));
    len = (size_t)((nl ? nl : end) - line);
    if (len && line[len - 1] == '\r')
        len--;
    for (p = nl ? nl + 1 : end; p < end; p++)
        if (!is_blank(*p))
            return keys_fail(e, EXIT_USAGE, what, label,
                             "corrupted key file: unexpected data after the key");
    errno = 0;
    if (len == 0)
        return keys_fail(e, EXIT_USAGE, what, label, "corrupted key file: truncated: no key line");
    if (sodium_base642bin(s->rec, sizeof(s->rec), line, len, NULL, &s->rec_len, &b64_end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        b64_end != line + len) {
        if (errno == ERANGE)
            return keys_fail(e, EXIT_USAGE, what, label,
                             "corrupted key file: the key record is too long");
        return keys_fail(e, EXIT_USAGE, what, label, "corrupted key file: invalid base64");
    }
    if (s->rec_len < MAGIC_LEN)
        return keys_fail(e, EXIT_USAGE, what, label, "corrupted key file: truncated");
    if (memcmp(s->rec, SK_MAGIC, MAGIC_LEN) == 0) {
        *kind = KIND_SECRET;
        want = SK_REC_LEN;
    } else if (memcmp(s->rec, PK_MAGIC, MAGIC_LEN) == 0) {
        *kind = KIND_PUBLIC;
        want = PK_REC_LEN;
    } else {
        return keys_fail(e, EXIT_USAGE, what, label,
                         "corrupted key file: not a promote key (bad magic)");
    }
    if (s->rec_len < want)
        return keys_fail(e, EXIT_USAGE, what, label,
                         "corrupted key file: truncated (%zu of %zu bytes)", s->rec_len, want);
    if (s->rec_len > want)
        return keys_fail(e, EXIT_USAGE, what, label,
                         "corrupted key file: %zu bytes where %zu belong", s->rec_len, want);
    return 0;
}

static int
derive(struct scratch *s, const unsigned char *rec, const char *what, const char *label,
       struct err *e)
{
    if (crypto_pwhash(s->dk, sizeof(s->dk), s->pass, s->pass_len, rec + OFF_SALT,
                      (unsigned long long)get_u64le(rec + OFF_OPS),
                      (size_t)get_u64le(rec + OFF_MEM), crypto_pwhash_ALG_ARGON2ID13) != 0)
        return keys_fail(e, EXIT_EVAL, what, label,
                         "cannot derive the key from the passphrase (out of memory?)");
    return 0;
}

/* S->rec (a secret key record) → S->seed, S->pk, S->sk; the passphrase is asked
 * for only when the key is encrypted. */
static int
open_secret(struct scratch *s, const char *what, const char *label, struct err *e)
{
    const unsigned char *rec = s->rec;
    unsigned char sum[TAG_LEN], id[ID_LEN];
    unsigned long long mlen = 0, ops, mem;
    size_t i;

    if (rec[OFF_VERSION] != KEYS_VERSION)
        return keys_fail(e, EXIT_USAGE, what, label, "unsupported key file version %u",
                         (unsigned)rec[OFF_VERSION]);
    if (rec[OFF_ALG] != ALG_ED25519)
        return keys_fail(e, EXIT_USAGE, what, label, "unsupported key algorithm %u",
                         (unsigned)rec[OFF_ALG]);
    if (rec[OFF_KDF] == KDF_NONE && rec[OFF_CIPHER] == CIPHER_NONE) {
        for (i = OFF_SALT; i < HDR_LEN; i++)
            if (rec[i] != 0)
                return keys_fail(e, EXIT_USAGE, what, label,
                                 "corrupted key file: kdf fields set in an unencrypted key");
        crypto_generichash(sum, sizeof(sum), rec, OFF_TAG, NULL, 0);
        if (sodium_memcmp(sum, rec + OFF_TAG, TAG_LEN) != 0)
            return keys_fail(e, EXIT_USAGE, what, label, "corrupted key file: checksum mismatch");
        memcpy(s->seed, rec + OFF_SEED, SEED_LEN);
    } else if (rec[OFF_KDF] == KDF_ARGON2ID13 && rec[OFF_CIPHER] == CIPHER_XCHACHA20POLY1305) {
        ops = get_u64le(rec + OFF_OPS);
        mem = get_u64le(rec + OFF_MEM);
        /* Unauthenticated until the tag checks: bound what they may cost. */
        if (ops < crypto_pwhash_argon2id_OPSLIMIT_MIN || ops > MAX_OPSLIMIT ||
            mem < crypto_pwhash_argon2id_MEMLIMIT_MIN || mem > MAX_MEMLIMIT)
            return keys_fail(e, EXIT_USAGE, what, label,
                             "corrupted key file: unreasonable kdf limits");
        if (get_passphrase(s, 0, what, label, e) < 0 || derive(s, rec, what, label, e) < 0)
            return -1;
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(s->seed, &mlen, NULL, rec + OFF_SEED,
                                                       SEED_LEN + TAG_LEN, rec, HDR_LEN,
                                                       rec + OFF_NONCE, s->dk) != 0 ||
            mlen != SEED_LEN) {
            sodium_memzero(s->dk, sizeof(s->dk));
            return keys_fail(e, EXIT_USAGE, what, label,
                             "wrong passphrase, or the key file is corrupted");
        }
        sodium_memzero(s->dk, sizeof(s->dk));
    } else {
        return keys_fail(e, EXIT_USAGE, what, label,
                         "corrupted key file: unknown kdf %u with cipher %u",
                         (unsigned)rec[OFF_KDF], (unsigned)rec[OFF_CIPHER]);
    }
    crypto_sign_seed_keypair(s->pk, s->sk, s->seed);
    raw_id(id, s->pk);
    if (memcmp(id, rec + OFF_ID, ID_LEN) != 0)
        return keys_fail(e, EXIT_USAGE, what, label,
                         "corrupted key file: the key id does not match the key");
    return 0;
}

static int
open_public(unsigned char pk[32], char id[KEYS_ID_HEX + 1], const unsigned char *rec,
            const char *what, const char *label, struct err *e)
{
    unsigned char want[ID_LEN];

    raw_id(want, rec + PK_OFF_KEY);
    if (memcmp(want, rec + PK_OFF_ID, ID_LEN) != 0)
        return keys_fail(e, EXIT_USAGE, what, label,
                         "corrupted key file: the key id does not match the key");
    memcpy(pk, rec + PK_OFF_KEY, 32);
    keys_id(id, pk);
    return 0;
}

/* ---- keys in memory ---- */

static int
key_new(struct key **out, const unsigned char seed[SEED_LEN], struct err *e)
{
    struct key *k;

    *out = NULL;
    k = sodium_malloc(sizeof(*k));
    if (!k)
        return err_set(e, EXIT_EVAL, "cannot allocate secure memory for the key");
    if (sodium_mlock(k, sizeof(*k)) != 0) {
        sodium_free(k);
        return err_set(e, EXIT_EVAL, "cannot lock the key in memory: %s", strerror(errno));
    }
    crypto_sign_seed_keypair(k->pk, k->sk, seed);
    keys_id(k->id, k->pk);
    sodium_mprotect_readonly(k);
    *out = k;
    return 0;
}

void
keys_free(struct key *k)
{
    sodium_free(k); /* makes it writable, wipes, unlocks; accepts NULL */
}

int
keys_from_seed(struct key **out, const unsigned char seed[32], struct err *e)
{
    *out = NULL;
    if (keys_start(e) < 0 || keys_nodump(e) < 0)
        return -1;
    return key_new(out, seed, e);
}

int
keys_load(struct key **out, const char *file, struct err *e)
{
    struct buf def = BUF_INIT;
    struct scratch *s = NULL;
    const char *env, *label;
    struct stat st;
    enum kind kind;
    int is_link = 0, from_file = 1, rc = -1;

    *out = NULL;
    if (keys_start(e) < 0 || keys_nodump(e) < 0 || scratch_new(&s, e) < 0)
        return -1;
    env = getenv("PROMOTE_SIGNING_KEY");
    if (file) {
        label = file;
        if (read_key_file(s, &is_link, &st, file, 0, "load key", e) < 0)
            goto done;
    } else if (env) {
        label = "$PROMOTE_SIGNING_KEY";
        from_file = 0;
        s->text_len = strlen(env);
        if (s->text_len == 0) {
            keys_fail(e, EXIT_USAGE, "load key", label, "the variable is empty");
            goto done;
        }
        if (s->text_len > TEXT_MAX) {
            keys_fail(e, EXIT_USAGE, "load key", label, "too large for a key file");
            goto done;
        }
        memcpy(s->text, env, s->text_len + 1);
    } else {
        if (keys_default_path(&def, e) < 0) {
            err_prefix(e, "cannot find the signing key (give a key file or set "
                          "PROMOTE_SIGNING_KEY)");
            goto done;
        }
        label = def.ptr;
        if (read_key_file(s, &is_link, &st, label, 0, "load key", e) < 0) {
            if (!exists(label))
                keys_fail(e, EXIT_USAGE, "load key", label,
                          "no such file (create one with 'promote keys generate')");
            goto done;
        }
    }
    if (decode_text(s, &kind, "load key", label, e) < 0)
        goto done;
    if (kind != KIND_SECRET) {
        keys_fail(e, EXIT_USAGE, "load key", label,
                  "a public key file, where the secret key belongs");
        goto done;
    }
    if (from_file && check_secret_stat(&st, is_link, label, e) < 0)
        goto done;
    if (open_secret(s, "load key", label, e) < 0 || key_new(out, s->seed, e) < 0)
        goto done;
    rc = 0;
done:
    scratch_free(s);
    buf_release(&def);
    return rc;
}

int
keys_load_public(unsigned char pk[32], char id[KEYS_ID_HEX + 1], const char *path, struct err *e)
{
    struct scratch *s = NULL;
    struct stat st;
    enum kind kind;
    int is_link, rc = -1;

    if (keys_start(e) < 0 || scratch_new(&s, e) < 0)
        return -1;
    if (read_key_file(s, &is_link, &st, path, 1, "load public key", e) < 0 ||
        decode_text(s, &kind, "load public key", path, e) < 0)
        goto done;
    if (kind != KIND_PUBLIC) {
        keys_fail(e, EXIT_USAGE, "load public key", path, "a secret key file: give its .pub file");
        goto done;
    }
    rc = open_public(pk, id, s->rec, "load public key", path, e);
done:
    scratch_free(s);
    return rc;
}

int
keys_file_public(unsigned char pk[32], char id[KEYS_ID_HEX + 1], const char *path, struct err *e)
{
    struct scratch *s = NULL;
    struct stat st;
    enum kind kind;
    int is_link, rc = -1;

    if (keys_start(e) < 0 || scratch_new(&s, e) < 0)
        return -1;
    if (read_key_file(s, &is_link, &st, path, 1, "load key", e) < 0 ||
        decode_text(s, &kind, "load key", path, e) < 0)
        goto done;
    if (kind == KIND_PUBLIC) {
        rc = open_public(pk, id, s->rec, "load key", path, e);
        goto done;
    }
    if (keys_nodump(e) < 0 || check_secret_stat(&st, is_link, path, e) < 0 ||
        open_secret(s, "load key", path, e) < 0)
        goto done;
    memcpy(pk, s->pk, 32);
    keys_id(id, pk);
    rc = 0;
done:
    scratch_free(s);
    return rc;
}

/* ---- writing key files ---- */

/* Fill S->rec from S->seed and S->pk: encrypted under S->pass when ENCRYPT. */
static int
build_secret(struct scratch *s, int encrypt, const char *label, struct err *e)
{
    unsigned char *rec = s->rec;
    unsigned long long clen = 0;

    memset(rec, 0, SK_REC_LEN);
    memcpy(rec, SK_MAGIC, MAGIC_LEN);
    rec[OFF_VERSION] = KEYS_VERSION;
    rec[OFF_ALG] = ALG_ED25519;
    raw_id(rec + OFF_ID, s->pk);
    if (!encrypt) {
        rec[OFF_KDF] = KDF_NONE;
        rec[OFF_CIPHER] = CIPHER_NONE;
        memcpy(rec + OFF_SEED, s->seed, SEED_LEN);
        crypto_generichash(rec + OFF_TAG, TAG_LEN, rec, OFF_TAG, NULL, 0);
    } else {
        rec[OFF_KDF] = KDF_ARGON2ID13;
        rec[OFF_CIPHER] = CIPHER_XCHACHA20POLY1305;
        randombytes_buf(rec + OFF_SALT, crypto_pwhash_argon2id_SALTBYTES);
        put_u64le(rec + OFF_OPS, NEW_OPSLIMIT);
        put_u64le(rec + OFF_MEM, NEW_MEMLIMIT);
        randombytes_buf(rec + OFF_NONCE, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
        if (derive(s, rec, "create key", label, e) < 0)
            return -1;
        crypto_aead_xchacha20poly1305_ietf_encrypt(rec + OFF_SEED, &clen, s->seed, SEED_LEN, rec,
                                                   HDR_LEN, NULL, rec + OFF_NONCE, s->dk);
        sodium_memzero(s->dk, sizeof(s->dk));
    }
    s->rec_len = SK_REC_LEN;
    return 0;
}

/* "untrusted comment: promote <what> key <id>\n<base64>\n" into OUT (OUTSZ). */
static size_t
key_text(char *out, size_t outsz, const char *what, const char *id, const unsigned char *rec,
         size_t len)
{
    int n = snprintf(out, outsz, COMMENT "promote %s key %s\n", what, id);
    size_t used;

    if (n < 0 || (size_t)n >= outsz ||
        outsz - (size_t)n < sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL) + 1)
        return 0;
    used = (size_t)n;
    sodium_bin2base64(out + used, outsz - used, rec, len, sodium_base64_VARIANT_ORIGINAL);
    used += strlen(out + used);
    out[used++] = '\n';
    out[used] = '\0';
    return used;
}

/* Write DATA to a new temporary file beside PATH (O_EXCL, O_NOFOLLOW, MODE),
 * fsynced; its name goes to TMP. */
static int
write_temp(struct buf *tmp, const char *path, mode_t mode, const char *data, size_t len,
           struct err *e)
{
    unsigned char rnd[8];
    char hex[sizeof(rnd) * 2 + 1];
    size_t off = 0;
    ssize_t r;
    int fd = -1, tries;

    for (tries = 0; fd < 0 && tries < 8; tries++) {
        randombytes_buf(rnd, sizeof(rnd));
        sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
        tmp->len = 0;
        if (buf_addf(tmp, "%s.tmp-%s", path, hex) < 0)
            return err_set(e, EXIT_EVAL, "out of memory");
        fd = open(tmp->ptr, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        keys_fail(e, EXIT_EVAL, "create key", path, "cannot create '%s': %s", tmp->ptr,
                  strerror(errno));
        buf_release(tmp);
        return -1;
    }
    if (mode == 0600 && fchmod(fd, mode) != 0)
        goto fail;
    while (off < len) {
        r = write(fd, data + off, len - off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            goto fail;
        off += (size_t)r;
    }
    if (fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    return 0;
fail:
    keys_fail(e, EXIT_EVAL, "create key", path, "cannot write '%s': %s", tmp->ptr, strerror(errno));
    if (fd >= 0)
        close(fd);
    unlink(tmp->ptr);
    buf_release(tmp);
    return -1;
}

/* Move TMP into place as PATH, never over an existing file: link(2) fails with
 * EEXIST where rename(2) would replace. Where hard links are not supported, rename
 * after one more look. */
static int
place(const char *tmp, const char *path, struct err *e)
{
    int why;

    if (link(tmp, path) == 0)
        return 0;
    why = errno;
    if (why == EPERM || why == ENOTSUP || why == EOPNOTSUPP || why == EMLINK || why == ENOSYS) {
        if (exists(path))
            why = EEXIST;
        else if (rename(tmp, path) == 0)
            return 0;
        else
            why = errno;
    }
    if (why == EEXIST)
        return keys_fail(e, EXIT_USAGE, "create key", path, "the file already exists");
    return keys_fail(e, EXIT_EVAL, "create key", path, "%s", strerror(why));
}

static int
sync_dir(const char *path, struct err *e)
{
    struct buf dir = BUF_INIT;
    const char *slash = strrchr(path, '/');
    int fd, rc = 0;

    if (!slash)
        rc = buf_adds(&dir, ".");
    else if (slash == path)
        rc = buf_adds(&dir, "/");
    else
        rc = buf_add(&dir, path, (size_t)(slash - path));
    if (rc < 0)
        return err_set(e, EXIT_EVAL, "out of memory");
    fd = open(dir.ptr, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL)) {
        rc = keys_fail(e, EXIT_EVAL, "create key", path, "cannot sync '%s': %s", dir.ptr,
                       strerror(errno));
    }
    if (fd >= 0)
        close(fd);
    buf_release(&dir);
    return rc;
}

/* Create the default key's directory (and the config directory above it) 0700. */
static int
make_default_dirs(const char *path, struct err *e)
{
    struct buf dir = BUF_INIT;
    char *slash;
    int rc = 0;

    if (buf_adds(&dir, path) < 0)
        return err_set(e, EXIT_EVAL, "out of memory");
    slash = strrchr(dir.ptr, '/'); /* .../promote/key → .../promote */
    if (slash)
        *slash = '\0';
    slash = strrchr(dir.ptr, '/'); /* .../promote → the config directory */
    if (slash && slash != dir.ptr) {
        *slash = '\0';
        if (mkdir(dir.ptr, 0700) != 0 && errno != EEXIST)
            rc = keys_fail(e, EXIT_EVAL, "create key", path, "cannot create '%s': %s", dir.ptr,
                           strerror(errno));
        *slash = '/';
    }
    if (rc == 0 && mkdir(dir.ptr, 0700) != 0 && errno != EEXIST)
        rc = keys_fail(e, EXIT_EVAL, "create key", path, "cannot create '%s': %s", dir.ptr,
                       strerror(errno));
    buf_release(&dir);
    return rc;
}

int
keys_generate(const char *path, int encrypt, char id_out[KEYS_ID_HEX + 1], struct err *e)
{
    struct buf def = BUF_INIT, pub_path = BUF_INIT, tmp_sk = BUF_INIT, tmp_pk = BUF_INIT;
    struct scratch *s = NULL;
    unsigned char pk[32], pub_rec[PK_REC_LEN];
    char id[KEYS_ID_HEX + 1];
    char pub_text[256];
    size_t pub_len;
    enum kind kind;
    int rc = -1, sk_placed = 0, pk_placed = 0;

    if (keys_start(e) < 0 || keys_nodump(e) < 0)
        return -1;
    if (!path) {
        if (keys_default_path(&def, e) < 0) {
            err_prefix(e, "cannot choose where to write the key (give --out)");
            return -1;
        }
        path = def.ptr;
    }
    if (buf_addf(&pub_path, "%s.pub", path) < 0) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    if (exists(path) || exists(pub_path.ptr)) {
        keys_fail(e, EXIT_USAGE, "create key", exists(path) ? path : pub_path.ptr,
                  "the file already exists");
        goto done;
    }
    if (def.ptr && make_default_dirs(path, e) < 0)
        goto done;
    if (scratch_new(&s, e) < 0)
        goto done;
    if (encrypt && get_passphrase(s, 1, "create key", path, e) < 0)
        goto done;

    crypto_sign_keypair(s->pk, s->sk);
    crypto_sign_ed25519_sk_to_seed(s->seed, s->sk);
    memcpy(pk, s->pk, sizeof(pk));
    keys_id(id, pk);
    if (build_secret(s, encrypt, path, e) < 0)
        goto done;
    s->text_len = key_text(s->text, sizeof(s->text), "secret", id, s->rec, SK_REC_LEN);
    memcpy(pub_rec, PK_MAGIC, MAGIC_LEN);
    raw_id(pub_rec + PK_OFF_ID, pk);
    memcpy(pub_rec + PK_OFF_KEY, pk, 32);
    pub_len = key_text(pub_text, sizeof(pub_text), "public", id, pub_rec, PK_REC_LEN);
    if (s->text_len == 0 || pub_len == 0) {
        err_set(e, EXIT_EVAL, "key text buffer too small");
        goto done;
    }

    /* Self-check: the text about to be written opens to the same key pair. */
    sodium_memzero(s->seed, sizeof(s->seed));
    sodium_memzero(s->sk, sizeof(s->sk));
    if (decode_text(s, &kind, "create key", path, e) < 0 || kind != KIND_SECRET ||
        open_secret(s, "create key", path, e) < 0 || memcmp(s->pk, pk, sizeof(pk)) != 0) {
        if (!e->code)
            err_set(e, EXIT_EVAL, "cannot create key '%s': the new key does not read back", path);
        goto done;
    }

    if (write_temp(&tmp_sk, path, 0600, s->text, s->text_len, e) < 0 ||
        write_temp(&tmp_pk, pub_path.ptr, 0644, pub_text, pub_len, e) < 0)
        goto done;
    if (place(tmp_sk.ptr, path, e) < 0)
        goto done;
    sk_placed = 1;
    if (place(tmp_pk.ptr, pub_path.ptr, e) < 0)
        goto done;
    pk_placed = 1;
    if (sync_dir(path, e) < 0)
        goto done;
    memcpy(id_out, id, sizeof(id));
    rc = 0;
done:
    if (tmp_sk.ptr)
        unlink(tmp_sk.ptr);
    if (tmp_pk.ptr)
        unlink(tmp_pk.ptr);
    if (rc < 0 && sk_placed)
        unlink(path);
    if (rc < 0 && pk_placed)
        unlink(pub_path.ptr);
    scratch_free(s);
    buf_release(&def);
    buf_release(&pub_path);
    buf_release(&tmp_sk);
    buf_release(&tmp_pk);
    return rc;
}
