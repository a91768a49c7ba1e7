"""Terminal output: findings grouped by what they are about, with file:line; colours on a TTY.

Columns are padded before they are coloured (escape codes have no width), and messages wrap at word
boundaries to the terminal's width, indented under their finding."""

from __future__ import annotations

import textwrap
from typing import Callable

from ..findings import Severity
from . import verdict as judged
from .document import FindingEntry, Report
from .inert import fold

COLORS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
RESET, BOLD, GREEN = "\033[0m", "\033[1m", "\033[32m"
INDENT = 10  # the message line sits under the check ID

Paint = Callable[[str, str], str]


def render(doc: Report, color: bool = False, width: int = 100, min_severity: str = "info", quiet: bool = False,
           pre_existing: bool = False, memory: bool = False) -> str:
    """`min_severity`: findings below it are counted in the summary, not listed; `quiet`: the findings
    only, no summary, no clean deployments (as Ruff's --quiet); `memory`: each deployment's memory figures.
    Against a baseline each finding is marked `new` or `pre-existing`, and the pre-existing ones are listed
    only with `pre_existing`."""
    c: Paint = (lambda code, s: f"{code}{s}{RESET}") if color else (lambda code, s: s)
    groups: dict[str, list[FindingEntry]] = {}
    active, marked, old, shown = _against_baseline(doc, pre_existing)
    for f in shown:
        if f.rank >= Severity[min_severity]:
            groups.setdefault(f.subject, []).append(f)
    hidden = len(shown) - sum(len(fs) for fs in groups.values())
    id_width = max((len(fold(f.check)) for fs in groups.values() for f in fs), default=0)
    wrap = textwrap.TextWrapper(width=max(width, INDENT + 30), initial_indent=" " * INDENT, subsequent_indent=" " * INDENT,
                                break_long_words=False, break_on_hyphens=False)
    lines = [line for subject in sorted(groups) for line in _group(subject, groups[subject], c, id_width, wrap, marked)]
    if memory:
        lines += _memory(doc, c, wrap)
    if quiet:
        return "\n".join(lines) + ("\n" if lines else "")
    lines += _clean(doc, active, set(groups), c) + _summary(doc, c)
    if hidden:
        lines.append(f"({hidden} finding(s) below {min_severity} not listed)")
    if old and not pre_existing:
        lines.append(f"({len(old)} pre-existing finding(s) not listed: --show-pre-existing lists them)")
    return "\n".join(lines) + "\n"


def _against_baseline(doc: Report, pre_existing: bool) -> tuple[list[FindingEntry], bool, list[FindingEntry], list[FindingEntry]]:
    """(active findings, whether a baseline marked them, the pre-existing ones, those to list)."""
    active = doc.active
    marked = doc.compared
    old = [f for f in active if marked and f.baseline == "pre-existing"]
    return active, marked, old, active if pre_existing else [f for f in active if f not in old]


def _memory(doc: Report, c: Paint, wrap: textwrap.TextWrapper) -> list[str]:
    from . import memory

    out: list[str] = []
    for d in doc.deployments:
        mem = d.memory
        if mem:
            out += [c(BOLD, fold(f"memory of {d.id}"))] + [x for line in memory.lines(mem) for x in wrap.wrap(fold(line))] + [""]
    return out


def _clean(doc: Report, shown: list[FindingEntry], listed: set[str], c: Paint) -> list[str]:
    """Deployments with nothing about them, and nothing in their file (a ModelSpec's finding may point there)."""
    blamed = {f.file for f in shown}
    clean = sorted(d.id for d in doc.deployments if d.serving and d.id not in listed and d.file not in blamed)
    return [f"{c(BOLD, fold(dep))}\n  {c(GREEN, 'ok'.ljust(7))} no findings" for dep in clean] + ([""] if clean else [])


def _group(subject: str, findings: list[FindingEntry], c: Paint, id_width: int, wrap: textwrap.TextWrapper, marked: bool = False) -> list[str]:
    lines = [c(BOLD, fold(subject))]
    for f in sorted(findings, key=lambda f: (-f.rank, f.file, f.line)):
        where = fold(f"{f.file}:{f.line}" if f.line else f.file)
        if f.values_key:
            where += f" (values: {fold(f.values_key)})"
        if marked:  # against a baseline: which of them this change brings
            where += "  " + (c(BOLD, "new") if f.is_new else "pre-existing")
        lines.append(f"  {c(COLORS[f.severity], f.severity.ljust(7))} {fold(f.check).ljust(id_width)}  {where}")
        lines += wrap.wrap(fold(f.message)) or [" " * INDENT]
    return lines + [""]


def _summary(doc: Report, c: Paint) -> list[str]:
    s, cat = doc.summary, doc.catalog
    statuses: dict[str, int] = {}
    for item in cat.items:
        statuses[item.status] = statuses.get(item.status, 0) + 1
    n = s.findings
    return [f"{s.files} files ({s.files_checked} checked, {s.files_skipped} skipped, {s.files_error} unreadable), "
            f"{s.deployments} deployments" + (f" ({s.not_analysed} not analysed)" if s.not_analysed else "") + f"; {n['error']} errors, {n['warning']} warnings, {n['info']} info"
            + (f", {s.suppressed} suppressed" if s.suppressed else ""),
            f"checklist {cat.profile}: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in sorted(statuses.items())),
            c(COLORS["error"] if judged.of(doc).fails else GREEN, verdict(doc)),
            *(c(COLORS["error"], f"internal error: {fold(e)}") for e in doc.errors)]


def verdict(doc: Report) -> str:
    v = judged.of(doc)
    return f"{v.result.upper()} (fail on {v.fail_on})"


def one_line(doc: Report) -> str:
    """What `-o FILE` says on stderr, so a run that writes files is not silent."""
    n = doc.summary.findings
    return f"{verdict(doc)}: {n['error']} errors, {n['warning']} warnings, {n['info']} info in {doc.summary.files_checked} files"
