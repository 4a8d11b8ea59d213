/* bench/run's stopwatch: runs a command N times and reports its median wall time and its
 * peak resident memory. A child's peak RSS (wait4's ru_maxrss) counts the memory of the
 * process it was forked from until its exec, so a command forked by python3 shows at
 * least python's 10-20 MiB; forked from this small program it shows its own. Forking from
 * here also keeps python's cost out of the start-up times.
 *
 * usage: bench_spawn [-n N] COMMAND [ARG...]
 * The command's output and stdin are its own. Prints to stderr, last:
 *   bench_spawn: runs=N median_ns=T max_rss_kib=K exit=E
 * where E is the first non-zero exit code of the runs (128 + the signal for a signal), or
 * 0; exits with E. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNS 10000

static long long
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;

    return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
    long long *ns = NULL, t0;
    long max_rss = 0, runs = 1;
    struct rusage ru;
    char *end = NULL;
    int argi = 1, status, code = 0, rc = 2;
    long i;
    pid_t pid;

    if (argc > 2 && strcmp(argv[1], "-n") == 0) {
        errno = 0;
        runs = strtol(argv[2], &end, 10);
        if (errno || *end || runs < 1 || runs > MAX_RUNS) {
            fprintf(stderr, "bench_spawn: -n wants a count from 1 to %d\n", MAX_RUNS);
            goto done;
        }
        argi = 3;
    }
    if (argi >= argc) {
        fprintf(stderr, "usage: bench_spawn [-n N] COMMAND [ARG...]\n");
        goto done;
    }
    ns = calloc((size_t)runs, sizeof(*ns));
    if (!ns) {
        fprintf(stderr, "bench_spawn: out of memory\n");
        goto done;
    }
    for (i = 0; i < runs; i++) {
        t0 = now_ns();
        pid = fork();
        if (pid < 0) {
            fprintf(stderr, "bench_spawn: fork: %s\n", strerror(errno));
            goto done;
        }
        if (pid == 0) {
            execvp(argv[argi], argv + argi);
            fprintf(stderr, "bench_spawn: cannot run '%s': %s\n", argv[argi], strerror(errno));
            _exit(127);
        }
        while (wait4(pid, &status, 0, &ru) < 0) {
            if (errno != EINTR) {
                fprintf(stderr, "bench_spawn: wait4: %s\n", strerror(errno));
                goto done;
            }
        }
        ns[i] = now_ns() - t0;
        if (ru.ru_maxrss > max_rss)
            max_rss = ru.ru_maxrss;
        if (!code && WIFEXITED(status))
            code = WEXITSTATUS(status);
        else if (!code && WIFSIGNALED(status))
            code = 128 + WTERMSIG(status);
    }
    qsort(ns, (size_t)runs, sizeof(*ns), cmp_ll);
    fprintf(stderr, "bench_spawn: runs=%ld median_ns=%lld max_rss_kib=%ld exit=%d\n", runs,
            ns[runs / 2], max_rss, code);
    rc = code;
done:
    free(ns);
    return rc;
}
