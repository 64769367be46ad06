"""Check semantics of suricata-verify for the kenchi runner
(suricata_verify.py): a test.yaml's `requires` (kenchi judged as Suricata
7.0.4 without build features), and its checks evaluated on EVE records as
suricata-verify's run.py evaluates them -- `filter` (a count of records
matching every key: dotted paths, list indexes, __len, has-key and
not-has-key, __find/__contains/__startswith/__endswith, __gt/__gte/__lt/
__lte, exact values with Python's equality, which is what run.py uses),
`stats` (applicable only when kenchi has the counter), per-check `requires`
(skip), `shell` and `file-compare` (not applicable). Pure: no YAML, no
data; tests/integration/test_sv_checks.py exercises it.
"""
import json
import os
import platform
import re

# kenchi is judged as the Suricata release the tests were selected with.
SURICATA_VERSION = (7, 0, 4)
CMP_OPS = ("__gt", "__gte", "__lt", "__lte")
VALUE_OPS = ("__find", "__contains", "__startswith", "__endswith") + CMP_OPS
INDEX_RE = re.compile(r"^(.*)\[(\d+)\]$")


# ------------------------------------------------------------ versions

def parse_version(v, wildcard=False):
    """'7', '7.0', 8.0 (YAML float), '8.0.5' -> (major, minor, patch); a
    missing part is 0, or None when `wildcard` (the `version:` key)."""
    m = re.search(r"(\d+)\.?(\d+)?\.?(\d+)?", str(v))
    if not m:
        return None
    miss = None if wildcard else 0
    return tuple(int(g) if g else miss for g in m.groups())


def version_ok(key, value, have=SURICATA_VERSION):
    """Whether `have` meets one version requirement of a test.yaml."""
    want = parse_version(value, wildcard=(key == "version"))
    if want is None:
        return False
    if key == "version":
        return all(w is None or w == h for w, h in zip(want, have))
    return {"min-version": have >= want, "lt-version": have < want,
            "gt-version": have > want}.get(key, False)


def unmet_requirement(requires, test_level):
    """The reason kenchi cannot honour a `requires` block, or None. Versions
    are judged as SURICATA_VERSION; build features, scripts and source files
    name Suricata's build and tree, which kenchi does not have."""
    for key, value in (requires or {}).items():
        if key in ("min-version", "lt-version", "gt-version", "version"):
            if not version_ok(key, value):
                return "requires %s %s (kenchi is judged as Suricata %s)" % (
                    key, value, ".".join(map(str, SURICATA_VERSION)))
        elif key == "features":
            return "requires Suricata build feature(s) %s" % ", ".join(map(str, value))
        elif key in ("script", "files", "lambda", "env"):
            return "requires %s (Suricata source tree or environment)" % key
        elif key in ("os", "arch"):
            here = (platform.system() if key == "os" else platform.machine()).lower()
            if not here.startswith(str(value).lower()):
                return "requires %s %s" % (key, value)
        elif key == "pcap":
            continue
        elif test_level:
            return "unknown requirement %s" % key
    return None


# ------------------------------------------------------ check evaluation

class CheckError(Exception):
    """A check run.py fails on: a path through a non-object, __find on a number..."""


def lookup(record, path):
    """The value at a dotted path (`a.b[2].c`) in a record, run.py's way:
    None when a key or index is absent; `__len` ends the path with the
    length (-1 for values without one); a value operator (`__gt`...) ends it
    with the value reached. Raises CheckError where run.py would fail."""
    obj = record
    for part in path.split("."):
        if part == "__len":
            try:
                return len(obj)
            except TypeError:
                return -1
        if part in VALUE_OPS:
            break
        m = INDEX_RE.match(part)
        name, index = (m.group(1), int(m.group(2))) if m else (part, None)
        if not isinstance(obj, dict):
            # run.py tests `name in obj` then indexes: a list or string
            # holding `name` fails on the index, anything else on `in`.
            if isinstance(obj, (list, str)) and name not in obj:
                return None
            raise CheckError("'%s' in %s: %s is not an object" % (name, path,
                                                                  type(obj).__name__))
        if name not in obj:
            return None
        obj = obj[name]
        if index is not None:
            try:
                obj = obj[index]
            except (IndexError, KeyError, TypeError):
                return None
    return obj


def compare(actual, expected, op):
    """__gt/__gte/__lt/__lte: numbers only, booleans never match."""
    if isinstance(actual, bool) or isinstance(expected, bool) or not (
            isinstance(actual, (int, float)) and isinstance(expected, (int, float))):
        return False
    return {"__gt": actual > expected, "__gte": actual >= expected,
            "__lt": actual < expected, "__lte": actual <= expected}[op]


def string_op(key, val, expected):
    """__find/__startswith/__endswith on a string; __contains on a string
    (substring) or a list/object (membership)."""
    op = key.rsplit("__", 1)[1]
    if op == "contains":
        if isinstance(val, (list, dict)) or (isinstance(val, str) and isinstance(expected, str)):
            return expected in val
        raise CheckError("%s: cannot look for %r in %s" % (key, expected, type(val).__name__))
    if not isinstance(val, str) or not isinstance(expected, str):
        raise CheckError("%s: %s on %s (a string is needed)" % (key, op, type(val).__name__))
    if op == "find":
        return expected in val
    return val.startswith(expected) if op == "startswith" else val.endswith(expected)


def match_record(match, record):
    """Whether one EVE record matches every key of a filter's `match`, keys
    taken in order (the first failing key ends the test, as in run.py)."""
    for key, expected in match.items():
        if key in ("has-key", "not-has-key"):
            paths = expected if isinstance(expected, list) else [expected]
            if any((lookup(record, str(p)) is not None) != (key == "has-key") for p in paths):
                return False
            continue
        val = lookup(record, key)
        if key.endswith(("__find", "__contains", "__startswith", "__endswith")):
            if not string_op(key, val, expected):
                return False
        elif key.rsplit(".", 1)[-1] in CMP_OPS:
            if not compare(val, expected, key.rsplit(".", 1)[-1]):
                return False
        elif val != expected:
            return False
    return True


def filter_category(match):
    """'alert' for a filter on alerts (event_type alert or alert.* keys),
    else its event type ('' when it names none)."""
    match = match or {}
    keys = [k for k in match if k not in ("has-key", "not-has-key")]
    for k in ("has-key", "not-has-key"):
        v = match.get(k)
        keys += [str(x) for x in (v if isinstance(v, list) else [v] if v else [])]
    et = match.get("event_type")
    if et == "alert" or any(k.startswith(("alert.", "alert[")) for k in keys):
        return "alert"
    return et if isinstance(et, str) else ""


def eval_filter(check, eve):
    """One `filter` check against kenchi's output. `eve` is what read_eve
    returns. Returns a result dict: status pass/fail/error/na, why."""
    res = {"kind": "filter", "category": filter_category(check.get("match")),
           "expected": check.get("count"), "match": check.get("match")}
    fname = check.get("filename", "eve.json")
    if os.path.basename(str(fname)) != "eve.json":
        return dict(res, status="na", why="output file %s (kenchi writes eve.json only)" % fname)
    if eve["error"]:
        return dict(res, status="error", why=eve["error"])
    try:
        got = sum(1 for r in eve["records"] if match_record(check.get("match") or {}, r))
    except CheckError as e:
        return dict(res, status="error", why=str(e))
    ok = got == check.get("count")
    return dict(res, got=got, status="pass" if ok else "fail",
                why="" if ok else "expected %s, got %d" % (check.get("count"), got))


def eval_stats(check, eve):
    """A `stats` check on the last stats record: applicable only when every
    counter it names exists in kenchi's stats (kenchi has its own)."""
    res = {"kind": "stats", "category": "stats", "match": check}
    stats = None
    for r in eve["records"]:
        if isinstance(r, dict) and r.get("event_type") == "stats":
            stats = r.get("stats")
    try:
        vals = {k: (lookup(stats, k) if isinstance(stats, dict) else None) for k in check}
    except CheckError as e:
        return dict(res, status="na", why=str(e))
    missing = [k for k, v in vals.items() if v is None]
    if missing:
        return dict(res, status="na", why="kenchi has no counter %s" % ", ".join(missing))
    for k, want in check.items():
        op = k.rsplit(".", 1)[-1]
        ok = compare(vals[k], want, op) if op in CMP_OPS else vals[k] == want
        if not ok:
            return dict(res, status="fail",
                        why="stats.%s: expected %s, got %s" % (k, want, vals[k]))
    return dict(res, status="pass", why="")


def evaluate_checks(checks, eve):
    """Every check of a test.yaml, in order, each a result dict with its
    1-based number `n`."""
    out = []
    for n, check in enumerate(checks or [], 1):
        if not isinstance(check, dict) or len(check) != 1:
            out.append({"n": n, "kind": "?", "category": "", "status": "error",
                        "why": "a check must be a map with one key"})
            continue
        (kind, body), = check.items()
        body = body if isinstance(body, dict) else {}
        reason = unmet_requirement(body.get("requires"), False)
        if reason:
            r = {"kind": kind, "category": filter_category(body.get("match")) if kind == "filter"
                 else kind, "status": "skip", "why": reason}
        elif kind == "filter":
            r = eval_filter(body, eve)
        elif kind == "stats":
            r = eval_stats(body, eve)
        else:
            r = {"kind": kind, "category": kind, "status": "na",
                 "why": "%s checks run Suricata-side commands" % kind}
        r["n"] = n
        out.append(r)
    return out


def read_eve(path):
    """{'records': [...], 'error': None or why a filter cannot be judged}."""
    records = []
    if not os.path.exists(path):
        return {"records": records, "error": "no eve.json written"}
    with open(path, encoding="utf-8", errors="replace") as f:
        for i, line in enumerate(f, 1):
            try:
                records.append(json.loads(line))
            except ValueError as e:
                return {"records": records, "error": "eve.json line %d is not JSON: %s" % (i, e)}
    return {"records": records, "error": None}
