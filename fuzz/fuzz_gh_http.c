/* The GitHub client over HTTP: gh_fetch and gh_post against a server on 127.0.0.1 (a
 * thread of this process) that answers with the responses the input gives. This reaches
 * what core/github/gh.c decodes itself: statuses, the Link header's next page (and the check that
 * it stays on the API's host), ETags and the cache replayed on 304, the rate-limit headers
 * (Retry-After, X-RateLimit-*), error bodies, pages joined as arrays or under a key.
 *
 * The first byte of the input picks how the one resource is fetched (single, pages of an
 * array, pages of an object's "check_runs"), whether it is fetched a second time (sending
 * If-None-Match when an ETag was cached) and whether a POST follows. The rest is the
 * server's responses in the order of the requests, separated by a line "--": a status
 * line ("200"; only 200 to 499, anything else is 200, so that no input waits out the
 * retry backoff of a 5xx), header lines "Name: value" ("$BASE" stands for the server's
 * URL, for Link headers), a blank line and the body. The framing headers are the
 * server's own. Requests past the last response get a 404.
 *
 * One resource per gh_fetch, so that the order of the requests, and the input, decide
 * everything.
 *
 * usleep is replaced for this executable: gh_fetch sleeps while no transfer runs, up to
 * 200 ms per turn of its loop, even before a retry due at once (Retry-After: 0), which
 * made such inputs cost seconds. Here that sleep returns at once and the loop turns
 * until the retry is due by the clock, which still runs: a backoff after a failed
 * transfer (0.2 s and more) takes its real time. */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/base/buf.h"
#include "core/github/gh.h"
#include "fuzz.h"

#define SEP "\n--\n"
#define PATH                                                                                       \
    "/repos/bbws/order-lambda/commits/"                                                            \
    "1111111111111111111111111111111111111111/check-runs"

int
usleep(useconds_t us)
{
    (void)us;
    sched_yield();
    return 0;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const uint8_t *replies; /* what is left of the input */
static size_t replies_size;
static char base[64];
static char cache_dir[4096];

/* Read one request (headers and any Content-Length body) from FD. */
static void
read_request(int fd)
{
    char req[65536];
    size_t got = 0, need = 0;
    char *end;
    ssize_t n;

    for (;;) {
        if (got == sizeof(req) - 1)
            return;
        n = recv(fd, req + got, sizeof(req) - 1 - got, 0);
        if (n <= 0)
            return;
        got += (size_t)n;
        req[got] = '\0';
        end = strstr(req, "\r\n\r\n");
        if (!end)
            continue;
        if (!need) {
            const char *cl = strcasestr(req, "\r\ncontent-length:");

            need = (size_t)(end + 4 - req) + (cl ? strtoul(cl + 17, NULL, 10) : 0);
        }
        if (got >= need)
            return;
    }
}

/* A header the input may give: a token for a name, and none of the framing headers
 * (curl would refuse a broken frame, and retry it with backoff). */
static int
allowed_header(const char *name, size_t len)
{
    static const char *const own[] = {"content-length", "transfer-encoding", "content-encoding",
                                      "connection",     "keep-alive",        "upgrade",
                                      "trailer"};
    size_t i;

    for (i = 0; i < len; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
              (name[i] >= '0' && name[i] <= '9') || name[i] == '-' || name[i] == '_'))
            return 0;
    for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
        if (strlen(own[i]) == len && strncasecmp(name, own[i], len) == 0)
            return 0;
    return 1;
}

/* The next response of the input as HTTP/1.1 into OUT. */
static void
next_response(struct buf *out)
{
    const uint8_t *piece = NULL, *p, *end, *body;
    size_t len = 0;
    long status = 200;
    int first = 1;

    pthread_mutex_lock(&lock);
    if (!fuzz_next(&piece, &len, &replies, &replies_size, SEP)) {
        pthread_mutex_unlock(&lock);
        buf_adds(out, "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
        return;
    }
    pthread_mutex_unlock(&lock);
    end = piece + len;
    body = end;
    for (p = piece; p < end; p++) {
        if (*p == '\n' && p + 1 < end && p[1] == '\n') {
            body = p + 2;
            break;
        }
    }
    {
        struct buf head = BUF_INIT;
        const uint8_t *line = piece, *stop = body == end ? end : body - 2, *nl;

        while (line < stop) {
            const uint8_t *colon;
            size_t i, ll;

            nl = memchr(line, '\n', (size_t)(stop - line));
            ll = (size_t)((nl ? nl : stop) - line);
            if (first) {
                char num[8];

                first = 0;
                snprintf(num, sizeof(num), "%.*s", (int)(ll < 3 ? ll : 3), (const char *)line);
                status = strtol(num, NULL, 10);
            } else if ((colon = memchr(line, ':', ll)) != NULL && colon > line &&
                       allowed_header((const char *)line, (size_t)(colon - line))) {
                for (i = 0; i < ll; i++) {
                    unsigned char c = line[i];

                    if (c == '$' && ll - i >= 5 && memcmp(line + i, "$BASE", 5) == 0) {
                        buf_adds(&head, base);
                        i += 4;
                    } else if (c >= 0x20 && c != 0x7f) {
                        buf_add(&head, &c, 1);
                    }
                }
                buf_adds(&head, "\r\n");
            }
            line = nl ? nl + 1 : stop;
        }
        if (status < 200 || status > 499)
            status = 200;
        buf_addf(out, "HTTP/1.1 %ld Fuzz\r\n%sContent-Length: %zu\r\nConnection: close\r\n\r\n",
                 status, buf_str(&head), (size_t)(end - body));
        buf_add(out, body, (size_t)(end - body));
        buf_release(&head);
    }
}

static void *
serve(void *arg)
{
    int lfd = *(int *)arg;

    for (;;) {
        struct buf out = BUF_INIT;
        size_t done = 0;
        int fd = accept(lfd, NULL, NULL);

        if (fd < 0)
            continue;
        read_request(fd);
        next_response(&out);
        while (done < out.len) {
            ssize_t n = send(fd, out.ptr + done, out.len - done, MSG_NOSIGNAL);

            if (n <= 0)
                break;
            done += (size_t)n;
        }
        shutdown(fd, SHUT_WR);
        close(fd);
        buf_release(&out);
    }
    return NULL;
}

static struct gh *
client(void)
{
    static struct gh *gh;
    static int lfd;
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    pthread_t t;
    struct err e = ERR_INIT;
    struct gh_config cfg = {NULL, "bbws/order-lambda", 5000, 0, cache_dir, NULL};
    const char *tmp = getenv("TMPDIR");

    if (gh)
        return gh;
    unsetenv("GITHUB_TOKEN");
    unsetenv("GH_TOKEN");
    snprintf(cache_dir, sizeof(cache_dir), "%s/promote-fuzz-cache-XXXXXX",
             tmp && tmp[0] == '/' ? tmp : "/tmp");
    if (!mkdtemp(cache_dir))
        fuzz_fail("cannot create the cache directory");
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 64) < 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0)
        fuzz_fail("cannot listen on 127.0.0.1");
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", ntohs(sa.sin_port));
    if (pthread_create(&t, NULL, serve, &lfd) != 0)
        fuzz_fail("cannot start the server thread");
    pthread_detach(t);
    cfg.api_base = base;
    if (gh_new(&gh, &cfg, &e) < 0)
        fuzz_fail(e.msg);
    return gh;
}

/* Empty the cache between inputs: each input starts from nothing. */
static void
cache_clear(void)
{
    char dir[4200], path[4500];
    struct dirent *d;
    DIR *dh;

    snprintf(dir, sizeof(dir), "%s/github", cache_dir);
    dh = opendir(dir);
    if (!dh)
        return;
    while ((d = readdir(dh)) != NULL) {
        if (d->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
        unlink(path);
    }
    closedir(dh);
}

static void
fetch(struct gh *gh, enum gh_paging paging, const char *key)
{
    struct gh_store s = GH_STORE_INIT;
    const struct gh_res *r;
    struct err e = ERR_INIT;
    int rc;

    FUZZ_CHECK(gh_want(&s, paging, key, &e, "%s", PATH) == 0);
    rc = gh_fetch(gh, &s, &e);
    fuzz_check_err(rc, &e);
    FUZZ_CHECK(rc == 0);
    r = gh_find(&s, "%s", PATH);
    FUZZ_CHECK(r && !gh_pending(&s));
    switch (r->state) {
    case GH_OK:
        FUZZ_CHECK(r->json != NULL && r->pages >= 1);
        if (paging == GH_PAGES)
            FUZZ_CHECK(json_is_array(r->json));
        if (paging == GH_PAGES_KEY)
            FUZZ_CHECK(json_is_array(json_object_get(r->json, key)));
        break;
    case GH_NOT_FOUND:
        FUZZ_CHECK(r->json == NULL);
        break;
    case GH_FAILED:
        FUZZ_CHECK(r->error[0] && memchr(r->error, '\0', sizeof(r->error)));
        break;
    default:
        fuzz_fail("a resource left wanted after the fetch");
    }
    gh_store_release(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum gh_paging pagings[] = {GH_SINGLE, GH_PAGES, GH_PAGES_KEY};
    struct gh *gh = client();
    enum gh_paging paging;
    unsigned flags;

    fuzz_input(data, size);
    if (size == 0)
        return 0;
    flags = data[0];
    paging = pagings[(flags & 3) % 3];
    pthread_mutex_lock(&lock);
    replies = data + 1;
    replies_size = size - 1;
    pthread_mutex_unlock(&lock);

    fetch(gh, paging, paging == GH_PAGES_KEY ? "check_runs" : NULL);
    if (flags & 4) /* again: a cached ETag is sent, a 304 replays the cache */
        fetch(gh, paging, paging == GH_PAGES_KEY ? "check_runs" : NULL);
    if (flags & 8) {
        json_t *body = json_pack("{s:s}", "ref", "main"), *out = NULL;
        struct err e = ERR_INIT;
        long status = 0;
        int rc;

        rc = gh_post(gh, "/repos/bbws/order-lambda/actions/workflows/deploy.yml/dispatches", body,
                     &status, &out, &e);
        fuzz_check_err(rc, &e);
        if (rc == 0)
            FUZZ_CHECK(status >= 200 && status < 300);
        json_decref(out);
        json_decref(body);
    }
    cache_clear();
    return 0;
}
