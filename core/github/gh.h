/* GitHub REST API client (libcurl, loaded on first use: core/github/curlso.h). All
 * requests of a round run concurrently on one curl multi handle with connection reuse;
 * pages follow Link rel="next", and when the first page names the last (rel="last"),
 * the rest are asked for at once and joined in page order; 5xx,
 * timeouts and resets are retried with backoff and jitter; rate limits are waited
 * out when short; responses are cached with their ETag and replayed on 304.
 * The token lives in locked memory and never reaches any output. */
#ifndef PROMOTE_GH_H
#define PROMOTE_GH_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "core/base/err.h"

struct gh_config {
    const char *api_base;  /* e.g. https://api.github.com or http://127.0.0.1:PORT */
    const char *repo;      /* OWNER/NAME */
    long timeout_ms;       /* per request */
    long max_wait_s;       /* longest rate-limit wait to sit out */
    const char *cache_dir; /* NULL or "": no cache */
    FILE *trace;           /* --verbose: method, path, status, timing; NULL: quiet */
};

#define GH_DEFAULT_API "https://api.github.com"
#define GH_DEFAULT_TIMEOUT_MS 30000L
#define GH_DEFAULT_MAX_WAIT_S 60L
#define GH_MAX_RETRIES 3
/* The longest wait a rate-limit header may ask for; anything longer is out of range (an
 * error, never a wait). */
#define GH_MAX_HEADER_WAIT_S (366L * 86400)

struct gh;

/* The token comes from GITHUB_TOKEN, else GH_TOKEN (read here, once, into locked
 * memory). A missing token is allowed; requests then go unauthenticated. */
int gh_new(struct gh **out, const struct gh_config *cfg, struct err *e);
void gh_free(struct gh *gh);
const char *gh_owner(const struct gh *gh);
const char *gh_name(const struct gh *gh);
int gh_has_token(const struct gh *gh);

/* OWNER/NAME from a remote URL: https://host/o/r(.git), git@host:o/r(.git),
 * ssh://git@host/o/r(.git). */
int gh_repo_from_url(char *out, size_t outsz, const char *url);

/* Seconds to wait for a Retry-After VALUE received at NOW: delta-seconds (digits only, at
 * most GH_MAX_HEADER_WAIT_S) or an HTTP-date (0 when past, at most GH_MAX_HEADER_WAIT_S
 * ahead). -1 for anything else: a sign, a fraction, an exponent, nan, inf, too large. */
int gh_parse_retry_after(long *out, const char *value, time_t now);
/* Seconds until an X-RateLimit-Reset VALUE (epoch seconds, digits only) received at NOW:
 * 0 when past, -1 when malformed or more than GH_MAX_HEADER_WAIT_S ahead. */
int gh_parse_ratelimit_reset(long *out, const char *value, time_t now);

/* Response text in messages: at most GH_EXCERPT_MAX characters (a path
 * GH_PATH_EXCERPT_MAX), control characters and non-ASCII bytes as '?', the token as
 * GH_REDACTED. */
#define GH_EXCERPT_MAX 120
#define GH_PATH_EXCERPT_MAX 200
#define GH_REDACTED "[REDACTED]"
/* LEN bytes of TEXT as a printable excerpt into OUT: every SECRET (NULL: none) replaced
 * by GH_REDACTED before the cut, at most MAX characters, "..." when cut. */
void gh_excerpt(char *out, size_t outsz, const char *text, size_t len, size_t max,
                const char *secret);

/* The web host that goes with the https API at API_BASE, into OUT ("host", or "host:port"
 * for a port other than 443): https://api.github.com -> github.com, https://api.X -> X,
 * https://HOST/api/v3 (GitHub Enterprise Server) -> HOST. -1 for anything else (plain
 * http included): then no git remote may have the token. */
int gh_web_host(char *out, size_t outsz, const char *api_base);
/* Is URL an https URL on WEB_HOST (as gh_web_host gives it)? */
int gh_url_on_web_host(const char *url, const char *web_host);

/* ---- the store: every resource fetched in one command, memoised by path ---- */

enum gh_state {
    GH_WANTED = 0, /* asked for, not fetched yet */
    GH_OK,         /* 2xx (or a 304 replayed from the cache) */
    GH_NOT_FOUND,  /* 404: an answer, e.g. "not a team member" */
    GH_FAILED      /* anything else: the error names the endpoint and the reason */
};

/* How the pages of a resource are joined. */
enum gh_paging {
    GH_SINGLE = 0, /* not paginated */
    GH_PAGES,      /* the body is an array; pages are concatenated */
    GH_PAGES_KEY   /* the body is an object whose ITEMS_KEY array is concatenated */
};

struct gh_res {
    char *path; /* "/repos/o/r/pulls/5/reviews", no query */
    enum gh_paging paging;
    const char *items_key; /* static string, for GH_PAGES_KEY */
    enum gh_state state;
    long status;
    json_t *json; /* owned: the body, pages joined */
    int pages;
    char error[400];
};

struct gh_store {
    struct gh_res *res;
    size_t n, cap;
    int rounds;        /* fetch rounds run: the longest dependency chain */
    long requests;     /* HTTP requests sent (pages, retries included) */
    long cache_hits;   /* 304 replays */
};

#define GH_STORE_INIT {NULL, 0, 0, 0, 0, 0}

/* Ask for PATH (printf-style) unless it is already known. */
int gh_want(struct gh_store *s, enum gh_paging paging, const char *items_key, struct err *e,
            const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The resource at PATH, or NULL when nobody asked for it. */
const struct gh_res *gh_find(const struct gh_store *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Anything asked for and not fetched? */
int gh_pending(const struct gh_store *s);
void gh_store_release(struct gh_store *s);

/* Fetch every wanted resource, concurrently. Fails only on a local problem (out of
 * memory); each resource's own failure is in its state and error. */
int gh_fetch(struct gh *gh, struct gh_store *s, struct err *e);

/* One POST of BODY to PATH (not retried: it is not idempotent). *STATUS gets the HTTP
 * status and *OUT the parsed response (NULL for an empty body). A transport failure or
 * a non-2xx status is -1 with an error naming the endpoint. */
int gh_post(struct gh *gh, const char *path, const json_t *body, long *status, json_t **out,
            struct err *e);

#endif
