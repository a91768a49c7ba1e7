"""The one verdict: which findings block, which are new and which pre-existing. The report's
`summary.result`, the comment's headline, the check run's title, the log's first line, the Action's
outputs, the job summary and every exit code read it from here.

A finding blocks when it is active (not suppressed), at `fail_on` or above (`never`: nothing blocks), and,
under gate `new`, new against the base (app/baseline.py marks each finding new or pre-existing; without a
baseline every finding counts as new)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..findings import Severity
from .document import FindingEntry, Report

SEVERITIES = tuple(s.name for s in sorted(Severity, reverse=True))  # error, warning, info
GATES = ("new", "touched", "all")


def floor(fail_on: str) -> Severity | None:
    """The lowest severity that blocks; None for `never`."""
    return None if fail_on == "never" else Severity[fail_on]


def blocks(f: FindingEntry, gate: str, lowest: Severity | None) -> bool:
    return f.active and lowest is not None and f.rank >= lowest and (gate != "new" or f.is_new)


def _zero() -> dict[str, int]:
    return {s: 0 for s in ("error", "warning", "info")}


@dataclass(frozen=True)
class Verdict:
    gate: str
    fail_on: str
    blocking: dict[str, int]  # per severity
    new: dict[str, int]  # active findings new against the base (all of them without one)
    pre_existing: dict[str, int]
    compared: bool  # a baseline was available

    @property
    def fails(self) -> bool:
        return sum(self.blocking.values()) > 0

    @property
    def result(self) -> str:
        return "fail" if self.fails else "pass"

    def title(self, deployments: int) -> str:
        """The check run's title."""
        pre = f"; {sum(self.pre_existing.values())} pre-existing" if self.compared else ""
        return f"{self.new['error']} new error(s), {self.new['warning']} new warning(s){pre} in {deployments} deployment(s)"


def of(doc: Report) -> Verdict:
    """The verdict of a report document as its summary's gate and fail_on decide it. A document is frozen: the
    last one asked about is answered again without a second pass (`check` asks for its exit code and its line)."""
    if _LAST and _LAST[0][0] is doc:
        return _LAST[0][1]
    s = doc.summary
    gate, lowest = s.gate or "touched", floor(s.fail_on)
    blocking, new, pre = _zero(), _zero(), _zero()
    ranked = _blocking_severities(lowest)  # `blocks` of each active finding, a rank looked up once per report
    once: set[tuple[Any, ...]] = set()  # one problem in a chart blocks once, however many values sets render it
    for f in doc.findings:
        if f.suppressed:
            continue
        if f.severity in ranked and (gate != "new" or (f.baseline or "new") == "new"):
            key = (f.check, f.file, f.line, f.severity) if f.line else (id(f),)
            if key not in once:
                once.add(key)
                blocking[f.severity] += 1
        (pre if f.baseline == "pre-existing" else new)[f.severity] += 1
    v = Verdict(gate, s.fail_on, blocking, new, pre, doc.compared)
    _LAST[:] = [(doc, v)]
    return v


def _blocking_severities(lowest: Severity | None) -> set[str]:
    return {name for name in SEVERITIES if lowest is not None and Severity[name] >= lowest}


_LAST: list[tuple[Report, Verdict]] = []  # the last document asked about, and its verdict


def settled(doc: Report) -> Report:
    """The report with its `summary.result` the verdict's."""
    return replace(doc, summary=replace(doc.summary, result=of(doc).result))


def decide(doc: Report, gate: str) -> Report:
    """The report under `gate`: its summary's gate, and its `summary.result` by the verdict (read it with `of`)."""
    if gate not in GATES:
        raise ValueError(f"gate {gate!r}: use one of {', '.join(GATES)}")
    return settled(replace(doc, summary=replace(doc.summary, gate=gate)))
