/* The fuzz harness FUZZ_TARGET (fuzz/fuzz_<target>.c) compiled without libFuzzer, fed
 * every input kept under fuzz/regressions/<target>/ (what the fuzzers found, fixed since)
 * and the hand-written seeds of fuzz/seeds/<target>/, in name order. A harness checks
 * what the code promises and aborts otherwise; under the asan preset, a sanitizer report
 * or a leak fails the test too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz/fuzz.h"

static int
by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Feed every regular file of DIR (which may not exist) to the harness, in name order. */
static size_t
replay_dir(const char *dir)
{
    char **names = NULL, path[4096];
    size_t n = 0, i;
    struct dirent *d;
    DIR *dh = opendir(dir);

    if (!dh)
        return 0;
    while ((d = readdir(dh)) != NULL) {
        struct stat st;

        snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
        if (d->d_name[0] == '.' || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        names = realloc(names, (n + 1) * sizeof(*names));
        assert_non_null(names);
        names[n] = strdup(d->d_name);
        assert_non_null(names[n]);
        n++;
    }
    closedir(dh);
    if (n > 1)
        qsort(names, n, sizeof(*names), by_name);
    for (i = 0; i < n; i++) {
        uint8_t *data = NULL;
        size_t len = 0;
        long size;
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        f = fopen(path, "rb");
        if (!f)
            fail_msg("cannot open %s", path);
        assert_int_equal(fseek(f, 0, SEEK_END), 0);
        size = ftell(f);
        assert_true(size >= 0);
        rewind(f);
        data = malloc((size_t)size + 1); /* +1: a malloc of 0 may be NULL */
        assert_non_null(data);
        len = fread(data, 1, (size_t)size, f);
        assert_int_equal(len, (size_t)size);
        fclose(f);
        print_message("%s\n", path);
        assert_int_equal(LLVMFuzzerTestOneInput(data, len), 0);
        free(data);
        free(names[i]);
    }
    free(names);
    return n;
}

static void
test_replay(void **state)
{
    size_t n;

    (void)state;
    n = replay_dir(FUZZ_SRCDIR "/fuzz/regressions/" FUZZ_TARGET);
    n += replay_dir(FUZZ_SRCDIR "/fuzz/seeds/" FUZZ_TARGET);
    /* every target has hand-written seeds: a test that replays nothing proves nothing */
    assert_true(n > 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay),
    };

    return cmocka_run_group_tests_name("fuzz_" FUZZ_TARGET, tests, NULL, NULL);
}
