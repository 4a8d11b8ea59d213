/* promote, the command: it loads the tool (libpromote.so, beside it or in its private
 * library directory) and hands it the command line. `promote --version` is answered here,
 * before anything is loaded: the tool needs 26 shared libraries (libgit2 and its TLS, SSH
 * and Kerberos libraries, SQLite, OpenSSL, ...), and mapping them costs three times what
 * starting a process does. */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/version.h"

#define TOOL "libpromote.so"

typedef int (*promote_main_fn)(int argc, char **argv);

/* The directory of this executable into DIR (SIZE): 0, or -1. */
static int
own_dir(char *dir, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", dir, size - 1);
    char *slash;

    if (n <= 0 || (size_t)n >= size - 1)
        return -1;
    dir[n] = '\0';
    slash = strrchr(dir, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    return 0;
}

/* Load the tool: beside this executable (a build tree), else in the library directory an
 * installation puts it in (PROMOTE_TOOL_DIR, relative to the executable's directory). */
static void *
load_tool(char *why, size_t whysz)
{
    static const char *const places[] = {"", "/" PROMOTE_TOOL_DIR};
    char dir[PATH_MAX], path[PATH_MAX + 64];
    void *h = NULL;
    size_t i;

    if (own_dir(dir, sizeof(dir)) < 0) {
        snprintf(why, whysz, "cannot find where promote is (/proc/self/exe)");
        return NULL;
    }
    for (i = 0; i < sizeof(places) / sizeof(places[0]) && !h; i++) {
        snprintf(path, sizeof(path), "%s%s/" TOOL, dir, places[i]);
        if (access(path, F_OK) != 0)
            continue;
        h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!h)
            snprintf(why, whysz, "%s", dlerror());
    }
    if (!h && !why[0])
        snprintf(why, whysz, "no %s in %s or %s/%s", TOOL, dir, dir, PROMOTE_TOOL_DIR);
    return h;
}

int
main(int argc, char **argv)
{
    char why[2 * PATH_MAX + 256] = "";
    promote_main_fn run;
    void *tool, *sym;

    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        fputs(PROMOTE_VERSION_LINE, stdout);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fputs("promote: cannot write to standard output\n", stderr);
            return 3;
        }
        return 0;
    }
    tool = load_tool(why, sizeof(why));
    sym = tool ? dlsym(tool, "promote_main") : NULL;
    if (!sym) {
        fprintf(stderr, "promote: cannot load the tool: %s\n",
                why[0] ? why : "no promote_main in " TOOL);
        return 3;
    }
    memcpy(&run, &sym, sizeof(run)); /* POSIX: a function's address converts from void * */
    return run(argc, argv);
}
