"""What a change introduced: findings of the head compared with those of a baseline (the base branch, or a
saved file), matched by fingerprints that survive line shifts.

A fingerprint is the check, the subject (deployment or file), the file, the Helm value it came from, the
message with line numbers taken out, and the text of the line it points at: a comment added above a
finding moves its line number but not its fingerprint; editing the line itself makes it a new finding.
Equal fingerprints are matched as a multiset, so a second copy of an old problem is still new.

The base branch is checked out in a temporary `git worktree` of the same clone, so the workflow's
checkout must hold the base commit (actions/checkout with `fetch-depth: 0`, or a fetch of the base sha).
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

from ..discover import read_inside
from ..report.inert import redact

GATES = ("new", "touched", "all")
FORMAT = "modelready-baseline/1"
_LINE_REF = re.compile(r"(?<=[:\s(])(?:line |L)?\d+(?=[\s),;:]|$)")


class BaselineError(ValueError):
    pass


def fingerprint(f: dict, root: Path, _lines: dict | None = None) -> str:
    text = ""
    if f.get("line"):
        lines = _file_lines(root, f["file"], _lines if _lines is not None else {})
        if 0 < f["line"] <= len(lines):
            text = lines[f["line"] - 1].strip()
    # of the text as written (redacted): a baseline file or a base report holds no secret to match against
    message = _LINE_REF.sub("#", redact(f["message"]))
    raw = "\0".join([f["check"], redact(f["subject"]), redact(f["file"]), f.get("values_key") or "", message, text])
    return hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()[:24]


def stamp(doc: dict, root: Path) -> None:
    """Give every finding of a report its fingerprint (read from the files under `root`)."""
    cache: dict = {}
    for f in doc["findings"]:
        f["fingerprint"] = fingerprint(f, root, cache)


def _file_lines(root: Path, file: str, cache: dict) -> list[str]:
    if file not in cache:
        path = (root / file)
        try:
            # only inside the repository: a finding's file is repository-relative, never followed outward
            cache[file] = read_inside(path, root).decode("utf-8", errors="replace").splitlines()
        except (OSError, ValueError):
            cache[file] = []
    return cache[file]


def compare(doc: dict, base: list[str], source: str) -> None:
    """Mark each active finding of `doc` new or pre-existing against the base's fingerprints; add
    doc["baseline"] with the counts, and how many of the base's findings this change fixed."""
    left = Counter(base)
    counts = {"new": Counter(), "pre_existing": Counter()}
    for f in doc["findings"]:
        if f["suppressed"]:
            continue
        if left[f["fingerprint"]] > 0:
            left[f["fingerprint"]] -= 1
            f["baseline"] = "pre-existing"
        else:
            f["baseline"] = "new"
        counts[f["baseline"].replace("-", "_")][f["severity"]] += 1
    doc["baseline"] = {"source": source, "available": True,
                       **{k: {s: c[s] for s in ("error", "warning", "info")} for k, c in counts.items()},
                       "fixed": sum(left.values())}


def unavailable(doc: dict, why: str) -> None:
    """No baseline: every finding counts as new, and the report says why."""
    for f in doc["findings"]:
        if not f["suppressed"]:
            f["baseline"] = "new"
    active = [f for f in doc["findings"] if not f["suppressed"]]
    doc["baseline"] = {"source": None, "available": False, "why": why, "fixed": 0,
                       "new": {s: sum(1 for f in active if f["severity"] == s) for s in ("error", "warning", "info")},
                       "pre_existing": {"error": 0, "warning": 0, "info": 0}}


def gate(doc: dict, mode: str) -> None:
    """Decide summary.result by the gate mode: `new` fails only on new findings at fail_on or above;
    `touched` and `all` on every finding in the report (the report's scope tells them apart)."""
    if mode not in GATES:
        raise ValueError(f"gate {mode!r}: use one of {', '.join(GATES)}")
    rank = {"info": 1, "warning": 2, "error": 3, "never": 4}  # fail-on never: nothing blocks
    floor = rank[doc["summary"]["fail_on"]]
    blocking = [f for f in doc["findings"] if not f["suppressed"] and rank[f["severity"]] >= floor
                and (mode != "new" or f.get("baseline", "new") == "new")]
    doc["summary"]["result"] = "fail" if blocking else "pass"
    doc["summary"]["gate"] = mode


def write(doc: dict, path: Path) -> None:
    """A baseline file (as Checkov's --create-baseline): the fingerprints of today's findings, with enough
    to read them by."""
    keep = [{k: f.get(k) for k in ("fingerprint", "check", "severity", "subject", "file", "line", "message")}
            for f in doc["findings"] if not f["suppressed"]]
    path.write_text(redact(json.dumps({"format": FORMAT, "tool_version": doc["tool"]["version"], "findings": keep}, indent=1,
                                      ensure_ascii=False)) + "\n", encoding="utf-8")


def read(path: Path) -> list[str]:
    """Fingerprints from a baseline file or a saved JSON report of this version."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise BaselineError(f"{path}: not a readable baseline: {e}") from None
    findings = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(findings, list) or any(not isinstance(f, dict) or not isinstance(f.get("fingerprint"), str) for f in findings):
        raise BaselineError(f"{path}: not a baseline (write one with `modelready baseline`, or a JSON report of this version)")
    return [f["fingerprint"] for f in findings if not f.get("suppressed")]


def is_ref(root: Path, ref: str) -> bool:
    return _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode == 0


def at_ref(root: Path, ref: str, check) -> list[str]:
    """Fingerprints of `check(tree_root)` run on a temporary worktree of `ref`, removed afterwards."""
    top = _git(root, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise BaselineError(f"{root} is not in a git clone: no base to compare with")
    if not is_ref(root, ref):
        raise BaselineError(f"commit {ref} is not in this clone (check out with fetch-depth: 0, or fetch it)")
    toplevel = Path(top.stdout.strip())
    sub = root.resolve().relative_to(toplevel.resolve())
    with tempfile.TemporaryDirectory(prefix="modelready-base-") as tmp:
        tree = Path(tmp) / "base"
        made = _git(toplevel, "worktree", "add", "--detach", "--quiet", str(tree), ref)
        if made.returncode != 0:
            raise BaselineError(f"cannot check out {ref}: {made.stderr.strip()[:300]}")
        try:
            base_root = tree / sub
            doc = check(base_root)
            stamp(doc, base_root)
            return [f["fingerprint"] for f in doc["findings"] if not f["suppressed"]]
        finally:
            _git(toplevel, "worktree", "remove", "--force", str(tree))


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    # no hooks, no pager, no prompts: the clone may come from anyone
    return subprocess.run(["git", "-c", "core.hooksPath=/dev/null", "-c", "safe.directory=*", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, env=_env())


def _env() -> dict:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_TERMINAL_PROMPT="0", GIT_CONFIG_NOSYSTEM="1")
    return env


def changed_lines(root: Path, base: str, head: str) -> dict[str, set[int]] | None:
    """Lines each file gained or changed between two commits (git diff -U0), or None when git cannot say."""
    proc = _git(root, "diff", "--no-color", "--no-ext-diff", "-U0", "--relative", f"{base}...{head}")
    if proc.returncode != 0:
        proc = _git(root, "diff", "--no-color", "--no-ext-diff", "-U0", "--relative", base, head)
        if proc.returncode != 0:
            return None
    return parse_patch(proc.stdout)


_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.M)


def parse_patch(diff: str, file: str | None = None) -> dict[str, set[int]]:
    """{file: added or changed lines} from a unified diff (several files), or from one file's patch."""
    out: dict[str, set[int]] = {}
    current = file
    for line in diff.splitlines():
        if line.startswith("+++ "):
            name = line[4:].strip()
            current = name[2:] if name.startswith("b/") else (None if name == "/dev/null" else name)
            continue
        m = _HUNK.match(line)
        if m and current is not None:
            start, count = int(m.group(1)), int(m.group(2) if m.group(2) is not None else 1)
            out.setdefault(current, set()).update(range(start, start + count))
    return out
