/* core/sig: a signal is noted, never acted on in the handler; a deferred section holds
 * it until the section ends; a second one outside such a section ends the process; a
 * file size limit is a write error, not a kill. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/sig.h"

static int
setup(void **state)
{
    (void)state;
    sig_reset();
    return 0;
}

static void
test_nothing_pending(void **state)
{
    struct err e = ERR_INIT;

    (void)state;
    assert_int_equal(sig_pending(), 0);
    assert_int_equal(sig_check(&e, "during %s", "x"), 0);
    assert_int_equal(e.code, 0);
}

static void
test_noted_and_reported(void **state)
{
    struct err e = ERR_INIT;

    (void)state;
    assert_int_equal(raise(SIGINT), 0); /* the process goes on */
    assert_int_equal(sig_pending(), SIGINT);
    assert_int_equal(sig_check(&e, "during the %s", "evaluation"), -1);
    assert_int_equal(e.code, EXIT_EVAL);
    assert_string_equal(e.msg, "interrupted by SIGINT during the evaluation");
}

static void
test_first_signal_named(void **state)
{
    struct err e = ERR_INIT;

    (void)state;
    sig_defer_begin();
    raise(SIGTERM);
    raise(SIGINT);
    sig_defer_end(); /* both land here, the second one no "second request" */
    assert_int_equal(sig_pending(), SIGTERM);
    assert_int_equal(sig_check(&e, "now"), -1);
    assert_string_equal(e.msg, "interrupted by SIGTERM now");
}

static void
test_deferred_until_the_end(void **state)
{
    struct err e = ERR_INIT;

    (void)state;
    sig_defer_begin();
    sig_defer_begin(); /* nested */
    raise(SIGTERM);
    assert_int_equal(sig_pending(), 0); /* blocked: not even noted yet */
    assert_int_equal(sig_check(&e, "inside"), 0);
    sig_defer_end();
    assert_int_equal(sig_pending(), 0); /* still inside the outer section */
    sig_defer_end();
    assert_int_equal(sig_pending(), SIGTERM);
    assert_int_equal(sig_check(&e, "after the step"), -1);
    sig_defer_end(); /* unbalanced: harmless */
}

static void
test_second_signal_kills(void **state)
{
    int status = 0;
    pid_t pid;

    (void)state;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        raise(SIGINT);
        raise(SIGINT);
        _exit(0); /* not reached when the second one ends the process */
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGINT);
}

static void
test_file_size_limit_is_an_error(void **state)
{
    char path[] = "/tmp/test_sig.XXXXXX";
    int status = 0;
    pid_t pid;
    int fd;

    (void)state;
    fd = mkstemp(path);
    assert_true(fd >= 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = {16, 16};

        setrlimit(RLIMIT_FSIZE, &rl);
        /* past the limit: EFBIG, and the process lives to report it */
        _exit(write(fd, "0123456789abcdef0123456789abcdef", 32) == 16 &&
                      write(fd, "x", 1) < 0 && errno == EFBIG
                  ? 0
                  : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    close(fd);
    unlink(path);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_nothing_pending, setup),
        cmocka_unit_test_setup(test_noted_and_reported, setup),
        cmocka_unit_test_setup(test_first_signal_named, setup),
        cmocka_unit_test_setup(test_deferred_until_the_end, setup),
        cmocka_unit_test_setup(test_second_signal_kills, setup),
        cmocka_unit_test_setup(test_file_size_limit_is_an_error, setup),
    };

    if (sig_install() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
