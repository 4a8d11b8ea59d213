/* C2SP signed-note checkpoints, as the audit log stores them: the input is parsed
 * (sign_checkpoint_parse) and verified against the fixed test key under the fixture's key
 * name and under the name it gives. A checkpoint that parses is signed again from its
 * fields with the test key; that note must verify and give back the same fields. */
#include <string.h>

#include "core/ledger/sign.h"
#include "fuzz.h"

#define KEY_NAME "example.com/promote/audit"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct checkpoint cp, again;
    struct buf note = BUF_INIT;
    struct err e = ERR_INIT;
    int rc;

    fuzz_input(data, size);
    rc = sign_checkpoint_verify(&cp, text, size, KEY_NAME, fuzz_test_key()->pk, &e);
    fuzz_check_err(rc, &e);
    rc = sign_checkpoint_parse(&cp, text, size, &e);
    fuzz_check_err(rc, &e);
    if (rc < 0)
        return 0;
    FUZZ_CHECK(cp.origin[0] && memchr(cp.origin, '\0', sizeof(cp.origin)));
    FUZZ_CHECK(cp.key_name[0] && memchr(cp.key_name, '\0', sizeof(cp.key_name)));
    rc = sign_checkpoint_verify(&again, text, size, cp.key_name, fuzz_test_key()->pk, &e);
    fuzz_check_err(rc, &e);

    rc = sign_checkpoint(&note, cp.origin, cp.size, cp.root, cp.key_name, fuzz_test_key(), &e);
    if (rc < 0)
        fuzz_fail(e.msg);
    rc = sign_checkpoint_verify(&again, note.ptr, note.len, cp.key_name, fuzz_test_key()->pk, &e);
    if (rc < 0)
        fuzz_fail(e.msg);
    FUZZ_CHECK(strcmp(again.origin, cp.origin) == 0 && again.size == cp.size &&
               memcmp(again.root, cp.root, sizeof(cp.root)) == 0 &&
               strcmp(again.key_name, cp.key_name) == 0);
    buf_release(&note);
    return 0;
}
