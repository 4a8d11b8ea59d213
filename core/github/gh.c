/* GitHub REST client over one curl multi handle. */
#include "core/github/gh.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <strings.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/base/buf.h"
#include "core/github/curlso.h"
#include "core/base/sig.h"

#define GH_BODY_LIMIT (64L * 1024 * 1024)
#define GH_MAX_PAGES 1000
#define GH_MAX_RATE_WAITS 3

struct gh {
    CURLM *multi;
    struct curl_slist *resolve; /* localhost pinned to loopback; NULL otherwise */
    char *token; /* sodium_malloc'd, NUL-terminated; NULL when none */
    char *auth;  /* "Authorization: Bearer ..." in sodium memory */
    char base[512];   /* no trailing slash */
    char scheme[16];
    char host[256];
    char port[16];
    char owner[128];
    char name[128];
    long timeout_ms;
    long max_wait_s;
    char cache_dir[1024];
    unsigned char cache_salt[32];
    FILE *trace;
};

/* ---------------------------------------------------------------- helpers */

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- response text */

/* Response text reaches messages only through gh_excerpt, and every message this file
 * stores passes scrub: whatever a server answers, the token never leaves. */

static const char *
find_bytes(const char *hay, size_t n, const char *needle, size_t m)
{
    size_t i;

    if (m == 0 || m > n)
        return NULL;
    for (i = 0; i + m <= n; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0)
            return hay + i;
    return NULL;
}

void
gh_excerpt(char *out, size_t outsz, const char *text, size_t len, size_t max, const char *secret)
{
    static const char redacted[] = GH_REDACTED;
    size_t slen = secret ? strlen(secret) : 0, i = 0, o = 0, k;

    if (outsz == 0)
        return;
    out[0] = '\0';
    if (outsz < 4 || !text)
        return;
    if (max > outsz - 4)
        max = outsz - 4; /* room for "..." and the NUL */
    while (i < len) {
        if (o >= max) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (slen && len - i >= slen && memcmp(text + i, secret, slen) == 0) {
            /* matched on the input, so a cut never leaves part of the secret */
            for (k = 0; redacted[k] && o < max; k++)
                out[o++] = redacted[k];
            i += slen;
            if (redacted[k]) { /* the marker itself was cut */
                memcpy(out + o, "...", 3);
                o += 3;
                break;
            }
            continue;
        }
        /* control characters and anything beyond ASCII (C1 controls, bidi overrides):
         * nothing a server says may drive a terminal */
        out[o++] = (unsigned char)text[i] < 0x20 || (unsigned char)text[i] >= 0x7f ? '?' : text[i];
        i++;
    }
    out[o] = '\0';
}

/* The token out of a message this file stores (its parts are excerpts already; this is
 * the last line of defence). */
static void
scrub(const struct gh *gh, char *msg, size_t sz)
{
    char tmp[1024];
    size_t n = sz < sizeof(tmp) ? sz : sizeof(tmp);

    if (!gh->token || !strstr(msg, gh->token))
        return;
    gh_excerpt(tmp, n, msg, strlen(msg), n, gh->token);
    memcpy(msg, tmp, strlen(tmp) + 1); /* fits: TMP held at most N bytes */
}

/* The token out of a response body before anything parses, caches or quotes it. */
static int
redact_body(const struct gh *gh, struct buf *b)
{
    struct buf clean = BUF_INIT;
    const char *p = b->ptr, *at;
    size_t n = b->len, tl, limit = b->limit;

    if (!gh->token || !find_bytes(p, n, gh->token, strlen(gh->token)))
        return 0;
    tl = strlen(gh->token);
    while ((at = find_bytes(p, n, gh->token, tl)) != NULL) {
        if (buf_add(&clean, p, (size_t)(at - p)) < 0 || buf_adds(&clean, GH_REDACTED) < 0) {
            buf_release(&clean);
            return -1;
        }
        n -= (size_t)(at - p) + tl;
        p = at + tl;
    }
    if (buf_add(&clean, p, n) < 0) {
        buf_release(&clean);
        return -1;
    }
    buf_release(b);
    *b = clean;
    b->limit = limit;
    return 0;
}

/* May the API be reached over plain http at HOST (as curl's URL parser gives it)? Only on
 * this machine, decided from the URL alone and never by a name lookup: an IPv4 literal in
 * 127.0.0.0/8, the IPv6 literal [::1], or the name localhost, which curl resolves to
 * loopback itself and gh_new pins to loopback besides. Any other name is refused, even
 * one that resolves to 127.0.0.1 today: a later answer could differ. */
static int
is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    char v6[64];
    size_t n = strlen(host);

    if (strcasecmp(host, "localhost") == 0)
        return 1;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (n > 2 && n - 2 < sizeof(v6) && host[0] == '[' && host[n - 1] == ']') {
        memcpy(v6, host + 1, n - 2);
        v6[n - 2] = '\0';
        return inet_pton(AF_INET6, v6, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
    }
    return 0;
}

/* scheme, host and port of URL (port defaulted from the scheme); -1 when it does not parse
 * or libcurl cannot be loaded */
static int
url_parts(const char *url, char *scheme, size_t ssz, char *host, size_t hsz, char *port,
          size_t psz)
{
    struct err le = ERR_INIT;
    CURLU *u = curlso_load(&le) == 0 ? curl_url() : NULL;
    char *s = NULL, *h = NULL, *p = NULL;
    int rc = -1;

    if (!u)
        return -1;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &s, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) != CURLUE_OK)
        goto done;
    snprintf(scheme, ssz, "%s", s);
    snprintf(host, hsz, "%s", h);
    snprintf(port, psz, "%s", p);
    rc = 0;
done:
    curl_free(s);
    curl_free(h);
    curl_free(p);
    curl_url_cleanup(u);
    return rc;
}

/* VALUE without surrounding blanks into OUT; -1 when empty or longer than OUT holds. */
static int
trimmed(char *out, size_t outsz, const char *value)
{
    size_t n;

    if (!value)
        return -1;
    while (*value == ' ' || *value == '\t')
        value++;
    n = strlen(value);
    while (n && (value[n - 1] == ' ' || value[n - 1] == '\t'))
        n--;
    if (n == 0 || n >= outsz)
        return -1;
    memcpy(out, value, n);
    out[n] = '\0';
    return 0;
}

/* A decimal of digits only, at most MAX: no sign, blank, fraction or exponent. */
static int
digits(long long *out, const char *s, long long max)
{
    long long v = 0;

    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (max - (*s - '0')) / 10)
            return -1;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return 0;
}

int
gh_parse_retry_after(long *out, const char *value, time_t now)
{
    char v[64];
    long long n;
    time_t at;

    if (trimmed(v, sizeof(v), value) < 0)
        return -1;
    if (v[0] >= '0' && v[0] <= '9') {
        if (digits(&n, v, GH_MAX_HEADER_WAIT_S) < 0)
            return -1;
        *out = (long)n;
        return 0;
    }
    /* an HTTP-date opens with the day's name */
    if (!((v[0] >= 'A' && v[0] <= 'Z') || (v[0] >= 'a' && v[0] <= 'z')))
        return -1;
    at = curl_getdate(v, NULL);
    if (at == (time_t)-1)
        return -1;
    if (at <= now) {
        *out = 0;
        return 0;
    }
    if (at - now > GH_MAX_HEADER_WAIT_S)
        return -1;
    *out = (long)(at - now);
    return 0;
}

int
gh_parse_ratelimit_reset(long *out, const char *value, time_t now)
{
    char v[64];
    long long at;

    if (now < 0 || trimmed(v, sizeof(v), value) < 0 ||
        digits(&at, v, (long long)now + GH_MAX_HEADER_WAIT_S) < 0)
        return -1;
    *out = at <= (long long)now ? 0 : (long)(at - (long long)now);
    return 0;
}

/* scheme, host (lower case), port (defaulted) and path of URL; -1 when it does not parse
 * or libcurl cannot be loaded */
static int
url_split(const char *url, char *scheme, size_t ssz, char *host, size_t hsz, long *port,
          char *path, size_t psz)
{
    struct err le = ERR_INIT;
    CURLU *u = curlso_load(&le) == 0 ? curl_url() : NULL;
    char *s = NULL, *h = NULL, *p = NULL, *pa = NULL, *end = NULL;
    int rc = -1;
    size_t i;

    if (!u)
        return -1;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &s, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PATH, &pa, 0) != CURLUE_OK)
        goto done;
    if (strlen(s) >= ssz || strlen(h) >= hsz || strlen(pa) >= psz)
        goto done;
    errno = 0;
    *port = strtol(p, &end, 10);
    if (errno || !*p || *end || *port < 1 || *port > 65535)
        goto done;
    snprintf(scheme, ssz, "%s", s);
    for (i = 0; h[i]; i++)
        host[i] = h[i] >= 'A' && h[i] <= 'Z' ? (char)(h[i] - 'A' + 'a') : h[i];
    host[i] = '\0';
    snprintf(path, psz, "%s", pa);
    rc = 0;
done:
    curl_free(s);
    curl_free(h);
    curl_free(p);
    curl_free(pa);
    curl_url_cleanup(u);
    return rc;
}

int
gh_web_host(char *out, size_t outsz, const char *api_base)
{
    char scheme[16], host[256], path[512];
    const char *web;
    long port;
    int n;

    if (!api_base ||
        url_split(api_base, scheme, sizeof(scheme), host, sizeof(host), &port, path,
                  sizeof(path)) < 0 ||
        strcmp(scheme, "https") != 0)
        return -1;
    if (strcmp(path, "/") == 0 && strncmp(host, "api.", 4) == 0 && host[4])
        web = host + 4; /* github.com, and GHE.com's SUBDOMAIN.ghe.com */
    else if (strcmp(path, "/api/v3") == 0 || strcmp(path, "/api/v3/") == 0)
        web = host; /* GitHub Enterprise Server */
    else
        return -1;
    n = port == 443 ? snprintf(out, outsz, "%s", web) : snprintf(out, outsz, "%s:%ld", web, port);
    return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

int
gh_url_on_web_host(const char *url, const char *web_host)
{
    char scheme[16], host[256], path[2048], want[300];
    long port;
    int n;

    if (!url || !web_host || !*web_host ||
        url_split(url, scheme, sizeof(scheme), host, sizeof(host), &port, path, sizeof(path)) <
            0 ||
        strcmp(scheme, "https") != 0)
        return 0;
    n = port == 443 ? snprintf(want, sizeof(want), "%s", host)
                    : snprintf(want, sizeof(want), "%s:%ld", host, port);
    return n > 0 && (size_t)n < sizeof(want) && strcasecmp(want, web_host) == 0;
}

int
gh_repo_from_url(char *out, size_t outsz, const char *url)
{
    const char *p = NULL, *slash;
    char tmp[256];
    size_t n;

    if (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0 ||
        strncmp(url, "ssh://", 6) == 0 || strncmp(url, "git://", 6) == 0) {
        p = strstr(url, "://") + 3;
        p = strchr(p, '/'); /* after the host */
        if (!p)
            return -1;
        p++;
    } else if ((p = strchr(url, ':')) != NULL && strchr(url, '@') && strchr(url, '@') < p) {
        p++; /* scp form: git@host:o/r.git */
    } else {
        return -1;
    }
    snprintf(tmp, sizeof(tmp), "%s", p);
    n = strlen(tmp);
    while (n && tmp[n - 1] == '/')
        tmp[--n] = '\0';
    if (n > 4 && strcmp(tmp + n - 4, ".git") == 0)
        tmp[n -= 4] = '\0';
    slash = strchr(tmp, '/');
    if (!slash || slash == tmp || !slash[1] || strchr(slash + 1, '/'))
        return -1;
    snprintf(out, outsz, "%s", tmp);
    return 0;
}

static int
split_repo(struct gh *gh, const char *repo, struct err *e)
{
    const char *slash = repo ? strchr(repo, '/') : NULL;
    size_t i;

    if (!slash || slash == repo || !slash[1] || strchr(slash + 1, '/') ||
        (size_t)(slash - repo) >= sizeof(gh->owner) || strlen(slash + 1) >= sizeof(gh->name))
        return err_set(e, EXIT_USAGE, "GitHub repository '%s' is not OWNER/NAME",
                       repo ? repo : "");
    for (i = 0; repo[i]; i++)
        if (!(repo[i] == '/' || repo[i] == '-' || repo[i] == '_' || repo[i] == '.' ||
              (repo[i] >= '0' && repo[i] <= '9') || (repo[i] >= 'a' && repo[i] <= 'z') ||
              (repo[i] >= 'A' && repo[i] <= 'Z')))
            return err_set(e, EXIT_USAGE, "GitHub repository '%s' is not OWNER/NAME", repo);
    memcpy(gh->owner, repo, (size_t)(slash - repo));
    gh->owner[slash - repo] = '\0';
    snprintf(gh->name, sizeof(gh->name), "%s", slash + 1);
    return 0;
}

static int
load_token(struct gh *gh, struct err *e)
{
    const char *t = getenv("GITHUB_TOKEN");
    size_t n;

    if (!t || !*t)
        t = getenv("GH_TOKEN");
    if (!t || !*t)
        return 0;
    n = strlen(t);
    if (n > 1024 || strpbrk(t, "\r\n "))
        return err_set(e, EXIT_USAGE, "the GitHub token in the environment is malformed");
    gh->token = sodium_malloc(n + 1);
    gh->auth = sodium_malloc(n + 32);
    if (!gh->token || !gh->auth)
        return err_set(e, EXIT_EVAL, "cannot allocate locked memory for the token");
    sodium_mlock(gh->token, n + 1);
    sodium_mlock(gh->auth, n + 32);
    memcpy(gh->token, t, n + 1);
    snprintf(gh->auth, n + 32, "Authorization: Bearer %s", gh->token);
    crypto_hash_sha256(gh->cache_salt, (const unsigned char *)gh->token, n);
    return 0;
}

int
gh_new(struct gh **out, const struct gh_config *cfg, struct err *e)
{
    struct gh *gh = calloc(1, sizeof(*gh));
    size_t n;

    *out = NULL;
    if (!gh)
        return err_set(e, EXIT_EVAL, "out of memory");
    if (curlso_load(e) < 0) {
        free(gh);
        return -1;
    }
    if (sodium_init() < 0) {
        free(gh);
        return err_set(e, EXIT_EVAL, "cannot initialise libsodium");
    }
    snprintf(gh->base, sizeof(gh->base), "%s", cfg->api_base ? cfg->api_base : GH_DEFAULT_API);
    n = strlen(gh->base);
    while (n && gh->base[n - 1] == '/')
        gh->base[--n] = '\0';
    if (url_parts(gh->base, gh->scheme, sizeof(gh->scheme), gh->host, sizeof(gh->host), gh->port,
                  sizeof(gh->port)) < 0 ||
        strchr(gh->base, '?') || strchr(gh->base, '#')) {
        err_set(e, EXIT_USAGE, "GitHub API URL '%s' is not a valid URL", gh->base);
        goto fail;
    }
    if (strcmp(gh->scheme, "https") != 0 &&
        !(strcmp(gh->scheme, "http") == 0 && is_loopback(gh->host))) {
        err_set(e, EXIT_USAGE,
                "GitHub API URL '%s': only https is allowed (plain http only on loopback: "
                "localhost, 127.0.0.0/8 or [::1])",
                gh->base);
        goto fail;
    }
    if (strcasecmp(gh->host, "localhost") == 0) {
        char pin[300];

        snprintf(pin, sizeof(pin), "%s:%s:127.0.0.1,[::1]", gh->host, gh->port);
        gh->resolve = curl_slist_append(NULL, pin);
        if (!gh->resolve) {
            err_set(e, EXIT_EVAL, "out of memory");
            goto fail;
        }
    }
    if (split_repo(gh, cfg->repo, e) < 0 || load_token(gh, e) < 0)
        goto fail;
    gh->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : GH_DEFAULT_TIMEOUT_MS;
    gh->max_wait_s = cfg->max_wait_s >= 0 ? cfg->max_wait_s : GH_DEFAULT_MAX_WAIT_S;
    if (cfg->cache_dir)
        snprintf(gh->cache_dir, sizeof(gh->cache_dir), "%s", cfg->cache_dir);
    gh->trace = cfg->trace;
    gh->multi = curl_multi_init();
    if (!gh->multi) {
        err_set(e, EXIT_EVAL, "cannot initialise libcurl");
        goto fail;
    }
    curl_multi_setopt(gh->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 8L);
    curl_multi_setopt(gh->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    *out = gh;
    return 0;
fail:
    gh_free(gh);
    return -1;
}

void
gh_free(struct gh *gh)
{
    if (!gh)
        return;
    if (gh->multi)
        curl_multi_cleanup(gh->multi);
    curl_slist_free_all(gh->resolve);
    sodium_free(gh->token);
    sodium_free(gh->auth);
    sodium_memzero(gh->cache_salt, sizeof(gh->cache_salt));
    free(gh);
}

const char *
gh_owner(const struct gh *gh)
{
    return gh->owner;
}

const char *
gh_name(const struct gh *gh)
{
    return gh->name;
}

int
gh_has_token(const struct gh *gh)
{
    return gh->token != NULL;
}

/* ---------------------------------------------------------------- cache */

static void
cache_path(const struct gh *gh, const char *url, char *out, size_t outsz)
{
    crypto_hash_sha256_state st;
    unsigned char h[32];
    char hex[65];

    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, gh->cache_salt, sizeof(gh->cache_salt));
    crypto_hash_sha256_update(&st, (const unsigned char *)url, strlen(url));
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
    snprintf(out, outsz, "%s/github/%s", gh->cache_dir, hex);
}

static int
mkdir_p(const char *dir)
{
    char tmp[1300];
    char *p;

    snprintf(tmp, sizeof(tmp), "%s", dir);
    for (p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    return mkdir(tmp, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

/* The cache is an optimisation: any failure here just means no cache. */
static void
cache_store(const struct gh *gh, const char *file, const char *etag, const char *link,
            const struct buf *body)
{
    char dir[1300], tmp[1300];
    const char *slash = strrchr(file, '/');
    FILE *f;
    int fd, ok;

    if (!etag || !*etag || !slash || strchr(etag, '\n') || (link && strchr(link, '\n')) ||
        (gh->token && (strstr(etag, gh->token) || (link && strstr(link, gh->token)))))
        return;
    snprintf(dir, sizeof(dir), "%.*s", (int)(slash - file), file);
    if (mkdir_p(dir) < 0)
        return;
    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", file, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        unlink(tmp);
        return;
    }
    ok = fprintf(f, "%s\n%s\n", etag, link ? link : "") > 0 &&
         fwrite(body->ptr ? body->ptr : "", 1, body->len, f) == body->len;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, file) < 0)
        unlink(tmp);
}

/* Load ETAG, LINK and BODY of FILE; -1 when absent or unreadable. */
static int
cache_load(const char *file, char *etag, size_t esz, char *link, size_t lsz, struct buf *body)
{
    FILE *f = fopen(file, "rb");
    char chunk[8192];
    size_t n;
    int rc = -1;

    if (!f)
        return -1;
    if (!fgets(etag, (int)esz, f) || !fgets(link, (int)lsz, f))
        goto done;
    etag[strcspn(etag, "\n")] = '\0';
    link[strcspn(link, "\n")] = '\0';
    body->len = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (buf_add(body, chunk, n) < 0)
            goto done;
    rc = ferror(f) ? -1 : 0;
done:
    fclose(f);
    return rc;
}

/* ---------------------------------------------------------------- transfers */

struct xfer {
    const struct gh *gh;
    struct gh_res *res;
    CURL *easy;
    struct curl_slist *hdrs;
    struct buf body;
    char url[2048];
    char cache_file[1200];
    char etag[512];
    int conditional; /* sent If-None-Match */
    int no_cache;    /* the cache failed us once: ask unconditionally */
    int attempt;
    int rate_waits;
    double not_before;
    double started;
    int running;
    int done;
    json_t *acc;
    /* A list whose first page names its last (rel="last", page N >= 3): pages 2 .. N are
     * fetched at once, each by a transfer of its own, and joined in page order when all
     * are in. One whose last page still names a next one (the list grew meanwhile) goes
     * on page by page from there. */
    struct xfer *kids; /* pages 2 .. N (owned), NKIDS of them */
    size_t nkids;
    struct xfer *parent; /* a kid: the transfer of the list's first page */
    char link[2048];     /* a kid's Link header */
};

static size_t
on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;

    if (buf_add(&x->body, data, size * nmemb) < 0)
        return 0; /* over the cap: aborts the transfer */
    return size * nmemb;
}

/* A pending SIGINT or SIGTERM aborts the transfer (CURLE_ABORTED_BY_CALLBACK). */
static int
on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)ud;
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return sig_pending() ? 1 : 0;
}

static size_t
on_post_body(char *data, size_t size, size_t nmemb, void *ud)
{
    return buf_add(ud, data, size * nmemb) < 0 ? 0 : size * nmemb;
}

static const char *
header(CURL *easy, const char *name)
{
    struct curl_header *h = NULL;

    if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h)
        return NULL;
    return h->value;
}

static void
wipe_headers(struct curl_slist *l)
{
    for (; l; l = l->next)
        sodium_memzero(l->data, strlen(l->data));
}

static void
xfer_reset(struct xfer *x)
{
    if (x->easy)
        curl_easy_cleanup(x->easy);
    x->easy = NULL;
    wipe_headers(x->hdrs);
    curl_slist_free_all(x->hdrs);
    x->hdrs = NULL;
    x->body.len = 0;
}

static void
fail(struct xfer *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
fail(struct xfer *x, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    /* the first page of a list that fails names why; later ones add nothing */
    if (!(x->parent && x->res->state == GH_FAILED)) {
        vsnprintf(x->res->error, sizeof(x->res->error), fmt, ap);
        scrub(x->gh, x->res->error, sizeof(x->res->error));
    }
    va_end(ap);
    x->res->state = GH_FAILED;
    json_decref(x->acc);
    x->acc = NULL;
    x->done = 1;
}

/* The path and query of URL for messages, as an excerpt: after the first page, the URL
 * is the server's (a Link header). */
static void
shown(char *out, size_t outsz, const struct gh *gh, const char *url)
{
    const char *p = strstr(url, "://");

    p = p ? strchr(p + 3, '/') : NULL;
    p = p ? p : url;
    gh_excerpt(out, outsz, p, strlen(p), GH_PATH_EXCERPT_MAX, gh->token);
}

static int
xfer_start(struct gh *gh, struct xfer *x, struct gh_store *s)
{
    char line[700];
    char link[2];
    CURL *c;

    xfer_reset(x);
    c = curl_easy_init();
    if (!c)
        return -1;
    x->easy = c;
    x->hdrs = curl_slist_append(x->hdrs, "Accept: application/vnd.github+json");
    x->hdrs = curl_slist_append(x->hdrs, "X-GitHub-Api-Version: 2022-11-28");
    if (gh->auth)
        x->hdrs = curl_slist_append(x->hdrs, gh->auth);
    x->conditional = 0;
    if (gh->cache_dir[0] && !x->no_cache) {
        struct buf tmp = BUF_INIT;

        cache_path(gh, x->url, x->cache_file, sizeof(x->cache_file));
        (void)link;
        if (cache_load(x->cache_file, x->etag, sizeof(x->etag), line, sizeof(line), &tmp) == 0 &&
            x->etag[0]) {
            char h[600];

            snprintf(h, sizeof(h), "If-None-Match: %s", x->etag);
            x->hdrs = curl_slist_append(x->hdrs, h);
            x->conditional = 1;
        }
        buf_release(&tmp);
    }
    if (!x->hdrs)
        return -1;
    curl_easy_setopt(c, CURLOPT_URL, x->url);
    curl_easy_setopt(c, CURLOPT_RESOLVE, gh->resolve);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->hdrs);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "promote/" PROMOTE_VERSION);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, gh->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, gh->timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)GH_BODY_LIMIT);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_PRIVATE, x);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    x->body.limit = GH_BODY_LIMIT;
    x->started = now_s();
    x->running = 1;
    s->requests++;
    return curl_multi_add_handle(gh->multi, c) == CURLM_OK ? 0 : -1;
}

static void
retry_or_fail(struct xfer *x, const char *why)
{
    double backoff;

    x->attempt++;
    if (x->attempt > GH_MAX_RETRIES) {
        fail(x, "%s (after %d retries)", why, GH_MAX_RETRIES);
        return;
    }
    backoff = 0.2 * (double)(1 << (x->attempt - 1)) + (double)randombytes_uniform(200) / 1000.0;
    x->not_before = now_s() + backoff;
}

/* The URL of rel=REL ("next", "last") in a Link header, or "" */
static void
rel_link(char *out, size_t outsz, const char *link, const char *rel)
{
    const char *p = link;
    char want[32];

    out[0] = '\0';
    while (p && (p = strchr(p, '<')) != NULL) {
        const char *end = strchr(p, '>');
        const char *params, *comma;

        if (!end)
            return;
        params = end + 1;
        comma = strchr(params, ',');
        snprintf(want, sizeof(want), "rel=\"%s\"", rel);
        if (strstr(params, want) && (!comma || strstr(params, want) < comma)) {
            if ((size_t)(end - p - 1) < outsz)
                snprintf(out, outsz, "%.*s", (int)(end - p - 1), p + 1);
            return;
        }
        p = end;
    }
}

/* Add PAGE (owned) to what X has of its list: 0, or -1 when it is not a page of it. */
static int
add_page(struct xfer *x, json_t *page, const char *path)
{
    struct gh_res *r = x->res;
    json_t *arr, *all;
    size_t i;

    if (r->paging == GH_PAGES) {
        if (!json_is_array(page)) {
            json_decref(page);
            fail(x, "GET %s: expected a JSON array", path);
            return -1;
        }
        if (!x->acc)
            x->acc = json_array();
        json_array_extend(x->acc, page);
        json_decref(page);
        return 0;
    }
    arr = json_object_get(page, r->items_key);
    if (!json_is_array(arr)) {
        json_decref(page);
        fail(x, "GET %s: expected an object with a '%s' array", path, r->items_key);
        return -1;
    }
    if (!x->acc) {
        x->acc = page;
        return 0;
    }
    all = json_object_get(x->acc, r->items_key);
    for (i = 0; i < json_array_size(arr); i++)
        json_array_append(all, json_array_get(arr, i));
    json_decref(page);
    return 0;
}

/* X goes on to the page NEXT names (a Link header's): 0, or -1 (X failed) when NEXT is on
 * another host or the list is too long. */
static int
follow_next(struct gh *gh, struct xfer *x, const char *next, const char *path)
{
    char scheme[16], host[256], port[16], quoted[128];

    if (url_parts(next, scheme, sizeof(scheme), host, sizeof(host), port, sizeof(port)) < 0 ||
        strcmp(scheme, gh->scheme) != 0 || strcasecmp(host, gh->host) != 0 ||
        strcmp(port, gh->port) != 0) {
        gh_excerpt(quoted, sizeof(quoted), next, strlen(next), GH_EXCERPT_MAX, gh->token);
        fail(x, "GET %s: refusing to follow a next-page link to another host ('%s')", path,
             quoted);
        return -1;
    }
    if (x->res->pages >= GH_MAX_PAGES) {
        fail(x, "GET %s: more than %d pages", path, GH_MAX_PAGES);
        return -1;
    }
    snprintf(x->url, sizeof(x->url), "%s", next);
    x->attempt = 0;
    x->not_before = 0;
    return 0;
}

/* Where the value of URL's query parameter "page" starts, or NULL. */
static const char *
page_param(const char *url)
{
    const char *q = strchr(url, '?'), *p;

    for (p = q; p; p = strchr(p + 1, '&'))
        if (strncmp(p + 1, "page=", 5) == 0)
            return p + 6;
    return NULL;
}

/* After the first page of X's list: when the Link header names a last page N >= 3 whose
 * URL with page=2 is the next page's, pages 2 .. N are fetched at once (1). 0: the list
 * is read page by page (no such last page); -1: X failed. NEXT has passed follow_next's
 * checks, and the last page's URL differs from it in the page only. */
static int
fan_out(struct gh *gh, struct xfer *x, const char *next, const char *link, const char *path)
{
    char last[2048], url[2048];
    const char *at;
    char *end = NULL;
    unsigned long n, k;
    int pre;

    rel_link(last, sizeof(last), link, "last");
    at = last[0] ? page_param(last) : NULL;
    if (!at)
        return 0;
    n = strtoul(at, &end, 10);
    pre = (int)(at - last);
    if (end == at || n < 3 || (*end && *end != '&') ||
        snprintf(url, sizeof(url), "%.*s2%s", pre, last, end) >= (int)sizeof(url) ||
        strcmp(url, next) != 0)
        return 0;
    if (n > GH_MAX_PAGES) {
        fail(x, "GET %s: more than %d pages", path, GH_MAX_PAGES);
        return -1;
    }
    x->kids = calloc(n - 1, sizeof(*x->kids));
    if (!x->kids) {
        fail(x, "GET %s: out of memory", path);
        return -1;
    }
    x->nkids = n - 1;
    for (k = 2; k <= n; k++) {
        struct xfer *kid = &x->kids[k - 2];

        kid->gh = gh;
        kid->res = x->res;
        kid->parent = x;
        kid->no_cache = x->no_cache;
        snprintf(kid->url, sizeof(kid->url), "%.*s%lu%s", pre, last, k, end);
    }
    return 1;
}

static void
take_page(struct gh *gh, struct xfer *x, json_t *page, const char *link)
{
    struct gh_res *r = x->res;
    char next[2048], path[GH_PATH_EXCERPT_MAX + 4];

    shown(path, sizeof(path), gh, x->url);

    if (r->paging == GH_SINGLE) {
        r->json = page;
        r->state = GH_OK;
        r->pages = 1;
        x->done = 1;
        return;
    }
    if (add_page(x, page, path) < 0)
        return;
    r->pages++;
    if (x->parent) {
        /* one of the pages fetched at once: joined when all are in (pages_in) */
        snprintf(x->link, sizeof(x->link), "%s", link ? link : "");
        x->done = 1;
        return;
    }
    rel_link(next, sizeof(next), link, "next");
    if (!next[0]) {
        r->json = x->acc;
        x->acc = NULL;
        r->state = GH_OK;
        x->done = 1;
        return;
    }
    if (follow_next(gh, x, next, path) < 0)
        return;
    if (r->pages == 1)
        fan_out(gh, x, next, link, path);
}

/* The transfers of the pages X fetched at once, ended and freed. */
static void
kids_release(struct gh *gh, struct xfer *x)
{
    size_t i;

    for (i = 0; i < x->nkids; i++) {
        struct xfer *kid = &x->kids[i];

        if (kid->running)
            curl_multi_remove_handle(gh->multi, kid->easy);
        xfer_reset(kid);
        buf_release(&kid->body);
        json_decref(kid->acc);
    }
    free(x->kids);
    x->kids = NULL;
    x->nkids = 0;
}

/* A page P fetched at once came in or failed: 1 when P's list is done now (read whole,
 * or failed), 0 while pages are missing or it goes on page by page. */
static int
pages_in(struct gh *gh, struct xfer *p)
{
    struct gh_res *r = p->res;
    char next[2048], path[GH_PATH_EXCERPT_MAX + 4];
    size_t i;

    if (p->done)
        return 0;
    if (r->state == GH_FAILED) { /* a page failed, with its reason: so did the list */
        json_decref(p->acc);
        p->acc = NULL;
        p->done = 1;
        return 1;
    }
    for (i = 0; i < p->nkids; i++)
        if (!p->kids[i].done)
            return 0;
    shown(path, sizeof(path), gh, p->url);
    for (i = 0; i < p->nkids; i++) { /* in page order */
        json_t *page = p->kids[i].acc;

        p->kids[i].acc = NULL;
        if (add_page(p, page, path) < 0)
            return 1;
    }
    rel_link(next, sizeof(next), p->kids[p->nkids - 1].link, "next");
    kids_release(gh, p);
    if (next[0]) /* the list grew while it was read: on from its last page, one by one */
        return follow_next(gh, p, next, path) < 0 ? 1 : 0;
    r->json = p->acc;
    p->acc = NULL;
    r->state = GH_OK;
    p->done = 1;
    return 1;
}

/* GitHub's error message from a body, as an excerpt. */
static void
api_message(char *out, size_t outsz, const struct gh *gh, const struct buf *body)
{
    json_t *j = json_loadb(body->ptr ? body->ptr : "", body->len, 0, NULL);
    const json_t *m = json_object_get(j, "message");

    out[0] = '\0';
    if (json_is_string(m))
        gh_excerpt(out, outsz, json_string_value(m), json_string_length(m), GH_EXCERPT_MAX,
                   gh->token);
    json_decref(j);
}

static void
xfer_finish(struct gh *gh, struct xfer *x, CURLcode code)
{
    char path[GH_PATH_EXCERPT_MAX + 4], msg[400], cached_etag[512], cached_link[2048];
    char why[GH_EXCERPT_MAX + 4];
    const char *etag, *link, *ra, *rem, *reset;
    struct buf cached = BUF_INIT;
    json_error_t je;
    json_t *page;
    long status = 0, wait;

    x->running = 0;
    shown(path, sizeof(path), gh, x->url);
    curl_multi_remove_handle(gh->multi, x->easy);
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    if (gh->trace)
        fprintf(gh->trace, "github: GET %s -> %ld (%.0f ms)%s\n", path, status,
                (now_s() - x->started) * 1000.0, code != CURLE_OK ? " failed" : "");
    if (code != CURLE_OK) {
        snprintf(msg, sizeof(msg), "GET %.200s: %s", path, curl_easy_strerror(code));
        if (code == CURLE_WRITE_ERROR || code == CURLE_FILESIZE_EXCEEDED)
            fail(x, "GET %s: response larger than %ld bytes", path, GH_BODY_LIMIT);
        else if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CONNECT_ERROR ||
                 code == CURLE_UNSUPPORTED_PROTOCOL || code == CURLE_URL_MALFORMAT)
            fail(x, "%s", msg);
        else
            retry_or_fail(x, msg);
        return;
    }
    x->res->status = status;
    link = header(x->easy, "link");
    if (status == 304 && x->conditional) {
        if (cache_load(x->cache_file, cached_etag, sizeof(cached_etag), cached_link,
                       sizeof(cached_link), &cached) < 0) {
            x->no_cache = 1; /* the entry vanished: ask again, unconditionally */
            buf_release(&cached);
            return;
        }
        page = json_loadb(buf_str(&cached), cached.len, 0, &je);
        buf_release(&cached);
        if (!page) {
            x->no_cache = 1;
            return;
        }
        x->res->status = 200;
        take_page(gh, x, page, link ? link : cached_link);
        return;
    }
    if (status >= 200 && status < 300) {
        if (redact_body(gh, &x->body) < 0) {
            fail(x, "GET %s: out of memory", path);
            return;
        }
        page = json_loadb(buf_str(&x->body), x->body.len, 0, &je);
        if (!page) {
            /* jansson quotes the text near the error */
            gh_excerpt(why, sizeof(why), je.text, strlen(je.text), GH_EXCERPT_MAX, gh->token);
            fail(x, "GET %s: malformed JSON: %s", path, why);
            return;
        }
        etag = header(x->easy, "etag");
        if (gh->cache_dir[0] && etag)
            cache_store(gh, x->cache_file[0] ? x->cache_file : "", etag, link, &x->body);
        take_page(gh, x, page, link);
        return;
    }
    if (status == 404 && x->res->pages == 0) {
        x->res->state = GH_NOT_FOUND;
        x->done = 1;
        return;
    }
    api_message(msg, sizeof(msg), gh, &x->body);
    ra = header(x->easy, "retry-after");
    rem = header(x->easy, "x-ratelimit-remaining");
    reset = header(x->easy, "x-ratelimit-reset");
    if ((status == 403 || status == 429) &&
        (ra || (rem && strcmp(rem, "0") == 0) || strstr(msg, "rate limit"))) {
        time_t now = time(NULL), when;
        char stamp[32] = "an unknown time";
        struct tm tm;

        /* every number from the answer is range-checked before it is used: an absurd
         * wait is an error, never an overflow or a sleep */
        if (ra) {
            if (gh_parse_retry_after(&wait, ra, now) < 0) {
                fail(x, "GET %s: rate limited (%ld) with an out-of-range Retry-After", path,
                     status);
                return;
            }
        } else if (rem && strcmp(rem, "0") == 0 && reset) {
            if (gh_parse_ratelimit_reset(&wait, reset, now) < 0) {
                fail(x, "GET %s: rate limited (%ld) with an out-of-range X-RateLimit-Reset",
                     path, status);
                return;
            }
        } else {
            wait = 60;
        }
        if (wait <= gh->max_wait_s && x->rate_waits < GH_MAX_RATE_WAITS) {
            x->rate_waits++;
            x->not_before = now_s() + (double)wait;
            return;
        }
        if (wait <= gh->max_wait_s) {
            fail(x, "GET %s: still rate limited (%ld) after %d waits", path, status,
                 GH_MAX_RATE_WAITS);
            return;
        }
        when = now + (time_t)wait;
        if (gmtime_r(&when, &tm))
            strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
        fail(x, "GET %s: rate limited (%ld); the limit resets at %s, in %ld s (longer than the "
                "allowed wait of %ld s)",
             path, status, stamp, wait, gh->max_wait_s);
        return;
    }
    if (status >= 500) {
        snprintf(msg, sizeof(msg), "GET %.200s: HTTP %ld", path, status);
        retry_or_fail(x, msg);
        return;
    }
    fail(x, "GET %s: HTTP %ld%s%s", path, status, msg[0] ? ": " : "", msg);
}

/* Start X when it is due (at T or before) and neither done nor running; else lower *NEXT
 * to when it is due. -1 when it cannot start. */
static int
start_due(struct gh *gh, struct xfer *x, struct gh_store *s, double t, double *next)
{
    if (x->done || x->running)
        return 0;
    if (x->not_before <= t)
        return xfer_start(gh, x, s);
    if (x->not_before < *next)
        *next = x->not_before;
    return 0;
}

int
gh_fetch(struct gh *gh, struct gh_store *s, struct err *e)
{
    struct xfer *xs = NULL;
    size_t i, n = 0, left;
    int rc = -1, running;

    for (i = 0; i < s->n; i++)
        if (s->res[i].state == GH_WANTED)
            n++;
    if (n == 0)
        return 0;
    xs = calloc(n, sizeof(*xs));
    if (!xs)
        return err_set(e, EXIT_EVAL, "out of memory");
    for (i = 0, n = 0; i < s->n; i++) {
        struct gh_res *r = &s->res[i];

        if (r->state != GH_WANTED)
            continue;
        xs[n].gh = gh;
        xs[n].res = r;
        snprintf(xs[n].url, sizeof(xs[n].url), "%s%s%s", gh->base, r->path,
                 r->paging == GH_SINGLE ? "" : "?per_page=100");
        n++;
    }
    s->rounds++;
    left = n;
    while (left > 0) {
        double t = now_s(), next = t + 1.0;
        CURLMsg *m;
        int q;
        long timeout;

        /* SIGINT or SIGTERM: the transfers abort (on_progress), nothing is retried */
        if (sig_check(e, "during the GitHub requests") < 0)
            goto done;

        for (i = 0; i < n; i++) {
            size_t k;

            if (xs[i].done)
                continue;
            for (k = 0; k < xs[i].nkids; k++)
                if (start_due(gh, &xs[i].kids[k], s, t, &next) < 0)
                    goto cannot_start;
            if (!xs[i].nkids && start_due(gh, &xs[i], s, t, &next) < 0)
                goto cannot_start;
        }
        if (curl_multi_perform(gh->multi, &running) != CURLM_OK) {
            err_set(e, EXIT_EVAL, "libcurl failed");
            goto done;
        }
        while ((m = curl_multi_info_read(gh->multi, &q)) != NULL) {
            struct xfer *x = NULL;

            if (m->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
            xfer_finish(gh, x, m->data.result);
            if (x->parent ? x->done && pages_in(gh, x->parent) : x->done)
                left--;
        }
        if (left == 0)
            break;
        timeout = (long)((next - now_s()) * 1000.0);
        if (timeout < 0)
            timeout = 0;
        if (timeout > 200)
            timeout = 200;
        if (running)
            curl_multi_poll(gh->multi, NULL, 0, (int)timeout, NULL);
        else if (timeout > 0)
            usleep((useconds_t)timeout * 1000);
    }
    rc = 0;
    goto done;
cannot_start:
    err_set(e, EXIT_EVAL, "cannot start a request to GitHub");
done:
    for (i = 0; i < n; i++) {
        kids_release(gh, &xs[i]);
        if (xs[i].running)
            curl_multi_remove_handle(gh->multi, xs[i].easy);
        xfer_reset(&xs[i]);
        buf_release(&xs[i].body);
        json_decref(xs[i].acc);
        if (rc < 0 && xs[i].res->state == GH_WANTED) {
            xs[i].res->state = GH_FAILED;
            snprintf(xs[i].res->error, sizeof(xs[i].res->error), "%.390s", e->msg);
        }
    }
    free(xs);
    return rc;
}

int
gh_post(struct gh *gh, const char *path, const json_t *body, long *status, json_t **out,
        struct err *e)
{
    struct curl_slist *hdrs = NULL;
    struct buf resp = BUF_INIT;
    char url[1200], msg[300];
    char *text = NULL;
    CURL *c = NULL;
    CURLcode code;
    double t0 = now_s();
    int rc = -1;

    *out = NULL;
    *status = 0;
    snprintf(url, sizeof(url), "%s%s", gh->base, path);
    text = json_dumps(body, JSON_COMPACT);
    c = curl_easy_init();
    if (!text || !c) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    hdrs = curl_slist_append(hdrs, "Accept: application/vnd.github+json");
    hdrs = curl_slist_append(hdrs, "X-GitHub-Api-Version: 2022-11-28");
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    if (gh->auth)
        hdrs = curl_slist_append(hdrs, gh->auth);
    resp.limit = GH_BODY_LIMIT;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_RESOLVE, gh->resolve);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "promote/" PROMOTE_VERSION);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, gh->timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)GH_BODY_LIMIT);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_post_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    if (sig_check(e, "before POST %s", path) < 0)
        goto done;
    code = curl_easy_perform(c);
    if (code == CURLE_ABORTED_BY_CALLBACK && sig_check(e, "during POST %s", path) < 0)
        goto done;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    if (gh->trace)
        fprintf(gh->trace, "github: POST %s -> %ld (%.0f ms)\n", path, *status,
                (now_s() - t0) * 1000.0);
    if (code == CURLE_WRITE_ERROR || code == CURLE_FILESIZE_EXCEEDED) {
        err_set(e, EXIT_EVAL, "POST %s: response larger than %ld bytes", path, GH_BODY_LIMIT);
        goto done;
    }
    if (code != CURLE_OK) {
        err_set(e, EXIT_EVAL, "POST %s: %s", path, curl_easy_strerror(code));
        goto done;
    }
    if (redact_body(gh, &resp) < 0) {
        err_set(e, EXIT_EVAL, "POST %s: out of memory", path);
        goto done;
    }
    if (resp.len)
        *out = json_loadb(resp.ptr, resp.len, 0, NULL);
    if (*status < 200 || *status >= 300) {
        api_message(msg, sizeof(msg), gh, &resp);
        err_set(e, EXIT_EVAL, "POST %s: HTTP %ld%s%s", path, *status, msg[0] ? ": " : "", msg);
        json_decref(*out);
        *out = NULL;
        goto done;
    }
    if (resp.len && !*out) {
        err_set(e, EXIT_EVAL, "POST %s: malformed JSON in the response", path);
        goto done;
    }
    rc = 0;
done:
    if (rc < 0)
        scrub(gh, e->msg, sizeof(e->msg));
    wipe_headers(hdrs);
    curl_slist_free_all(hdrs);
    if (c)
        curl_easy_cleanup(c);
    free(text);
    buf_release(&resp);
    return rc;
}
