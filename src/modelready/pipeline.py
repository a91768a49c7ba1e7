"""discover -> load -> normalize -> check. Reporting and publishing take the Result from here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from .normalize import coverage
from .checks import runner
from .checks.runner import Subject
from .config import Config
from .discover import discover, rel
from .findings import Finding
from .load import Loaded, load
from .normalize import specs as spec_views
from .normalize.artifacts import Build, Card
from .normalize.link import link
from .normalize.model import Deployment
from .normalize.workloads import to_deployments


@dataclass
class Result(Loaded):
    deployments: list[Deployment] = field(default_factory=list)
    spec_views: list[spec_views.SpecView] = field(default_factory=list)  # one per ModelSpec

    def active_findings(self) -> list[Finding]:
        return [f for f in self.findings if not f.suppressed]


def run(paths: list[Path], config: Config, root: Path, today: dt.date | None = None, charts: set[str] | None = None,
        wants=None, focus=None) -> Result:
    """`charts`: render only these chart dirs (repository-relative), `wants(rel)`: load only the plain files and
    kustomizations it accepts; `focus(result)`: a predicate on (subject, file) choosing what checks run on;
    None: everything found (app.scope decides these for a pull request)."""
    root = root.resolve()
    found = discover(paths, root, config.exclude)
    if charts is not None:  # a pull request's scope: the other charts are not its business
        found.charts = [c for c in found.charts if rel(c, root) in charts]
    if wants is not None:
        found.files = [(p, k) for p, k in found.files if wants(rel(p, root))]
        found.kustomizations = [d for d in found.kustomizations if wants(rel(d, root) + "/kustomization.yaml")]
    loaded = load(found, config, root)
    res = Result(**vars(loaded))
    res.deployments = [d for obj in res.objects for d in to_deployments(obj)]
    link(res.deployments, res.objects)
    coverage.account(res, found)  # what was read and yields nothing says why
    res.spec_views = spec_views.build(res.specs, res.deployments, res.configs, root)
    subjects = _subjects(res)
    if focus is not None:
        keep = focus(res)
        subjects = [s for s in subjects if keep(s.name, s.value.loc.file if s.scope == "deployment" else s.name)]
    checked = runner.run(subjects, config, today or dt.date.today())
    # the loaders' own checks ran on every file read and every values set rendered
    res.applied |= {("input-unreadable", f.path) for f in res.files if f.status != "skipped"} | checked.applied
    res.errors += checked.errors
    res.findings = runner.dedupe(res.findings + checked.findings)
    return res


def _subjects(res: Result) -> list[Subject]:
    return ([Subject("deployment", d, f"{d.ref}@{d.origin}", d.annotations) for d in res.deployments]
            + [Subject("modelcard", Card.of(c), c.file) for c in res.cards]
            + [Subject("dockerfile", Build.of(f), f.file) for f in res.dockerfiles]
            + [Subject("spec", v, v.file) for v in res.spec_views])
