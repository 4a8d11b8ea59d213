#!/usr/bin/env python3
"""Run the composite action.yml as a GitHub runner would, on this machine.

usage: action_sim.py ACTION_DIR WORKSPACE STATE_DIR INPUTS_JSON [--cache-hit]

Each `run:` step runs in order with `bash --noprofile --norc -eo pipefail`, its
${{ ... }} expressions substituted (inputs with their defaults, github.action_path,
github.token, runner.temp, steps.<id>.outputs.<name>), the GitHub Actions variables
set (GITHUB_ACTIONS, GITHUB_OUTPUT per step, GITHUB_STEP_SUMMARY, GITHUB_PATH,
GITHUB_ACTION_PATH, RUNNER_TEMP, GITHUB_WORKSPACE) and its `env:` applied. Two steps
are not run: the apt-get install step (its package list is reported instead) and the
actions/cache step (a miss, or a hit with --cache-hit). A step that fails ends the
run, as on GitHub. Prints one JSON object: the steps run and skipped, the failing
step's exit code, the action's outputs, the install step's packages, and the
expressions each run: script contains.
"""
import json
import os
import re
import subprocess
import sys

import yaml

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def parse_outputs(path):
    """name=value and name<<DELIM ... DELIM lines, as the runner reads them."""
    out = {}
    if not os.path.exists(path):
        return out
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            value = []
            while i < len(lines) and lines[i] != delim:
                value.append(lines[i])
                i += 1
            if i == len(lines):
                raise SystemExit("unterminated value of %r in %s" % (name, path))
            i += 1
            out[name] = "\n".join(value)
        else:
            name, value = line.split("=", 1)
            out[name] = value
    return out


def main():
    action_dir, workspace, state, inputs_file = sys.argv[1:5]
    cache_hit = "--cache-hit" in sys.argv[5:]
    action = yaml.safe_load(open(os.path.join(action_dir, "action.yml"), encoding="utf-8"))
    given = json.load(open(inputs_file, encoding="utf-8"))
    token = given.pop("__github_token__", "")
    temp = os.path.join(state, "runner-temp")
    os.makedirs(temp, exist_ok=True)
    summary = os.path.join(state, "summary.md")
    path_file = os.path.join(state, "path")
    for f in (summary, path_file):
        open(f, "a").close()
    context = {"github.action_path": action_dir, "github.token": token, "runner.temp": temp}
    steps = {}

    def value(expr):
        if expr in context:
            return context[expr]
        m = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
        if m:
            return steps.get(m.group(1), {}).get(m.group(2), "")
        raise SystemExit("unsupported expression: ${{ %s }}" % expr)

    def subst(text):
        return EXPR.sub(lambda m: value(m.group(1)), str(text))

    inputs = {}
    for name, spec in action["inputs"].items():
        if name in given:
            inputs[name] = given[name]
        elif spec.get("required"):
            raise SystemExit("required input %r not given" % name)
        else:
            inputs[name] = subst(spec.get("default", ""))
    unknown = set(given) - set(inputs)
    if unknown:
        raise SystemExit("inputs the action does not declare: %s" % sorted(unknown))
    for name, v in inputs.items():
        context["inputs." + name] = v

    result = {"ran": [], "skipped": [], "exit": 0, "packages": None, "run_expressions": [],
              "uses": [], "env": {}}
    for n, step in enumerate(action["runs"]["steps"]):
        name = step.get("name", "step %d" % n)
        cond = step.get("if")
        if "uses" in step:
            result["uses"].append(step["uses"])
            if not step["uses"].startswith("actions/cache@"):
                raise SystemExit("unexpected uses: %s" % step["uses"])
            steps[step.get("id", "")] = {"cache-hit": "true" if cache_hit else ""}
            result["skipped"].append(name)
            continue
        if "apt-get install" in step["run"]:
            m = re.search(r'PACKAGES="([^"]*)"', step["run"])
            result["packages"] = m.group(1).split() if m else None
            result["skipped"].append(name)
            continue
        if cond is not None:
            # the conditions the action uses, evaluated as GitHub would
            terms = [re.fullmatch(r"\s*([\w.-]+) != '([^']*)'\s*", t) for t in cond.split("||")]
            if not all(terms):
                raise SystemExit("unsupported if: %s" % cond)
            if not any(value(t.group(1)) != t.group(2) for t in terms):
                result["skipped"].append(name)
                continue
        if step.get("shell") != "bash":
            raise SystemExit("step %r: shell must be bash" % name)
        result["run_expressions"] += EXPR.findall(step["run"])
        if "id" in step:
            result["env"][step["id"]] = step.get("env") or {}
        script = os.path.join(state, "step-%d.sh" % n)
        with open(script, "w", encoding="utf-8") as f:
            f.write(subst(step["run"]))
        output = os.path.join(state, "output-%d" % n)
        open(output, "w").close()
        env = dict(os.environ)
        env.update({"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": output,
                    "GITHUB_STEP_SUMMARY": summary, "GITHUB_PATH": path_file,
                    "GITHUB_ACTION_PATH": action_dir, "RUNNER_TEMP": temp,
                    "GITHUB_WORKSPACE": workspace})
        for k, v in (step.get("env") or {}).items():
            env[k] = subst(v)
        cwd = subst(step.get("working-directory", workspace))
        rc = subprocess.call(["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                             cwd=cwd, env=env)
        result["ran"].append(name)
        if "id" in step:
            steps[step["id"]] = parse_outputs(output)
        if rc != 0:
            result["exit"] = rc
            result["failed"] = name
            break
    result["outputs"] = {k: subst(v["value"]) for k, v in action["outputs"].items()}
    result["steps"] = steps
    result["summary"] = open(summary, encoding="utf-8").read()
    result["path"] = open(path_file, encoding="utf-8").read().split()
    json.dump(result, open(os.path.join(state, "result.json"), "w"), indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
