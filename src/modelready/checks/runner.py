"""Run the registered checks over the normalized subjects, with suppressions by annotation.

A subject is a serving deployment, a model card, a Dockerfile or a ModelSpec. Each check that applies is
recorded (so the catalog can tell passed from not applicable); its hits become findings with the check's
ID, severity (or config's) and catalog items. An annotation `modelready.io/skip: <id>,...` suppresses them,
with `skip-reason` and an optional `skip-until` expiry; a name that is no check is itself a finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import datetime as dt
from typing import Any, Iterable, Mapping

from .. import isolate
from ..config import Config, did_you_mean
from ..findings import Finding, Loc, Severity
from . import Check, registry

SKIP_ANNOTATION = "modelready.io/skip"
REASON_ANNOTATION = "modelready.io/skip-reason"
UNTIL_ANNOTATION = "modelready.io/skip-until"


@dataclass(frozen=True)
class Subject:
    scope: str  # which checks see it: Check.scope
    value: Any
    name: str  # as findings and the catalog name it
    annotations: Mapping[str, object] = field(default_factory=dict)


@dataclass
class Checked:
    findings: list[Finding] = field(default_factory=list)
    applied: set[tuple[str, str]] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)


def run(subjects: Iterable[Subject], config: Config, today: dt.date) -> Checked:
    checks = [c for c in registry().values() if (c.enabled or c.id in config.enable) and c.id not in config.disable]
    out = Checked()
    for subject in subjects:
        skips, reason, until = suppressions(subject.annotations)
        _unknown_skips(subject, skips, out)
        for check in checks:
            if check.scope == subject.scope:
                for f in _apply(check, subject, config, out):
                    if check.id in skips:
                        _suppress(f, reason, until, today)
                    out.findings.append(f)
    return out


def _apply(check: Check[Any], subject: Subject, config: Config, out: Checked) -> list[Finding]:
    try:
        if not check.applies(subject.value):
            return []
        out.applied.add((check.id, subject.name))
        hits = list(check.run(subject.value))
    except Exception as e:  # noqa: BLE001 - a bug in one check must not hide the others' findings
        loc = getattr(subject.value, "loc", None)
        f = isolate.finding("checking " + subject.name, e, loc.file if isinstance(loc, Loc) else getattr(subject.value, "file", subject.name), check.id)
        out.findings.append(f)
        out.errors.append(f.message)
        return []
    severity = config.severity.get(check.id, check.severity)
    return [Finding(check.id, severity, hit.message, hit.loc, check.items, subject=subject.name) for hit in hits]


def _unknown_skips(subject: Subject, skips: set[str], out: Checked) -> None:
    for sid in sorted(s for s in skips - set(registry()) if not s.startswith("trivy/")):
        loc = getattr(subject.value, "loc", None)
        out.findings.append(Finding("suppression-unknown-check", Severity.warning, f"{SKIP_ANNOTATION} names unknown check {sid!r}{did_you_mean(sid, registry())}",
                                    loc if isinstance(loc, Loc) else Loc(subject.name), ("manifests-render",), subject=subject.name))


def _suppress(f: Finding, reason: str, until: dt.date | None, today: dt.date) -> None:
    if until and until < today:
        f.message += f" (suppression expired on {until.isoformat()})"
    else:
        f.suppressed = reason or "suppressed by annotation"


def suppression(check_id: str) -> str:
    """The annotation line that silences `check_id` on a workload (`explain` tells users to paste it; `suppressions` reads it)."""
    return f'{SKIP_ANNOTATION}: "{check_id}"'


def suppressions(annotations: Mapping[str, object]) -> tuple[set[str], str, dt.date | None]:
    raw = annotations.get(SKIP_ANNOTATION, "")
    skips = {s.strip() for s in str(raw).split(",") if s.strip()}
    until = None
    if annotations.get(UNTIL_ANNOTATION):
        try:
            until = dt.date.fromisoformat(str(annotations[UNTIL_ANNOTATION]).strip())
        except ValueError:
            until = dt.date.min  # an unreadable expiry never silences anything
    return skips, str(annotations.get(REASON_ANNOTATION, "")), until


def dedupe(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        if f.key() not in seen:
            seen.add(f.key())
            out.append(f)
    return out
