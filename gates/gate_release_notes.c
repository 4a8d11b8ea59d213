/* release_notes: the version being promoted has notes, as a GitHub release (draft or
 * published) with a body, or as a section of the changelog at the commit. */
#include "gate.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/buf.h"
#include "core/github/gh.h"
#include "core/git/repo.h"
#include "core/github/roles.h"

#define VERSION_FILE_MAX (64 * 1024)
#define CHANGELOG_MAX (8 * 1024 * 1024)
#define VERSION_MAX 128
#define HEADING_MAX 200

static const struct gate_param release_notes_params[] = {
    {"version_file", PARAM_STRING, 0},
    {"changelog", PARAM_STRING, 0},
    {NULL, 0, 0},
};

static int
release_notes_plan(const struct gate_ctx *ctx, struct gh_store *s, struct err *e)
{
    return gh_want(s, GH_PAGES, NULL, e, "/repos/%s/%s/releases", ctx->owner, ctx->name);
}

static int
blank(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!isspace((unsigned char)s[i]))
            return 0;
    return 1;
}

/* The version: --release-version, else the first line of version_file at the commit. */
static int
read_version(char *out, size_t outsz, const char **source, const struct gate_ctx *ctx,
             struct err *e)
{
    const char *file = json_string_value(json_object_get(ctx->rule, "version_file"));
    struct buf b = BUF_INIT;
    const char *p, *end;
    size_t i, n;
    int rc = -1;

    if (ctx->release_version && ctx->release_version[0]) {
        *source = "release_version";
        p = ctx->release_version;
        n = strlen(p);
    } else if (file) {
        *source = "version_file";
        if (repo_read_at_commit(ctx->repo, ctx->commit, file, VERSION_FILE_MAX, &b, e) < 0)
            return -1;
        p = buf_str(&b);
        if (b.len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
            p += 3; /* a UTF-8 byte order mark */
        end = strchr(p, '\n');
        n = end ? (size_t)(end - p) : strlen(p);
        while (n && isspace((unsigned char)*p)) {
            p++;
            n--;
        }
        while (n && isspace((unsigned char)p[n - 1]))
            n--;
        if (n == 0) {
            err_set(e, EXIT_EVAL, "'%s' at commit %.12s: the first line is empty", file,
                    ctx->commit);
            goto done;
        }
    } else {
        return err_set(e, EXIT_EVAL,
                       "no version to look for: give --release-version or set the gate's "
                       "version_file");
    }
    for (i = 0; i < n; i++)
        if (isspace((unsigned char)p[i]) || iscntrl((unsigned char)p[i]))
            break;
    if (i < n || n >= outsz || n > VERSION_MAX) {
        err_set(e, EXIT_EVAL, "version '%.*s' (from %s) is not a single word of at most %d bytes",
                (int)(n > 64 ? 64 : n), p, *source, VERSION_MAX);
        goto done;
    }
    memcpy(out, p, n);
    out[n] = '\0';
    rc = 0;
done:
    buf_release(&b);
    return rc;
}

/* The release tagged V or "v"+V, preferring one with a body: {tag_name, draft, has_body}. */
static int
find_release(json_t **out, const json_t *releases, const char *v, const char *where, struct err *e)
{
    const json_t *pick = NULL;
    int pick_body = 0;
    size_t i;

    *out = NULL;
    if (!json_is_array(releases))
        return err_set(e, EXIT_EVAL, "unexpected response from %s: not an array", where);
    for (i = 0; i < json_array_size(releases); i++) {
        const json_t *r = json_array_get(releases, i);
        const char *tag = json_string_value(json_object_get(r, "tag_name"));
        const json_t *draft = json_object_get(r, "draft"), *body = json_object_get(r, "body");
        int has_body;

        if (!tag)
            return err_set(e, EXIT_EVAL,
                           "unexpected response from %s: release [%zu]: 'tag_name' is not a "
                           "string",
                           where, i);
        if (strcmp(tag, v) != 0 && !(tag[0] == 'v' && strcmp(tag + 1, v) == 0))
            continue;
        if (!json_is_boolean(draft) || !body || (!json_is_null(body) && !json_is_string(body)))
            return err_set(e, EXIT_EVAL,
                           "unexpected response from %s: release '%.64s': needs 'draft' "
                           "(boolean) and 'body' (string or null)",
                           where, tag);
        has_body =
            json_is_string(body) && !blank(json_string_value(body), json_string_length(body));
        if (!pick || (has_body && !pick_body)) {
            pick = r;
            pick_body = has_body;
        }
    }
    if (!pick)
        return 0;
    *out = json_pack("{s:O, s:O, s:b}", "tag_name", json_object_get(pick, "tag_name"), "draft",
                     json_object_get(pick, "draft"), "has_body", pick_body);
    return *out ? 0 : err_set(e, EXIT_EVAL, "out of memory");
}

static int
word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* Does TEXT contain V as a whole token ("[1.4.0]", "v1.4.0", "1.4.0." but not
 * "1.4.0-rc1", "11.4.0" or "1.4.0.1")? */
static int
has_token(const char *text, size_t n, const char *v)
{
    size_t vl = strlen(v), i;

    for (i = 0; vl && i + vl <= n; i++) {
        size_t b = i, a = i + vl;

        if (memcmp(text + i, v, vl) != 0)
            continue;
        if (b > 0 && (text[b - 1] == 'v' || text[b - 1] == 'V') && isdigit((unsigned char)v[0]))
            b--;
        if (b > 0 && (word_char(text[b - 1]) || text[b - 1] == '.'))
            continue;
        if (a < n && word_char(text[a]))
            continue;
        if (a + 1 < n && (text[a] == '.' || text[a] == '-' || text[a] == '+') &&
            word_char(text[a + 1]))
            continue;
        return 1;
    }
    return 0;
}

/* An ATX heading: up to 3 spaces, 1 to 6 '#', then a blank or the end. 0 when not one. */
static int
heading_level(const char *line, size_t n, const char **text, size_t *tn)
{
    size_t i = 0, level;

    while (i < n && i < 3 && line[i] == ' ')
        i++;
    for (level = 0; i < n && line[i] == '#'; i++)
        level++;
    if (level == 0 || level > 6 || (i < n && line[i] != ' ' && line[i] != '\t'))
        return 0;
    *text = line + i;
    *tn = n - i;
    return (int)level;
}

/* A code fence line (``` or ~~~): its character, else 0. */
static char
fence(const char *line, size_t n)
{
    size_t i = 0;

    while (i < n && i < 3 && line[i] == ' ')
        i++;
    if (i + 3 <= n && (line[i] == '`' || line[i] == '~') && line[i + 1] == line[i] &&
        line[i + 2] == line[i])
        return line[i];
    return 0;
}

/* The changelog's section for V: {path, heading (the first heading for V with text under
 * it, else the first heading for V, else null), has_text}. */
static int
scan_changelog(json_t **out, const char *path, const char *doc, size_t len, const char *v,
               struct err *e)
{
    char heading[HEADING_MAX + 1] = "", open[HEADING_MAX + 1] = "";
    const char *p = doc, *end = doc + len;
    int level = 0, has_text = 0, found = 0, found_text = 0;
    char in_fence = 0;

    while (p < end && !found_text) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *text = NULL;
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p), tn = 0;
        int l = 0;
        char fc;

        if (n && p[n - 1] == '\r')
            n--;
        fc = fence(p, n);
        if (fc && (!in_fence || fc == in_fence))
            in_fence = in_fence ? 0 : fc;
        else if (!in_fence)
            l = heading_level(p, n, &text, &tn);
        if (l && level && l <= level) {
            /* the open section ends here */
            if (has_text)
                found_text = 1;
            level = 0;
        }
        if (!found_text) {
            if (l && !level && has_token(text, tn, v)) {
                level = l;
                has_text = 0;
                snprintf(open, sizeof(open), "%.*s", (int)(n > HEADING_MAX ? HEADING_MAX : n), p);
                if (!found) {
                    memcpy(heading, open, sizeof(heading));
                    found = 1;
                }
            } else if (level && !l && !blank(p, n)) {
                has_text = 1;
            }
        }
        p = nl ? nl + 1 : end;
    }
    if (level && has_text)
        found_text = 1;
    if (found_text)
        memcpy(heading, open, sizeof(heading));
    *out = json_pack("{s:s, s:s?, s:b}", "path", path, "heading", found ? heading : NULL,
                     "has_text", found_text);
    return *out ? 0 : err_set(e, EXIT_EVAL, "out of memory");
}

/* evidence: {"version", "version_source": "release_version"|"version_file",
 *            "release": {"tag_name", "draft", "has_body"} or null,
 *            "changelog": {"path", "heading" (or null), "has_text"} or null} */
static int
release_notes_collect(const struct gate_ctx *ctx, struct evidence *ev, struct err *e)
{
    const char *changelog = json_string_value(json_object_get(ctx->rule, "changelog"));
    const char *source = NULL;
    const json_t *releases;
    json_t *rel = NULL, *cl = NULL;
    struct buf doc = BUF_INIT;
    char v[VERSION_MAX + 1], path[1024], where[1100];
    int rc = -1;

    if (read_version(v, sizeof(v), &source, ctx, e) < 0)
        return -1;
    snprintf(path, sizeof(path), "/repos/%s/%s/releases", ctx->owner, ctx->name);
    snprintf(where, sizeof(where), "GET %s", path);
    if (roles_res_body(&releases, gh_find(ctx->gh, "%s", path), path, e) < 0 ||
        find_release(&rel, releases, v, where, e) < 0)
        goto done;
    if (changelog) {
        if (repo_read_at_commit(ctx->repo, ctx->commit, changelog, CHANGELOG_MAX, &doc, e) < 0 ||
            scan_changelog(&cl, changelog, buf_str(&doc), doc.len, v, e) < 0)
            goto done;
    }
    ev->data = json_pack("{s:s, s:s, s:O?, s:O?}", "version", v, "version_source", source,
                         "release", rel, "changelog", cl);
    if (!ev->data) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    rc = 0;
done:
    json_decref(rel);
    json_decref(cl);
    buf_release(&doc);
    return rc;
}

static int
valid_evidence(const json_t *data, const json_t *rule)
{
    const json_t *rel = json_object_get(data, "release"), *cl = json_object_get(data, "changelog");
    const json_t *heading = json_object_get(cl, "heading");

    if (!json_is_string(json_object_get(data, "version")) || !rel || !cl)
        return 0;
    if (!json_is_null(rel) && (!json_is_string(json_object_get(rel, "tag_name")) ||
                               !json_is_boolean(json_object_get(rel, "draft")) ||
                               !json_is_boolean(json_object_get(rel, "has_body"))))
        return 0;
    if (json_is_null(cl))
        return !json_is_string(json_object_get(rule, "changelog")); /* named, so collected */
    return json_is_string(json_object_get(cl, "path")) && heading &&
           (json_is_null(heading) || json_is_string(heading)) &&
           json_is_boolean(json_object_get(cl, "has_text"));
}

static enum verdict
release_notes_evaluate(const struct evidence *ev, const json_t *rule, time_t now, struct finding *f)
{
    const char *v = json_string_value(json_object_get(ev->data, "version"));
    const json_t *rel = json_object_get(ev->data, "release");
    const json_t *cl = json_object_get(ev->data, "changelog");
    const char *tag = json_string_value(json_object_get(rel, "tag_name"));
    const char *path = json_string_value(json_object_get(cl, "path"));
    const json_t *heading = json_object_get(cl, "heading");
    int rel_ok, cl_ok;
    const char *by;
    char why[256];

    (void)now;
    if (!valid_evidence(ev->data, rule)) {
        finding_summary(f, "no release notes evidence for commit %.12s", ev->commit);
        return VERDICT_ERROR;
    }
    rel_ok = !json_is_null(rel) && json_is_true(json_object_get(rel, "has_body"));
    cl_ok = !json_is_null(cl) && json_is_string(heading) &&
            json_is_true(json_object_get(cl, "has_text"));
    by = rel_ok ? "release" : cl_ok ? "changelog" : NULL;
    f->details =
        json_pack("{s:s, s:o, s:o, s:s?}", "version", v, "release",
                  json_is_null(rel) ? json_null()
                                    : json_pack("{s:s, s:O, s:O}", "tag_name", tag, "draft",
                                                json_object_get(rel, "draft"), "has_body",
                                                json_object_get(rel, "has_body")),
                  "changelog",
                  json_is_null(cl) ? json_null()
                                   : json_pack("{s:s, s:b}", "path", path, "has_section", cl_ok),
                  "satisfied_by", by);
    if (rel_ok) {
        finding_summary(f, "release notes for %s: GitHub release %s%s", v, tag,
                        json_is_true(json_object_get(rel, "draft")) ? " (draft)" : "");
        return VERDICT_PASS;
    }
    if (cl_ok) {
        finding_summary(f, "release notes for %s: '%s' in %s", v, json_string_value(heading), path);
        return VERDICT_PASS;
    }
    if (json_is_null(rel))
        snprintf(why, sizeof(why), "no GitHub release tagged %s or v%s", v, v);
    else
        snprintf(why, sizeof(why), "GitHub release %s has an empty body", tag);
    if (json_is_null(cl))
        finding_summary(f, "no release notes for %s: %s", v, why);
    else if (json_is_null(heading))
        finding_summary(f, "no release notes for %s: %s; no heading for %s in %s", v, why, v, path);
    else
        finding_summary(f, "no release notes for %s: %s; the %s section of %s is empty", v, why, v,
                        path);
    return VERDICT_FAIL;
}

/* The release or changelog heading that is missing. */
static void
release_notes_remedy(const struct evidence *ev, const json_t *rule, time_t now,
                     const struct finding *f, struct remedy *out)
{
    const char *v = json_string_value(json_object_get(ev->data, "version"));
    const json_t *rel = json_object_get(ev->data, "release");
    const char *changelog = json_string_value(json_object_get(rule, "changelog"));
    char first[300];

    (void)now;
    (void)f;
    if (json_is_null(rel))
        snprintf(first, sizeof(first), "publish a GitHub release tagged %s (or v%s) with notes",
                 v, v);
    else
        snprintf(first, sizeof(first), "write the notes of GitHub release %s (its body is empty)",
                 json_string_value(json_object_get(rel, "tag_name")));
    if (changelog)
        remedy_text(out, "%s, or add a heading for %s with text under it to %s", first, v,
                    changelog);
    else
        remedy_text(out, "%s", first);
    out->data = json_pack("{s:s, s:s, s:o, s:s?}", "action", "release_notes", "version", v,
                          "release_tag",
                          json_is_null(rel) ? json_null()
                                            : json_incref(json_object_get(rel, "tag_name")),
                          "changelog", changelog);
}

const struct gate gate_release_notes = {
    .type = "release_notes",
    .needs_evidence = 0,
    .params = release_notes_params,
    .plan = release_notes_plan,
    .collect = release_notes_collect,
    .evaluate = release_notes_evaluate,
    .remedy = release_notes_remedy,
};
