/* One error type for the whole tool: filled where a failure happens, passed up
 * unchanged, printed once by cmd/. */
#ifndef PROMOTE_ERR_H
#define PROMOTE_ERR_H

/* Exit codes: a contract for every command. */
enum exit_code {
    EXIT_OK = 0,       /* approved / done */
    EXIT_REJECTED = 1, /* a gate failed, or a rule refused it */
    EXIT_USAGE = 2,    /* invocation or configuration wrong; nothing evaluated */
    EXIT_EVAL = 3,     /* evaluation could not complete: fail closed */
    EXIT_TAMPER = 4    /* signature or audit-chain check failed */
};

struct err {
    int code; /* one of enum exit_code; 0 while unset */
    char msg[512];
};

#define ERR_INIT {0, {0}}

/* Set code and message; always returns -1 so callers can `return err_set(...)`. */
int err_set(struct err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prefix an existing message with new context ("context: old message"). */
int err_prefix(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The kind of a jansson parse error, in words of our own: jansson's text quotes the
 * input near the error, which may be anything (a secret file given as evidence). */
struct json_error_t;
const char *err_json_kind(const struct json_error_t *je);

/* Copy libgit2's last error after a failed call; returns -1. */
int err_git(struct err *e, int code, const char *what);

#endif
