#!/usr/bin/env python3
"""Write a trimmed copy of GitHub's OpenAPI description for the Prism contract check.

    python3 trim_spec.py [--source SPEC] [--out FILE] [--no-repositories-aliases] [--keep-examples]

Keeps only the operations the simulator serves (OPERATIONS below), every component they
reference (transitive $ref closure), and adds to each kept operation the responses that
the tests inject or that the simulator produces but GitHub's description leaves out:
304 (no content), and 401, 403, 404, 422, 429, 500, 502, 503 with the basic-error schema.
An operation that already declares a code keeps GitHub's declaration, except a declared
response without content for a code the simulator answers with a JSON body (GitHub's
team-membership 404 says "if user has no team membership" and declares no body, while
GitHub sends {message, documentation_url}): that one gets the basic-error content.

With repositories aliases (the default), each kept /repos/{owner}/{repo}/... operation is
also declared under /repositories/{repository_id}/..., the form GitHub's own Link headers
often use, so that such next-page links can go through Prism too. These aliases are not in
GitHub's description; --no-repositories-aliases leaves them out.

A schema that is `nullable` without a `type` but with a oneOf/anyOf (the `commit` schema's
author and committer: nullable oneOf [simple-user, empty-object]) does not compile in
Prism's validator (ajv: "nullable" cannot be used without "type"), and Prism then silently
skips the whole response's validation. Such a node is rewritten to the same meaning in a
form that compiles: the `nullable` moves into an extra alternative that only null
matches, {type: object, nullable: true, not: {type: object}} (marked in its description).

A parameter schema `oneOf: [{type: integer}, {type: string}]` (workflow-id: "the ID of the
workflow, or its file name") rejects every number: a path segment such as 5000002 matches
both alternatives, and Prism answers 422 "must match exactly one schema in oneOf" without
forwarding. Such a parameter's oneOf becomes an anyOf (marked in its description).

The `created` query parameter (list workflow runs) is typed `format: date-time`, but its
own description points to GitHub's search syntax, which GitHub accepts: `>=2024-05-01`,
`2024-05-01..2024-05-02`, a bare date. Prism answers 422 to every such value without
forwarding. Such a parameter (a date-time query parameter whose description refers to the
search syntax) loses its `format` (marked in its description).

Standard library only. Default source: node_modules/@octokit/openapi/generated/api.github.com.json
beside this file (npm ci in tests/ghsim installs it).
"""

import argparse
import copy
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SOURCE = os.path.join(HERE, "node_modules", "@octokit", "openapi", "generated", "api.github.com.json")

OPERATIONS = [
    ("/user", "get"),
    ("/repos/{owner}/{repo}/actions/runs/{run_id}", "get"),
    ("/repos/{owner}/{repo}/commits/{commit_sha}/pulls", "get"),
    ("/repos/{owner}/{repo}/commits/{ref}", "get"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}", "get"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "get"),
    ("/orgs/{org}/teams/{team_slug}/memberships/{username}", "get"),
    ("/orgs/{org}/teams/{team_slug}/members", "get"),
    ("/repos/{owner}/{repo}/commits/{ref}/check-runs", "get"),
    ("/repos/{owner}/{repo}/commits/{ref}/status", "get"),
    ("/repos/{owner}/{repo}/releases", "get"),
    ("/repos/{owner}/{repo}/releases/tags/{tag}", "get"),
    ("/repos/{owner}/{repo}/rules/branches/{branch}", "get"),
    # what a client polls to wait for a deployment or a dispatched workflow run
    ("/repos/{owner}/{repo}/deployments/{deployment_id}", "get"),
    ("/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", "get"),
    ("/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs", "get"),
    # write operations: Prism validates the request bodies too
    ("/repos/{owner}/{repo}/deployments", "post"),
    ("/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches", "post"),
]

# extra error codes of the write operations: 400 Problems parsing JSON
WRITE_ERROR_CODES = {
    "400": "Problems parsing JSON",
}

ERROR_CODES = {
    "401": "Requires authentication",
    "403": "Forbidden (permission error, or a primary or secondary rate limit)",
    "404": "Resource not found",
    "422": "Validation failed (for example: no commit found for the SHA)",
    "429": "Too many requests (primary or secondary rate limit)",
    "500": "Internal error",
    "502": "Bad gateway",
    "503": "Service unavailable",
}


def refs_in(node, out):
    if isinstance(node, dict):
        r = node.get("$ref")
        if isinstance(r, str):
            out.add(r)
        for v in node.values():
            refs_in(v, out)
    elif isinstance(node, list):
        for v in node:
            refs_in(v, out)


def resolve(spec, ref):
    if not ref.startswith("#/"):
        raise SystemExit("trim_spec: external $ref not supported: %s" % ref)
    node = spec
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[part]
    return node


NULL_ALTERNATIVE = {"type": "object", "nullable": True, "not": {"type": "object"},
                    "description": "null (ghsim: rewritten from a typeless `nullable`, which Prism's validator cannot compile)"}


def fix_typeless_nullable(node):
    """Rewrite {nullable: true, oneOf/anyOf: [...]} without `type` into a form ajv compiles; returns the count."""
    n = 0
    if isinstance(node, dict):
        if node.get("nullable") is True and "type" not in node:
            for key in ("oneOf", "anyOf"):
                if isinstance(node.get(key), list):
                    del node["nullable"]
                    node[key].append(copy.deepcopy(NULL_ALTERNATIVE))
                    n += 1
                    break
        for v in node.values():
            n += fix_typeless_nullable(v)
    elif isinstance(node, list):
        for v in node:
            n += fix_typeless_nullable(v)
    return n


def fix_overlapping_param_oneof(params):
    """oneOf -> anyOf for parameters whose alternatives are a string and a number type; returns the count."""
    n = 0
    for p in params:
        sch = p.get("schema") if isinstance(p, dict) else None
        alts = sch.get("oneOf") if isinstance(sch, dict) else None
        if isinstance(alts, list):
            types = {a.get("type") for a in alts if isinstance(a, dict)}
            if "string" in types and types & {"integer", "number"}:
                sch["anyOf"] = sch.pop("oneOf")
                p["description"] = p.get("description", "") + (
                    " (ghsim: oneOf rewritten as anyOf: a number matches both alternatives)")
                n += 1
    return n


def fix_search_syntax_dates(params):
    """Drop `format: date-time` from query parameters that take GitHub's date search syntax
    (`>=DATE`, `A..B`, a bare date); returns the count."""
    n = 0
    for p in params:
        sch = p.get("schema") if isinstance(p, dict) else None
        if (isinstance(sch, dict) and p.get("in") == "query" and sch.get("format") == "date-time"
                and "search syntax" in p.get("description", "")):
            del sch["format"]
            p["description"] += (" (ghsim: `format: date-time` dropped: GitHub takes the search syntax here,"
                                 " such as >=2024-05-01 or 2024-05-01..2024-05-02)")
            n += 1
    return n


def strip_examples(op):
    """Drop the response examples (documentation only; they do not take part in validation)."""
    for r in op.get("responses", {}).values():
        for media in (r.get("content") or {}).values():
            media.pop("examples", None)
            media.pop("example", None)


def trim(spec, aliases=True, keep_examples=False):
    comps = spec["components"]
    out = {
        "openapi": spec["openapi"],
        "info": dict(spec["info"], title="GitHub REST API (trimmed for promote's ghsim contract check)"),
        "servers": spec.get("servers", []),
        "paths": {},
        "components": {},
    }
    ops = []
    for path, method in OPERATIONS:
        item = spec["paths"].get(path)
        if not item or method not in item:
            raise SystemExit("trim_spec: operation not in the source: %s %s" % (method.upper(), path))
        op = copy.deepcopy(item[method])
        if not keep_examples:
            strip_examples(op)
        add_responses(op, comps, write=(method != "get"))
        out["paths"].setdefault(path, {})[method] = op
        # path-level parameters, if any
        if "parameters" in item:
            out["paths"][path]["parameters"] = copy.deepcopy(item["parameters"])
        ops.append((path, method, op))

    if aliases:
        comps_params = comps["parameters"]
        for path, method, op in ops:
            if not path.startswith("/repos/{owner}/{repo}/"):
                continue
            apath = "/repositories/{repository_id}/" + path[len("/repos/{owner}/{repo}/"):]
            aop = copy.deepcopy(op)
            aop["operationId"] = op["operationId"] + "--by-repository-id"
            aop["summary"] = op.get("summary", "") + " (by repository id; not in GitHub's description)"
            params = []
            for p in aop.get("parameters", []):
                name = p.get("name") if "$ref" not in p else comps_params[p["$ref"].split("/")[-1]]["name"]
                if name in ("owner", "repo"):
                    continue
                params.append(p)
            params.insert(0, {"name": "repository_id", "in": "path", "required": True,
                              "description": "The repository's numeric id.", "schema": {"type": "integer"}})
            aop["parameters"] = params
            out["paths"].setdefault(apath, {})[method] = aop

    # transitive $ref closure over components
    need = set()
    refs_in(out["paths"], need)
    done = set()
    while need - done:
        ref = sorted(need - done)[0]
        done.add(ref)
        node = resolve(spec, ref)
        found = set()
        refs_in(node, found)
        need |= found
    for ref in sorted(done):
        parts = ref[2:].split("/")
        if parts[0] != "components" or len(parts) != 3:
            raise SystemExit("trim_spec: unexpected $ref form: %s" % ref)
        section, name = parts[1], parts[2]
        node = copy.deepcopy(comps[section][name])
        out["components"].setdefault(section, {})[name] = node
    fix_typeless_nullable(out)
    fix_overlapping_param_oneof(list(out["components"].get("parameters", {}).values()))
    fix_search_syntax_dates(list(out["components"].get("parameters", {}).values()))
    for item in out["paths"].values():
        for k, v in item.items():
            fix_overlapping_param_oneof(v if k == "parameters" else v.get("parameters", []))
    return out


def add_responses(op, comps, write=False):
    resp = op.setdefault("responses", {})
    if "304" not in resp and not write:
        resp["304"] = {"$ref": "#/components/responses/not_modified"}
    codes = dict(ERROR_CODES, **(WRITE_ERROR_CODES if write else {}))
    for code, desc in codes.items():
        r = resp.get(code)
        if r is None:
            resp[code] = {"description": desc + " (added for ghsim; not declared by GitHub for this operation)",
                          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/basic-error"}}}}
            continue
        target = r
        if "$ref" in r:
            target = comps["responses"][r["$ref"].split("/")[-1]]
        if "content" not in target:
            resp[code] = {"description": target.get("description", desc) + " (ghsim: body added; GitHub sends one)",
                          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/basic-error"}}}}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", default=DEFAULT_SOURCE)
    ap.add_argument("--out", default=os.path.join(HERE, "node_modules", ".ghsim", "github-trimmed.json"))
    ap.add_argument("--no-repositories-aliases", action="store_true")
    ap.add_argument("--keep-examples", action="store_true")
    a = ap.parse_args(argv)
    if not os.path.exists(a.source):
        sys.stderr.write("trim_spec: %s not found: run `npm ci` in %s first\n" % (a.source, HERE))
        return 2
    write(a.out, a.source, aliases=not a.no_repositories_aliases, keep_examples=a.keep_examples)
    print(a.out)
    return 0


def write(out_path, source=DEFAULT_SOURCE, aliases=True, keep_examples=False):
    """Write the trimmed spec to OUT_PATH (temp name + rename); returns OUT_PATH."""
    with open(source, encoding="utf-8") as f:
        spec = json.load(f)
    out = trim(spec, aliases=aliases, keep_examples=keep_examples)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    tmp = "%s.tmp.%d" % (out_path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, sort_keys=False)
    os.replace(tmp, out_path)
    n_ops = sum(len(v) for v in out["paths"].values())
    n_comp = sum(len(v) for v in out["components"].values())
    sys.stderr.write("trim_spec: wrote %s (%d operations, %d components)\n" % (out_path, n_ops, n_comp))
    return out_path


if __name__ == "__main__":
    sys.exit(main())
