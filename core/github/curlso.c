/* libcurl, loaded on first use (core/github/curlso.h). */
#define CURLSO_NO_NAMES 1
#include "core/github/curlso.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

struct curlso curlso;

/* Each entry of the table and the symbol that fills it. */
static const struct {
    const char *symbol;
    size_t offset;
} SYMBOLS[] = {
#define S(field) {"curl_" #field, offsetof(struct curlso, field)}
    S(easy_init),      S(easy_setopt),         S(easy_getinfo),    S(easy_perform),
    S(easy_cleanup),   S(easy_strerror),       S(easy_header),     S(multi_init),
    S(multi_setopt),   S(multi_add_handle),    S(multi_remove_handle),
    S(multi_perform),  S(multi_poll),          S(multi_info_read), S(multi_cleanup),
    S(slist_append),   S(slist_free_all),      S(url),             S(url_set),
    S(url_get),        S(url_cleanup),         S(free),            S(getdate),
    S(global_init),    S(global_cleanup),
#undef S
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct err load_err = ERR_INIT;
static int loaded;

/* The table's types are curl's own prototypes: a mismatch is a compile error under
 * -Werror (distinct pointer types compared), and nothing here references the symbols. */
static void
same_types(void)
{
#define SAME(field) (void)sizeof(curlso.field == &curl_##field)
    SAME(easy_init), SAME(easy_setopt), SAME(easy_getinfo), SAME(easy_perform);
    SAME(easy_cleanup), SAME(easy_strerror), SAME(easy_header), SAME(multi_init);
    SAME(multi_setopt), SAME(multi_add_handle), SAME(multi_remove_handle);
    SAME(multi_perform), SAME(multi_poll), SAME(multi_info_read), SAME(multi_cleanup);
    SAME(slist_append), SAME(slist_free_all), SAME(url), SAME(url_set), SAME(url_get);
    SAME(url_cleanup), SAME(free), SAME(getdate), SAME(global_init), SAME(global_cleanup);
#undef SAME
}

static void
load_once(void)
{
    struct curlso t;
    void *lib, *sym;
    const char *why;
    size_t i;

    same_types();
    memset(&t, 0, sizeof(t));
    lib = dlopen(CURLSO_NAME, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        why = dlerror();
        err_set(&load_err, EXIT_EVAL, "cannot load libcurl (%s): %s", CURLSO_NAME,
                why ? why : "unknown error");
        return;
    }
    for (i = 0; i < sizeof(SYMBOLS) / sizeof(SYMBOLS[0]); i++) {
        sym = dlsym(lib, SYMBOLS[i].symbol);
        if (!sym) {
            err_set(&load_err, EXIT_EVAL, "cannot load libcurl (%s): no %s: version 7.84 or "
                                          "later is needed",
                    CURLSO_NAME, SYMBOLS[i].symbol);
            dlclose(lib);
            return;
        }
        /* POSIX: a function's address converts to and from void * */
        memcpy((char *)&t + SYMBOLS[i].offset, &sym, sizeof(sym));
    }
    if (t.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        err_set(&load_err, EXIT_EVAL, "cannot initialise libcurl");
        dlclose(lib);
        return;
    }
    curlso = t;
    loaded = 1; /* the library stays mapped until the process ends */
}

int
curlso_load(struct err *e)
{
    if (pthread_once(&once, load_once) != 0)
        return err_set(e, EXIT_EVAL, "cannot load libcurl (%s)", CURLSO_NAME);
    if (!loaded) {
        *e = load_err;
        return -1;
    }
    return 0;
}

void
curlso_release(void)
{
    if (loaded)
        curlso.global_cleanup();
}
