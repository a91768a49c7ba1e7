"""Run the registered checks over the normalized subjects, with suppressions by annotation.

A subject is a serving deployment, a model card, a Dockerfile or a ModelSpec. Each check that applies is
recorded (so the catalog can tell passed from not applicable); its hits become findings with the check's
ID, severity (or config's) and catalog items. An annotation `modelready.io/skip: <id>,...` suppresses them,
with `skip-reason` and an optional `skip-until` expiry; a name that is no check is itself a finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import datetime as dt
from itertools import repeat
from typing import Any, Callable, Iterable, Iterator, Mapping

from .. import isolate
from ..config import Config, did_you_mean
from ..findings import Finding, Loc, Severity
from . import MAX_PER_FILE, Check, registry

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


def run(subjects: Iterable[Subject], config: Config, today: dt.date, spent: Callable[[], str | None] = lambda: None) -> Checked:
    """`spent`: why the run may do no more (its CPU budget), checked before each subject; None while it may."""
    by_scope: dict[str, list[_Ready]] = {}  # each check with its severity (config's, else its own)
    for c in registry().values():
        if (c.enabled or c.id in config.enable) and c.id not in config.disable:
            by_scope.setdefault(c.scope, []).append((c.applies, c.run, c, config.severity.get(c.id, c.severity)))
    out = Checked()
    todo = list(subjects)
    for n, subject in enumerate(todo):
        if why := spent():
            _not_checked(todo[n:], why, out)
            break
        skips, reason, until = suppressions(subject.annotations)
        _unknown_skips(subject, skips, out)
        out.findings += _apply(by_scope.get(subject.scope, []), subject, skips, lambda f: _suppress(f, reason, until, today), out)
    return out


_PLURAL = {"deployment": "deployments", "modelcard": "model cards", "dockerfile": "Dockerfiles", "spec": "ModelSpecs"}


def _not_checked(left: list[Subject], why: str, out: Checked) -> None:
    """The subjects a run-wide budget leaves unchecked: one finding naming them."""
    counts: dict[str, int] = {}
    for s in left:
        counts[s.scope] = counts.get(s.scope, 0) + 1
    what = ", ".join(f"{n:,} {_PLURAL.get(scope, scope)}" for scope, n in counts.items())
    names = [s.name for s in left]
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5:,} more" if len(names) > 5 else "")
    out.findings.append(Finding("not-analysed", Severity.warning, f"{what} not checked ({shown}): {why}", Loc("(run)"),
                                ("manifests-render",), subject="(run)"))


# a check as the runner calls it: its `applies` and `run` (looked up once per run, not per subject), itself, its severity
_Ready = tuple[Callable[[Any], bool], Callable[[Any], Iterable[Any]], Check[Any], Severity]


def _apply(checks: list[_Ready], subject: Subject, skips: set[str], suppress: Callable[[Finding], None], out: Checked) -> list[Finding]:
    """The findings of each check on one subject, in order (this runs 62 checks on each of 2,500 deployments: one loop
    per subject, no call per check but the check's own; the checks that applied are recorded in one update after it)."""
    value, name = subject.value, subject.name
    ran: list[str] = []
    found: list[Finding] = []
    for applies, run, check, severity in checks:
        try:
            if not applies(value):
                continue
            ran.append(check.id)
            hits = list(run(value))
        except Exception as e:  # noqa: BLE001 - a bug in one check must not hide the others' findings
            found.append(_failed(check, subject, e, out))
            continue
        for hit in hits:
            f = Finding(check.id, severity, hit.message, hit.loc, check.items, subject=name)
            if check.id in skips:
                suppress(f)
            found.append(f)
    out.applied.update(zip(ran, repeat(name)))
    return found


def _failed(check: Check[Any], subject: Subject, e: Exception, out: Checked) -> Finding:
    loc = getattr(subject.value, "loc", None)
    f = isolate.finding("checking " + subject.name, e, loc.file if isinstance(loc, Loc) else getattr(subject.value, "file", subject.name), check.id)
    out.errors.append(f.message)
    return f


def _unknown_skips(subject: Subject, skips: set[str], out: Checked) -> None:
    if not skips:  # nearly every subject: no set of every check made for it
        return
    for sid in sorted(s for s in skips - set(registry()) if not s.startswith(("trivy/", "hadolint/"))):
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


def merge_renders(findings: list[Finding]) -> list[Finding]:
    """One finding per check, place and cause, naming every values set or overlay it holds in: a chart rendered with
    eight values sets has one broken template line, not eight findings. Subjects are `ref@origin` (origin a file,
    `chart@values-set` or `dir@kustomize`) or `chart@values-set`; the first keeps its subject and lists the others."""
    groups: dict[tuple[object, ...], list[Finding]] = {}
    for f in findings:
        ref = f.subject.partition("@")[0]
        groups.setdefault((f.check, f.loc.file, f.loc.line, f.severity, f.message, f.suppressed, ref), []).append(f)
    out = []
    for group in groups.values():
        first = group[0]
        if len(group) == 1:  # nearly every finding: held in one render
            out.append(first)
            continue
        renders = list(dict.fromkeys(_render_of(g.subject) for g in group))
        if len(renders) > 1:
            first.message += f" (in {len(renders)} renders: {', '.join(renders)})"
        out.append(first)
    return out


def cap(findings: list[Finding]) -> list[Finding]:
    """At most MAX_PER_FILE findings of one check on one file, the first ones; the last one listed says how many
    more there were, so the report stays readable and bounded and still says what it left out."""
    counts: dict[tuple[str, str, bool], int] = {}
    last: dict[tuple[str, str, bool], Finding] = {}  # the last one listed, of a key past the bound only
    out = []
    for f in findings:
        key = (f.check, f.loc.file, bool(f.suppressed))
        n = counts[key] = counts.get(key, 0) + 1
        if n <= MAX_PER_FILE:
            out.append(f)
            if n == MAX_PER_FILE:
                last[key] = f
    for key, n in counts.items():
        if n > MAX_PER_FILE:
            last[key].message += f" (and {n - MAX_PER_FILE:,} more {key[0]} findings in {key[1]}, not listed)"
    return out


def _render_of(subject: str) -> str:
    """`Deployment/ns/x@chart@ci/a.yaml` -> `ci/a.yaml`; `Deployment/ns/x@overlays/prod@kustomize` -> `overlays/prod`."""
    origin = subject.partition("@")[2]
    return origin.removesuffix("@kustomize") if origin.endswith("@kustomize") else origin.rpartition("@")[2]


def dedupe(findings: list[Finding]) -> list[Finding]:
    """The first finding of each key, in order (each key made once: 20,000 findings)."""
    first: dict[tuple[Any, ...], Finding] = {}
    for f in findings:
        first.setdefault(f.key(), f)
    return list(first.values())


# What scope_to_serving leaves alone: what modelready could not do, and suppressions that are themselves findings.
UNSCOPED = {"internal-error", "not-analysed", "suppression-unknown-check", "trivy/unavailable"}
UNREAD = {"input-unreadable", "helm-render-failed"}
OUT_OF_SCOPE = " (not a serving workload: info under `scope: serving`; `scope: all` in .modelready.yaml gates on it)"
UNREAD_OUT_OF_SCOPE = " (it names no engine, operator or accelerator: a warning under `scope: serving`; `scope: all` makes it an error)"
_DEMOTED = (OUT_OF_SCOPE, UNREAD_OUT_OF_SCOPE)


def serving_places(deployments: list[Any]) -> set[str]:
    """Files and renders (`chart@values-set`, `dir@kustomize`) that hold a serving deployment or what links to it."""
    places: set[str] = set()
    add = places.add  # one add per place, no set made per deployment: 2,500 deployments, twice a run
    for d in deployments:
        if d.serving:
            add(d.loc.file)
            add(d.origin)
            for related in (d.services, d.autoscalers, d.disruption_budgets, d.monitors, d.secrets, d.storage):
                for r in related:
                    add(r.loc.file)
            for pod in d.pods:  # a kustomized container's patch, a subchart's template
                for c in pod.containers:
                    add(c.loc.file)
    return places


def scope_to_serving(findings: list[Finding], deployments: list[Any], mentions_serving: Callable[[str], bool], artifacts: set[str]) -> None:
    """Demote findings outside the serving scope in place (pipeline.scope_to_serving says which). `artifacts`: the
    ModelSpecs, model cards and configs, all about serving by what they are (Dockerfiles are judged by their text)."""
    serving: set[str] = set()
    other: set[str] = set()
    for d in deployments:
        (serving if d.serving else other).add(d.id)
    places = serving_places(deployments) | artifacts
    sniffed: dict[str, bool] = {}

    def mentions(place: str) -> bool:
        if place not in sniffed:
            sniffed[place] = bool(place) and place != "." and mentions_serving(place)
        return sniffed[place]

    for f in findings:
        if not _in_scope(f, serving, other, places):
            _demote(f, f.subject in other, mentions)


def _in_scope(f: Finding, serving: set[str], other: set[str], places: set[str]) -> bool:
    """Left as it is: about a serving deployment (most findings: tested first, the tests have no side effects), info,
    unscoped or already demoted, or about a place of a serving deployment."""
    if f.subject in serving or f.severity == Severity.info or f.check in UNSCOPED or f.message.endswith(_DEMOTED):
        return True
    return f.subject not in other and (f.subject in places or f.loc.file in places)


def _demote(f: Finding, not_serving: bool, mentions: Callable[[str], bool]) -> None:
    if not_serving:
        f.severity, f.message = Severity.info, f.message + OUT_OF_SCOPE
    elif f.check in UNREAD:
        if not (mentions(f.subject.split("@")[0]) or mentions(f.loc.file)):
            f.severity, f.message = Severity.warning, f.message + UNREAD_OUT_OF_SCOPE
    elif not mentions(f.loc.file):
        f.severity, f.message = Severity.info, f.message + OUT_OF_SCOPE
