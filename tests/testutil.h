/* Shared by the parser tests: fixture paths and a temporary directory for hand-made
 * inputs. Include after cmocka.h; define TESTUTIL_NAME (a short word) first. */
#ifndef PROMOTE_TESTUTIL_H
#define PROMOTE_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmpdir[] = "/tmp/promote-test-" TESTUTIL_NAME "-XXXXXX";

/* The path of a file under tests/fixtures/reports (REL is relative to it). */
static inline const char *
fixture(const char *rel)
{
    static char path[1024];

    snprintf(path, sizeof(path), "%s/%s", FIXTURES, rel);
    return path;
}

/* Write LEN bytes of DATA to a new file in the temp dir; returns its path. */
static inline const char *
tmpfile_with(const char *name, const void *data, size_t len)
{
    static char path[1024];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

static inline const char *
tmpfile_str(const char *name, const char *s)
{
    return tmpfile_with(name, s, strlen(s));
}

static int
setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int
teardown(void **state)
{
    char cmd[256];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

#endif
