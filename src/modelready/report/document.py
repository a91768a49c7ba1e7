"""The report document: typed, frozen values from the run until the JSON reporter writes them (report/wire.py
is the one place they become JSON, and the one place a saved report is read back). A stage that adds to the
report (the fingerprints, the baseline, the gate's own findings, the verdict, the attestations) returns a new
value with `dataclasses.replace`; nothing edits one after it is built.

Schema: docs/report-schema.json. `schema_version` changes only when a field changes meaning or goes.
Fields whose metadata says `omit` are left out of the JSON while None (they exist only on some runs);
nested objects that are data already (a deployment's memory and cost, the scans' log) stay JSON-shaped.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping, TypeVar

from .. import __version__
from ..findings import Finding, Severity
from ..masking import MASK, is_secret_name
from .inert import shorten

SCHEMA_VERSION = 1
OMIT = {"omit": True}  # absent from the JSON while None
FLAT = {"flat": True}  # its keys are the object's own in the JSON
Json = dict[str, Any]
Counts = Mapping[str, int]  # per severity name


def counts(severities: Iterable[str]) -> dict[str, int]:
    """Per severity, error first (as a reader scans them)."""
    seen = list(severities)
    return {s: seen.count(s) for s in ("error", "warning", "info")}


@dataclass(frozen=True)
class FindingEntry:
    check: str
    severity: str  # error | warning | info
    message: str
    file: str
    line: int = 0
    values_key: str | None = None
    subject: str = ""
    catalog_items: tuple[str, ...] = ()
    suppressed: str | None = None  # why, when an annotation or the config silenced it
    rule_url: str | None = None
    fingerprint: str | None = field(default=None, metadata=OMIT)  # app/baseline.py
    baseline: str | None = field(default=None, metadata=OMIT)  # new | pre-existing, against a base

    def marked(self, *, fingerprint: str | None = None, baseline: str | None = None) -> FindingEntry:
        """This finding with its fingerprint or baseline mark: `replace` without its walk over the fields (every
        finding of a run is stamped: 20,000 took 0.3 s). The fields are plain values, so a copy of them is the value."""
        fields = self.__dict__.copy()  # given to the copy whole: a third less than updating its own
        if fingerprint is not None:
            fields["fingerprint"] = fingerprint
        if baseline is not None:
            fields["baseline"] = baseline
        return _made(FindingEntry, fields)

    @property
    def active(self) -> bool:
        return not self.suppressed

    @property
    def is_new(self) -> bool:
        """New against the base; every finding is, without one."""
        return (self.baseline or "new") == "new"

    @property
    def rank(self) -> Severity:
        return Severity[self.severity]


@dataclass(frozen=True)
class Summary:
    result: str  # pass | fail: the one verdict's (report/verdict.py)
    fail_on: str  # a severity, or never
    files: int = 0
    files_checked: int = 0
    files_skipped: int = 0
    files_error: int = 0
    deployments: int = 0
    # what was read and not analysed: charts/templates/overlays (findings) and operator-run files
    not_analysed: int = 0
    findings: Counts = field(default_factory=lambda: counts([]))  # active findings per severity
    suppressed: int = 0
    gate: str | None = field(default=None, metadata=OMIT)  # new | touched | all, once a run decides it


@dataclass(frozen=True)
class FileEntry:
    path: str
    kind: str
    status: str  # checked | skipped | error
    reason: str = ""
    objects: int = 0
    extra: Json = field(default_factory=dict, metadata=FLAT)  # a loader's own facts (a chart's values sets, its pin)


@dataclass(frozen=True)
class DeploymentEntry:
    id: str
    kind: str
    name: str
    namespace: str | None = None
    origin: str | None = None
    file: str = ""
    line: int = 0
    serving: bool = False
    replicas: int | None = None
    gpus_per_group: int | None = None
    engine: Json | None = None  # name, version, settings (secrets masked)
    model: Json = field(default_factory=dict)  # id, uri, revision
    memory: Json | None = None  # checks/_fit.py's sizing
    related: Json = field(default_factory=dict)
    cost: Json | None = None  # normalize/cost.py's


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    catalog_items: tuple[str, ...] = ()
    summary: str = ""
    passed: str = ""
    description: str = ""
    help_uri: str = ""


@dataclass(frozen=True)
class ItemEntry:
    """A catalog item as this run decided it."""

    id: str
    title: str
    section: str
    mode: str  # auto | spec | scan | smoke | attest
    phase: str | None = None
    owners: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    spec_fields: tuple[str, ...] = ()
    status: str = "awaiting"  # passed | failed | skipped | not_applicable | awaiting
    why: str = ""
    evidence: tuple[str, ...] = ()
    findings: tuple[int, ...] = ()  # indexes into the report's findings
    seeds: tuple[Json, ...] = ()
    # an attestation that holds for some of the PR's deployments only (publish.attest.holding): for the comment
    partial: Json | None = field(default=None, metadata={"omit": True})


@dataclass(frozen=True)
class Catalog:
    profile: str
    coverage: Json = field(default_factory=dict)
    items: tuple[ItemEntry, ...] = ()


@dataclass(frozen=True)
class Baseline:
    """The comparison with a base commit or a baseline file."""

    source: str | None
    available: bool
    new: Counts
    pre_existing: Counts
    fixed: int = 0
    why: str | None = field(default=None, metadata=OMIT)  # no baseline: why not


@dataclass(frozen=True)
class Report:
    schema_version: int = SCHEMA_VERSION
    tool: Json = field(default_factory=lambda: {"name": "modelready", "version": __version__})
    summary: Summary = field(default_factory=lambda: Summary("pass", "error"))
    files: tuple[FileEntry, ...] = ()
    deployments: tuple[DeploymentEntry, ...] = ()
    findings: tuple[FindingEntry, ...] = ()
    rules: tuple[Rule, ...] = ()
    catalog: Catalog = field(default_factory=lambda: Catalog("all"))
    errors: tuple[str, ...] = ()
    scans: Json | None = field(default=None, metadata=OMIT)
    scope: Json | None = field(default=None, metadata=OMIT)  # a change's scope (what was rendered)
    smoke: tuple[Json, ...] | None = field(default=None, metadata=OMIT)
    baseline: Baseline | None = field(default=None, metadata=OMIT)
    cost_diff: Json | None = field(default=None, metadata=OMIT)  # report/cost.py's diff against the base
    github: Json | None = field(default=None, metadata=OMIT)  # which pull request and head (modelready-publish.yml reads it)

    @property
    def active(self) -> list[FindingEntry]:
        return [f for f in self.findings if f.active]

    @property
    def compared(self) -> bool:
        """A baseline marked the findings new or pre-existing."""
        return self.baseline is not None and self.baseline.available

    def recounted(self) -> "Report":
        """The summary's counts (and the baseline's new ones) after findings were added."""
        active = self.active
        out = replace(self, summary=replace(self.summary, findings=counts(f.severity for f in active)))
        if self.baseline is not None:
            out = replace(out, baseline=replace(self.baseline, new=counts(f.severity for f in active if f.is_new)))
        return out


def build(result: Any, findings: list[Finding], rules: list[Rule], catalog: Catalog, fail_on: Severity | None) -> Report:
    """`fail_on` None: never fail (`--fail-on never`): the report is the same, the result is pass. Its
    `summary.result` is the one verdict's (verdict.settled), once the caller has it whole."""
    # not redacted here: every writer redacts what it writes (report.inert.redact), once
    short = _Shortened()
    return Report(tool={"name": "modelready", "version": __version__, **result.tools},
                 summary=_summary(result, findings, fail_on),
                 files=tuple(_file(f, short) for f in result.files),
                 deployments=tuple(_deployment(d) for d in result.deployments),
                 findings=tuple(_finding(f, short) for f in findings),
                 rules=tuple(rules), catalog=catalog, errors=tuple(result.errors))


class _Shortened(dict[str, str]):
    """`shorten` of each message once for one report: 20,000 findings of 10,000 manifests hold 2,500 messages (the
    same check says the same of every deployment). Nothing is learned while a report is built, so none changes."""

    def __missing__(self, message: str) -> str:
        done = self[message] = shorten(message)
        return done


def _summary(result: Any, findings: list[Finding], fail_on: Severity | None) -> Summary:
    active = [f for f in findings if not f.suppressed]
    severities = [f.severity for f in active]  # counted in C, once per severity
    files = [f.status for f in result.files]
    return Summary(result="pass",  # decided by the one verdict once the document is whole
                   fail_on=fail_on.name if fail_on is not None else "never",
                   files=len(result.files), files_checked=files.count("checked"), files_skipped=files.count("skipped"),
                   files_error=files.count("error"), deployments=len(result.deployments),
                   not_analysed=_not_analysed(result, findings),
                   findings={s.name: severities.count(s) for s in Severity},
                   suppressed=len(findings) - len(active))


def _not_analysed(result: Any, findings: list[Finding]) -> int:
    return sum(1 for f in findings if f.check == "not-analysed") + sum(1 for f in result.files if f.extra.get("not_analysed"))


def _file(f: Any, short: dict[str, str]) -> FileEntry:
    extra = {k: v for k, v in f.extra.items() if k != "not_analysed"}  # counted in the summary, said in the reason
    return _made(FileEntry, {"path": f.path, "kind": f.kind, "status": f.status, "reason": short[f.reason], "objects": f.objects,
                             "extra": extra})


def _finding(f: Finding, short: dict[str, str]) -> FindingEntry:
    # capped once here, so every format says the same (a 1 MB image name is no 1 MB message)
    loc = f.loc
    return _made(FindingEntry, {
        "check": f.check, "severity": _SEVERITY_NAMES[f.severity], "message": short[f.message], "file": loc.file, "line": loc.line,
        "values_key": loc.values_key, "subject": f.subject, "catalog_items": tuple(f.items), "suppressed": f.suppressed,
        "rule_url": f.rule_url, "fingerprint": None, "baseline": None})


_SEVERITY_NAMES = {s: s.name for s in Severity}
_R = TypeVar("_R")


def _made(cls: type[_R], fields: dict[str, Any]) -> _R:
    """A frozen record as `cls(**fields)` makes it, given its fields whole: the frozen __init__ sets each through
    object.__setattr__ (20,000 findings: a third of the report's build). `fields` must name every field;
    tests/test_reports.py holds the two equal."""
    new = object.__new__(cls)
    object.__setattr__(new, "__dict__", fields)
    return new


def _deployment(d: Any) -> DeploymentEntry:
    e = d.engine
    engine = None
    if e is not None:
        engine = {"name": e.name, "version": e.version,
                  "settings": {k: (MASK if is_secret_name(k) else v.value) for k, v in sorted(e.settings.items())}}
    return DeploymentEntry(
        d.id, d.kind, d.name, d.namespace, d.origin, d.loc.file, d.loc.line, d.serving, d.replicas, d.gpus_per_group(), engine,
        {"id": d.model.id, "uri": d.model.uri, "revision": d.model.revision}, getattr(d, "memory", None),
        {"services": [s.name for s in d.services], "autoscalers": [a.name for a in d.autoscalers],
         "disruption_budgets": [p.name for p in d.disruption_budgets], "monitors": [m.name for m in d.monitors]},
        d.cost.as_dict() if d.cost is not None else None)


def rules_of(registry: Mapping[str, Any]) -> list[Rule]:
    return [Rule(c.id, c.severity.name, tuple(c.items), c.failed, c.passed, c.section("What it does"),
                 f"https://github.com/modelready/modelready/blob/main/docs/checks.md#{c.id}")
            for c in registry.values()]


_TOOLS = {"trivy": "Trivy", "hadolint": "hadolint"}


def scanner_rules(findings: list[Finding]) -> list[Rule]:
    """Rules of scanner findings (Trivy's IDs), so SARIF carries them as rules of this one run."""
    seen: dict[str, Rule] = {}
    for f in findings:
        if "/" in f.check and f.check not in seen:
            tool, rule = f.check.split("/", 1)
            seen[f.check] = Rule(f.check, f.severity.name, tuple(f.items), rule, "", f"Reported by {_TOOLS.get(tool, 'a scanner')}: {rule}",
                                 f.rule_url or "https://trivy.dev/")
    return list(seen.values())


def catalog_section(profile: str, results: Any, coverage: Json) -> Catalog:
    return Catalog(profile, coverage, tuple(
        ItemEntry(r.item.id, r.item.title, r.item.section_title, r.item.mode, r.item.phase, tuple(r.item.owners), tuple(r.item.checks),
                  tuple(r.item.spec), r.status, r.why, tuple(r.evidence), tuple(r.findings),
                  tuple({"file": s["file"], "text": s["text"]} for s in r.item.seeds))
        for r in results))
