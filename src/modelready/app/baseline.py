"""What a change introduced: findings of the head compared with those of a baseline (the base branch, or a
saved file), matched by fingerprints that survive line shifts.

A fingerprint is the check, the subject (deployment or file), the file, the Helm value it came from, the
message with line numbers (and a tool's timestamps, process ids and the checkout's absolute path) taken
out, and the text of the line it points at: a comment added above a
finding moves its line number but not its fingerprint; editing the line itself makes it a new finding.
Equal fingerprints are matched as a multiset, so a second copy of an old problem is still new.

The base branch is checked out in a temporary `git worktree` of the same clone (app/git.py), so the
workflow's checkout must hold the base commit (actions/checkout with `fetch-depth: 0`, or a fetch of the base sha).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from ..discover import read_inside
from ..report.document import Baseline, FindingEntry, Report, counts
from ..report.inert import redact
from .git import GitError

GATES = ("new", "touched", "all")
FORMAT = "modelready-baseline/1"
_LINE_REF = re.compile(r"(?<=[:\s(])(?:line |L)?\d+(?=[\s),;:]|$)")
# what a tool's message carries that changes from run to run: klog headers (E1206 10:00:00.598444   13267 run.go:72]),
# timestamps, process ids; the checkout's absolute path is taken out in `fingerprint`
_VOLATILE = re.compile(r"(?=[IWEFpP\d])(?:[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ [^\]\s]+\]\s*"
                       r"|\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
                       r"|\b(?:pid|PID|process) \d+)")  # the lookahead: only where one can start (half the time)


class BaselineError(ValueError):
    """A baseline file that cannot be read."""


NoBaseline = (BaselineError, GitError)  # no base to compare with: said, and every finding counts as new


def fingerprint(f: FindingEntry, root: Path, _lines: dict[str, list[str]] | None = None, _made: dict[str, str] | None = None) -> str:
    text = ""
    if f.line:
        lines = _file_lines(root, f.file, _lines if _lines is not None else {})
        if 0 < f.line <= len(lines):
            text = lines[f.line - 1].strip()
    # of the text as written (redacted): a baseline file or a base report holds no secret to match against
    message = _stable_message(f.message, root, _made)
    raw = "\0".join([f.check, redact(f.subject), redact(f.file), f.values_key or "", message, text])
    return hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()[:24]


def _stable_message(message: str, root: Path, made: dict[str, str] | None) -> str:
    """The message a fingerprint reads (checkout-free, line references folded, redacted). `made`: those of this report
    so far (20,000 findings of 10,000 manifests hold a dozen texts); one report's, as redaction learns between runs."""
    if made is None or message not in made:
        text = _LINE_REF.sub("#", redact(_stable(message, root)))
        if made is None:
            return text
        made[message] = text
    return made[message]


def _stable(message: str, root: Path) -> str:
    """The message as it reads in any checkout at any time: the base's temporary worktree and the head's
    workspace have different absolute paths, and a tool's log line its own time and process id."""
    for prefix in _prefixes(root):
        if prefix in message:
            message = message.replace(prefix + "/", "").replace(prefix, ".")
    return _VOLATILE.sub("", message)


@lru_cache(maxsize=8)
def _prefixes(root: Path) -> tuple[str, ...]:
    """The checkout's absolute path as a message may spell it (resolved, and as given)."""
    return tuple(sorted({str(root.resolve()), str(root)}, key=len, reverse=True))  # the longer first: one may hold the other


def stamp(doc: Report, root: Path) -> Report:
    """The report with every finding's fingerprint (read from the files under `root`)."""
    cache: dict[str, list[str]] = {}
    made: dict[str, str] = {}
    return replace(doc, findings=tuple(f.marked(fingerprint=fingerprint(f, root, cache, made)) for f in doc.findings))


def _file_lines(root: Path, file: str, cache: dict[str, list[str]]) -> list[str]:
    if file not in cache:
        # joined as text: read_inside makes it absolute and normal as it would `root / file`, at half the cost (a Path
        # made for each of 2,500 files was half of reading them)
        path = os.path.join(root, file)
        try:
            # only inside the repository: a finding's file is repository-relative, never followed outward
            cache[file] = read_inside(path, root).decode("utf-8", errors="replace").splitlines()
        except (OSError, ValueError):
            cache[file] = []
    return cache[file]  # shared, never copied: a file's lines are read once for all its findings


def compare(doc: Report, base: list[str], source: str) -> Report:
    """The report with each active finding marked new or pre-existing against the base's fingerprints, and
    its `baseline`: the counts, and how many of the base's findings this change fixed."""
    left = Counter(base)
    marked = []
    for f in doc.findings:
        if f.active:
            old = left[f.fingerprint or ""] > 0
            if old:
                left[f.fingerprint or ""] -= 1
            f = f.marked(baseline="pre-existing" if old else "new")
        marked.append(f)
    active = [f for f in marked if f.active]
    return replace(doc, findings=tuple(marked), baseline=Baseline(
        source, True, counts(f.severity for f in active if f.is_new), counts(f.severity for f in active if not f.is_new), sum(left.values())))


def unavailable(doc: Report, why: str) -> Report:
    """No baseline: every finding counts as new, and the report says why."""
    marked = tuple(f.marked(baseline="new") if f.active else f for f in doc.findings)
    return replace(doc, findings=marked, baseline=Baseline(None, False, counts(f.severity for f in marked if f.active), counts([]), 0, why))


def write(doc: Report, path: Path) -> None:
    """A baseline file (as Checkov's --create-baseline): the fingerprints of today's findings, with enough
    to read them by."""
    keep = [{"fingerprint": f.fingerprint, "check": f.check, "severity": f.severity, "subject": f.subject, "file": f.file,
             "line": f.line, "message": f.message} for f in doc.active]
    path.write_text(redact(json.dumps({"format": FORMAT, "tool_version": doc.tool["version"], "findings": keep}, indent=1,
                                      ensure_ascii=False)) + "\n", encoding="utf-8")


def read(path: Path) -> list[str]:
    """Fingerprints from a baseline file or a saved JSON report of this version (`check --baseline FILE`; a pull
    request's run reads the base commit's copy: app/pull_request.py)."""
    try:
        return parse(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError) as e:
        raise BaselineError(f"{path}: not a readable baseline: {e}") from None


def parse(text: str, label: str) -> list[str]:
    """Fingerprints from a baseline's text (`label`: where it came from, for the error)."""
    try:
        data = json.loads(text)
    except ValueError as e:
        raise BaselineError(f"{label}: not a readable baseline: {e}") from None
    findings = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(findings, list) or any(not isinstance(f, dict) or not isinstance(f.get("fingerprint"), str) for f in findings):
        raise BaselineError(f"{label}: not a baseline (write one with `modelready baseline`, or a JSON report of this version)")
    return [f["fingerprint"] for f in findings if not f.get("suppressed")]


def report_of(path: Path) -> Report | None:
    """A saved JSON report's document when `path` is one (its deployments carry their costs), else None."""
    try:
        return report_in(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def report_in(text: str) -> Report | None:
    """A saved JSON report's document when `text` is one, else None."""
    from ..report import wire

    try:
        data = json.loads(text)
        return wire.of_json(data) if isinstance(data, dict) and isinstance(data.get("deployments"), list) else None
    except (ValueError, KeyError, TypeError, AttributeError):  # not a report of this version
        return None


def fingerprints(doc: Report, root: Path) -> list[str]:
    """The active findings' fingerprints of a report made from the files under `root` (a base commit's tree)."""
    return [f.fingerprint or "" for f in stamp(doc, root).active]
