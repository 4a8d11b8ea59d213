/* SARIF: report_sarif_parse on the input, then what its summary promises. */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct report r = {.kind = REPORT_KIND_SECURITY, .format = REPORT_FMT_SARIF};
    struct err e = ERR_INIT;
    int rc;

    fuzz_input(data, size);
    rc = report_sarif_parse(&r.u.security, fuzz_file(data, size), r.sha256, &r.bytes, &e);
    fuzz_check_err(rc, &e);
    if (rc == 0) {
        FUZZ_CHECK(r.bytes == size);
        fuzz_check_report(&r);
    }
    return 0;
}
