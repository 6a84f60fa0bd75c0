"""Helpers for dnsd's integration tests: run dig/kdig and parse their answers."""
import os
import re

from harness import run

HERE = os.path.dirname(os.path.abspath(__file__))
ZONES = os.path.join(HERE, "zones")


def zone(name):
    return os.path.join(ZONES, name)


def norm(line):
    return " ".join(line.split()).lower()


def parse_dig(text):
    """Parses `dig +noall +comments +answer +authority +additional` output (one or more
    answers) into dicts: status, flags (set), answer/authority/additional (sorted lists)."""
    replies = []
    cur = None
    section = None
    for line in text.splitlines():
        m = re.match(r";; ->>HEADER<<- opcode: (\w+), status: (\w+), id: (\d+)", line)
        if m:
            cur = {"opcode": m.group(1), "status": m.group(2), "flags": set(),
                   "answer": [], "authority": [], "additional": []}
            replies.append(cur)
            section = None
            continue
        if cur is None:
            continue
        m = re.match(r";; flags: ([a-z ]*);", line)
        if m:
            cur["flags"] = set(m.group(1).split())
            continue
        m = re.match(r";; (ANSWER|AUTHORITY|ADDITIONAL) SECTION:", line)
        if m:
            section = m.group(1).lower()
            continue
        if line.startswith(";") or not line.strip():
            if not line.strip():
                section = None
            continue
        if section:
            cur[section].append(norm(line))
    for r in replies:
        for s in ("answer", "authority", "additional"):
            r[s].sort()
    return replies


def dig(port, *args, tcp=False, check=True):
    """One dig query; returns the parsed reply."""
    argv = ["dig", "@127.0.0.1", "-p", str(port), "+norec", "+noall", "+comments", "+answer",
            "+authority", "+additional", "+time=5", "+tries=1"]
    if tcp:
        argv.append("+tcp")
    p = run(argv + list(args), check=check)
    replies = parse_dig(p.stdout)
    if len(replies) != 1:
        raise AssertionError(f"expected one reply from {argv + list(args)}:\n{p.stdout}\n{p.stderr}")
    return replies[0]


def dig_batch(port, queries, *opts):
    """Many queries in one dig run (`dig -f`); returns parsed replies in order."""
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".q", delete=False) as f:
        for q in queries:
            f.write(q + "\n")
        path = f.name
    try:
        argv = ["dig", "@127.0.0.1", "-p", str(port), "+norec", "+noall", "+comments", "+answer",
                "+authority", "+additional", "+time=5", "+tries=1"] + list(opts) + ["-f", path]
        p = run(argv, timeout=120)
        replies = parse_dig(p.stdout)
        if len(replies) != len(queries):
            raise AssertionError(f"{len(queries)} queries, {len(replies)} replies:\n{p.stdout}\n{p.stderr}")
        return replies
    finally:
        os.unlink(path)


def short(port, *args, tcp=False, tool="dig"):
    """`+short` answer lines, sorted."""
    argv = [tool, "@127.0.0.1", "-p", str(port), "+short", "+time=5", "+tries=1" if tool == "dig" else "+retry=0"]
    if tcp:
        argv.append("+tcp")
    p = run(argv + list(args))
    return sorted(norm(l) for l in p.stdout.splitlines() if l.strip())
