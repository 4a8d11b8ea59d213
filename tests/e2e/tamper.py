#!/usr/bin/env python3
"""Tamper with a promote audit log (refs/promote/audit) the way an attacker with write
access to the repository could, for the tamper tests. Rebuilds the chain of commits
with git plumbing; every other entry and checkpoint is kept byte for byte.

usage: tamper.py REPO OP [ARGS]
  flip-payload SEQ | flip-sig SEQ | payload-type SEQ | truncate-sig SEQ | dup-keys SEQ |
  keyid SEQ | delete SEQ | duplicate SEQ | swap SEQ SEQ | truncate N | replace SEQ FILE |
  merge
Prints the changed entry count and exits 1 if the result equals the original.
"""
import base64
import json
import subprocess
import sys

REF = "refs/promote/audit"


def git(repo, *args, data=None):
    return subprocess.run(["git", "-C", repo, *args], input=data, capture_output=True,
                          check=True).stdout


def entries(repo):
    tip = git(repo, "rev-parse", REF).decode().strip()
    ids = git(repo, "rev-list", "--first-parent", "--reverse", tip).decode().split()
    out = []
    for c in ids:
        e = git(repo, "show", c + ":entry.dsse.json")
        try:
            cp = git(repo, "show", c + ":checkpoint")
        except subprocess.CalledProcessError:
            cp = None
        out.append({"entry": e, "checkpoint": cp})
    return tip, out


def blob(repo, data):
    return git(repo, "hash-object", "-w", "--stdin", data=data).decode().strip()


def rebuild(repo, items, extra_parent=None):
    parent = None
    env = {"GIT_AUTHOR_NAME": "x", "GIT_AUTHOR_EMAIL": "x@x", "GIT_COMMITTER_NAME": "x",
           "GIT_COMMITTER_EMAIL": "x@x", "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
           "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"}
    import os
    env = {**os.environ, **env}
    for i, it in enumerate(items):
        lines = "100644 blob %s\tentry.dsse.json\n" % blob(repo, it["entry"])
        if it["checkpoint"] is not None:
            lines = "100644 blob %s\tcheckpoint\n" % blob(repo, it["checkpoint"]) + lines
        tree = git(repo, "mktree", data=lines.encode()).decode().strip()
        args = ["commit-tree", tree, "-m", "tampered"]
        if parent:
            args += ["-p", parent]
        if extra_parent and i == len(items) - 1:
            args += ["-p", extra_parent]
        parent = subprocess.run(["git", "-C", repo, *args], capture_output=True, check=True,
                                env=env).stdout.decode().strip()
    if parent is None:
        git(repo, "update-ref", "-d", REF)
    else:
        git(repo, "update-ref", REF, parent)


def envelope(item):
    return json.loads(item["entry"])


def put(item, env, raw=None):
    item["entry"] = (raw if raw is not None else json.dumps(env, separators=(",", ":"))).encode() + b"\n"


def main():
    repo, op, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    tip, items = entries(repo)
    orig = [dict(x) for x in items]
    i = int(args[0]) - 1 if args and args[0].isdigit() else None
    if op == "flip-payload":
        env = envelope(items[i])
        p = bytearray(base64.b64decode(env["payload"]))
        p[len(p) // 2] ^= 0x01
        env["payload"] = base64.b64encode(bytes(p)).decode()
        put(items[i], env)
    elif op == "flip-sig":
        env = envelope(items[i])
        s = bytearray(base64.b64decode(env["signatures"][0]["sig"]))
        s[10] ^= 0x01
        env["signatures"][0]["sig"] = base64.b64encode(bytes(s)).decode()
        put(items[i], env)
    elif op == "payload-type":
        env = envelope(items[i])
        env["payloadType"] = "application/json"
        put(items[i], env)
    elif op == "truncate-sig":
        env = envelope(items[i])
        env["signatures"][0]["sig"] = base64.b64encode(base64.b64decode(env["signatures"][0]["sig"])[:40]).decode()
        put(items[i], env)
    elif op == "dup-keys":
        raw = items[i]["entry"].decode().rstrip("\n")
        put(items[i], None, raw[:-1] + ',"payloadType":"application/vnd.in-toto+json"}')
    elif op == "keyid":
        env = envelope(items[i])
        env["signatures"][0]["keyid"] = "0000000000000000"
        put(items[i], env)
    elif op == "delete":
        del items[i]
    elif op == "duplicate":
        items.insert(i + 1, dict(items[i]))
    elif op == "swap":
        j = int(args[1]) - 1
        items[i], items[j] = items[j], items[i]
    elif op == "truncate":
        items = items[:int(args[0])]
    elif op == "replace":
        items[i]["entry"] = open(args[1], "rb").read()
    elif op == "merge":
        rebuild(repo, items, extra_parent=git(repo, "rev-parse", "main").decode().strip())
        print("merge")
        return 0
    else:
        sys.exit("unknown op " + op)
    if [x["entry"] for x in items] == [x["entry"] for x in orig]:
        print("tamper.py: the result equals the original", file=sys.stderr)
        return 1
    rebuild(repo, items)
    print(len(items))
    return 0


if __name__ == "__main__":
    sys.exit(main())
