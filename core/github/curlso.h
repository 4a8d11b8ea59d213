/* libcurl, loaded on first use.
 *
 * Only the commands that talk to GitHub need libcurl, and loading it with the two dozen
 * libraries it brings (TLS, HTTP/2, IDN, Kerberos, LDAP, ...) costs every run about 9 ms
 * of the dynamic loader's time, which is most of what a command that reads the audit log
 * from its index spends. So promote does not link libcurl: core/github/gh.c calls it through
 * the table below, which curlso_load fills once (dlopen of libcurl's run-time name, the
 * one its development package links against, then curl_global_init).
 *
 * Include this instead of <curl/curl.h>: the names curl_easy_init, curl_easy_setopt, ...
 * then call through the table, with the prototypes of curl's own header. */
#ifndef PROMOTE_CURLSO_H
#define PROMOTE_CURLSO_H

/* the type-checking wrappers of curl's header are macros named as the functions */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include "core/base/err.h"

/* The shared object dlopen loads: libcurl's ABI 4, as libcurl4-openssl-dev builds for. */
#define CURLSO_NAME "libcurl.so.4"

struct curlso {
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    CURLcode (*easy_perform)(CURL *);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    CURLHcode (*easy_header)(CURL *, const char *, size_t, unsigned int, int,
                             struct curl_header **);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
    CURLMcode (*multi_add_handle)(CURLM *, CURL *);
    CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
    CURLMcode (*multi_perform)(CURLM *, int *);
    CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd[], unsigned int, int, int *);
    CURLMsg *(*multi_info_read)(CURLM *, int *);
    CURLMcode (*multi_cleanup)(CURLM *);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    CURLU *(*url)(void);
    CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
    CURLUcode (*url_get)(CURLU *, CURLUPart, char **, unsigned int);
    void (*url_cleanup)(CURLU *);
    void (*free)(void *);
    time_t (*getdate)(const char *, const time_t *);
    CURLcode (*global_init)(long);
    void (*global_cleanup)(void);
};

/* The table, filled by the first successful curlso_load. */
extern struct curlso curlso;

/* Load libcurl and initialise it, once per process (thread-safe). 0, or -1 with
 * EXIT_EVAL naming the library and why it did not load. */
int curlso_load(struct err *e);

/* curl_global_cleanup when libcurl was loaded (at exit; the library stays mapped). */
void curlso_release(void);

#ifndef CURLSO_NO_NAMES
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
#define curl_easy_init curlso.easy_init
#define curl_easy_setopt curlso.easy_setopt
#define curl_easy_getinfo curlso.easy_getinfo
#define curl_easy_perform curlso.easy_perform
#define curl_easy_cleanup curlso.easy_cleanup
#define curl_easy_strerror curlso.easy_strerror
#define curl_easy_header curlso.easy_header
#define curl_multi_init curlso.multi_init
#define curl_multi_setopt curlso.multi_setopt
#define curl_multi_add_handle curlso.multi_add_handle
#define curl_multi_remove_handle curlso.multi_remove_handle
#define curl_multi_perform curlso.multi_perform
#define curl_multi_poll curlso.multi_poll
#define curl_multi_info_read curlso.multi_info_read
#define curl_multi_cleanup curlso.multi_cleanup
#define curl_slist_append curlso.slist_append
#define curl_slist_free_all curlso.slist_free_all
#define curl_url curlso.url
#define curl_url_set curlso.url_set
#define curl_url_get curlso.url_get
#define curl_url_cleanup curlso.url_cleanup
#define curl_free curlso.free
#define curl_getdate curlso.getdate
#endif

#endif
