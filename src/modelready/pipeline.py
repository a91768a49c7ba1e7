"""discover -> load -> normalize -> check. Reporting and publishing take the Result from here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from .normalize import coverage
from .checks import runner
from .checks.runner import Subject
from .config import Config
from .discover import discover
from .findings import Finding
from .load import Loaded, load
from .normalize import specs as spec_views
from .normalize.artifacts import Build, Card
from .normalize.hub import Hub
from .normalize.link import link
from .normalize.model import Deployment
from .normalize.resolve import resolve_all
from .normalize.workloads import to_deployments


@dataclass
class Result(Loaded):
    deployments: list[Deployment] = field(default_factory=list)
    spec_views: list[spec_views.SpecView] = field(default_factory=list)  # one per ModelSpec

    def active_findings(self) -> list[Finding]:
        return [f for f in self.findings if not f.suppressed]


def run(paths: list[Path], config: Config, root: Path, today: dt.date | None = None) -> Result:
    root = root.resolve()
    found = discover(paths, root, config.exclude)
    loaded = load(found, config, root)
    res = Result(**vars(loaded))
    res.deployments = [d for obj in res.objects for d in to_deployments(obj)]
    link(res.deployments, res.objects)
    coverage.account(res, found)  # what was read and yields nothing says why
    res.spec_views = spec_views.build(res.specs, res.deployments, res.configs, root)
    resolve_all(res.deployments, res.configs, res.spec_views, hub=Hub(token=config.hf_token) if config.online else None)
    checked = runner.run(_subjects(res), config, today or dt.date.today())
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
