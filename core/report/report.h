/* Streaming report parsers. Each reads one evidence file in 64 KiB chunks, hashes
 * it (SHA-256) on the way, and returns a small summary, never the document, so a
 * report of any size costs bounded memory. The format is detected from content. */
#ifndef PROMOTE_REPORT_H
#define PROMOTE_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/base/err.h"

#define REPORT_CHUNK (64 * 1024)

enum report_kind { REPORT_KIND_UNKNOWN = 0, REPORT_KIND_COVERAGE, REPORT_KIND_TESTS, REPORT_KIND_SECURITY };

enum report_format {
    REPORT_FMT_UNKNOWN = 0,
    REPORT_FMT_COBERTURA,
    REPORT_FMT_LCOV,
    REPORT_FMT_COVERAGEPY,
    REPORT_FMT_JUNIT,
    REPORT_FMT_SARIF
};

struct coverage_summary {
    uint64_t lines_covered;
    uint64_t lines_total;
    double percent; /* unrounded, 0..100 */
};

/* Failing tests and blocking findings are kept by name, the first few only, so that a
 * report of any size still costs bounded memory; the counts say how many there are. */
#define REPORT_FIRST_KEPT 5
#define REPORT_TEST_NAME_LEN 256
#define REPORT_MESSAGE_LEN 160

/* A test that failed or ended in an error: valid UTF-8, no control characters. */
struct failed_test {
    char name[REPORT_TEST_NAME_LEN];  /* "classname.name", or the suite's name and the name */
    char message[REPORT_MESSAGE_LEN]; /* first line of its message, cut; "" when none */
    int error;                        /* an <error> (or a test that did not run), not a <failure> */
};

struct tests_summary {
    uint64_t total, passed, failed, errors, skipped;
    uint64_t disabled; /* status="disabled": neither passed nor failed */
    /* the first of the failed + errors tests, in document order */
    size_t n_failing;
    struct failed_test failing[REPORT_FIRST_KEPT];
};

#define SARIF_MAX_REVISIONS 16
#define SARIF_REVISION_LEN 128
#define SARIF_RULE_LEN 128
#define SARIF_URI_LEN 256

/* Severities, most severe first: the index of security_summary.first. */
enum severity { SEVERITY_CRITICAL = 0, SEVERITY_HIGH, SEVERITY_MEDIUM, SEVERITY_LOW, SEVERITY_COUNT };

/* An active finding: valid UTF-8, no control characters. */
struct security_finding {
    char rule[SARIF_RULE_LEN]; /* ruleId (or the rule's id), "" when none */
    char level[8];             /* effective level: error, warning, note, none */
    char uri[SARIF_URI_LEN];   /* its first location's artifactLocation.uri, "" when none */
    uint64_t line;             /* that location's region.startLine, 0 when none */
    uint64_t ordinal;          /* its place among all results of the log, from 0 */
};

struct security_summary {
    uint64_t critical, high, medium, low;
    uint64_t active;     /* kind fail, not absent, not suppressed */
    uint64_t suppressed; /* non-empty suppressions, none underReview/rejected */
    uint64_t absent;     /* baselineState "absent" */
    uint64_t runs;
    uint64_t results;
    /* distinct versionControlProvenance[].revisionId values seen in any run */
    size_t n_revisions;
    int revisions_overflow; /* more distinct ids than fit: treated as contradictory */
    char revisions[SARIF_MAX_REVISIONS][SARIF_REVISION_LEN];
    /* notifications of level "error" in the runs' invocations (a tool that could not
     * parse a file, a converter that crashed), and the first of them, quoted */
    uint64_t tool_errors;
    char tool_error[320];
    /* per severity (enum severity), the first active findings in document order; the
     * count of each severity is above */
    size_t n_first[SEVERITY_COUNT];
    struct security_finding first[SEVERITY_COUNT][REPORT_FIRST_KEPT];
};

const char *report_severity_name(enum severity s);

struct report {
    enum report_kind kind;
    enum report_format format;
    unsigned char sha256[32];
    uint64_t bytes;
    union {
        struct coverage_summary coverage;
        struct tests_summary tests;
        struct security_summary security;
    } u;
};

/* Detect the format of PATH from its content, parse it, and fill OUT.
 * Errors (code EXIT_EVAL) name the file and the reason. */
int report_load(struct report *out, const char *path, struct err *e);

/* The numbers a gate uses, as the JSON details object (gates may add their own keys). */
json_t *report_details(const struct report *r);

/* The summary as the audit log keeps it, for a later replay: report_details plus "kind",
 * the unrounded "percent_exact" (coverage) and the scanned "revisions" (security). */
json_t *report_to_json(const struct report *r);
/* Back from report_to_json's object (numbers may be the log's decimal strings); -1 when
 * it is not one. The sha256 and size are not restored. */
int report_from_json(struct report *out, const json_t *j);

const char *report_kind_name(enum report_kind k);
const char *report_format_name(enum report_format f);

/* --- the pieces report_load is built from (also used by tests and bench) --- */

/* Called for each chunk read; return 0 to go on, -1 (with E set) to stop. */
typedef int (*report_feed_fn)(void *ud, const unsigned char *data, size_t len, struct err *e);

/* Read PATH in REPORT_CHUNK blocks, hash it, pass each block to FEED, then call
 * FEED once more with len 0 to mark the end. SHA256 may be NULL. */
int report_stream(const char *path, report_feed_fn feed, void *ud, unsigned char sha256[32],
                  uint64_t *bytes, struct err *e);

/* LEN bytes of S, a string from a report, made fit to show and to go into JSON: cut at
 * the first line end when FIRST_LINE, control characters as '?', cut with "..." to fit
 * OUT (OUTSZ > 4) at a character boundary, and valid UTF-8. Returns OUT. */
char *report_text(char *out, size_t outsz, const char *s, size_t len, int first_line);

/* SHA-256 of a whole file (64 KiB blocks). */
int report_hash_file(unsigned char sha256[32], const char *path, struct err *e);

/* Per-format parsers: PATH is used for reading and in messages. */
int report_cobertura_parse(struct coverage_summary *out, const char *path, unsigned char sha[32],
                           uint64_t *bytes, struct err *e);
int report_lcov_parse(struct coverage_summary *out, const char *path, unsigned char sha[32],
                      uint64_t *bytes, struct err *e);
int report_coveragepy_parse(struct coverage_summary *out, const char *path, unsigned char sha[32],
                            uint64_t *bytes, struct err *e);
int report_junit_parse(struct tests_summary *out, const char *path, unsigned char sha[32],
                       uint64_t *bytes, struct err *e);
int report_sarif_parse(struct security_summary *out, const char *path, unsigned char sha[32],
                       uint64_t *bytes, struct err *e);

#endif
