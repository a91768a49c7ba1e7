"""discover -> load -> normalize -> check. Reporting and publishing take the Result from here."""

from __future__ import annotations

import datetime as dt
import gc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import cache, isolate
from .normalize import coverage, images
from .checks import runner
from .checks.runner import Subject
from .config import Config
from .discover import Discovered, discover, rel
from .findings import Finding, Severity
from .load import Loaded, load
from .load.budget import Budget
from .normalize import specs as spec_views
from .normalize.artifacts import Build, Card
from .normalize.hub import Hub
from .normalize.link import link
from .normalize.model import Deployment
from .normalize.resolve import resolve_all
from .normalize.kinds import Near
from .normalize.workloads import not_read, to_deployments
from .report import inert
from .scan import hadolint


@dataclass
class Result(Loaded):
    deployments: list[Deployment] = field(default_factory=list)
    spec_views: list[spec_views.SpecView] = field(default_factory=list)  # one per ModelSpec
    scans: dict[str, tuple[str, str, list[str]]] = field(default_factory=dict)  # catalog item -> (ran|skipped, why, evidence)
    scan_runs: list[dict[str, Any]] = field(default_factory=list)  # the report's record of each scanner process

    def active_findings(self) -> list[Finding]:
        return [f for f in self.findings if not f.suppressed]


def run(paths: list[Path], config: Config, root: Path, today: dt.date | None = None, charts: set[str] | None = None,
        wants: Callable[[str], bool] | None = None, focus: Any = None, misconfig: bool | str = False) -> Result:
    """`charts`: render only these chart dirs (repository-relative), `wants(rel)`: load only the plain files and
    kustomizations it accepts; `focus(result)`: a predicate on (subject, file) choosing what checks run on;
    None: everything found (app.scope decides these for a pull request). `misconfig`: Trivy's bundled checks too
    (scan/misconfig.py), as `modelready check` and the Action run them; a path: that trivy binary."""
    # The parsed trees hold no reference cycles, yet every collection would walk them (a third of a
    # 10,000-manifest run): the collector is off while they are built, and they are frozen afterwards.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(paths, config, root, today, charts, wants, focus, misconfig)
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _run(paths: list[Path], config: Config, root: Path, today: dt.date | None, charts: set[str] | None, wants, focus,  # type: ignore[no-untyped-def]
         misconfig: bool | str) -> Result:
    budget = Budget()  # the run's, from its start: every file, render and check is taken from it
    root = root.resolve()
    found = discover(paths, root, config.exclude)
    if charts is not None:  # a pull request's scope: the other charts are not its business
        found.charts = [c for c in found.charts if rel(c, root) in charts]
    if wants is not None:
        found.files = [(p, k) for p, k in found.files if wants(rel(p, root))]
        found.kustomizations = [d for d in found.kustomizations if wants(rel(d, root) + "/kustomization.yaml")]
    # engines' results kept across runs (hadolint's, Helm's): `modelready check` asks for it (config.cache)
    store, cache_line = cache.open_store(root, config.cache) if config.cache is not None else (None, "")
    with cache.using(store):
        # the slowest tool: started now, beside loading and normalizing, collected last
        linting = hadolint.start(root, [rel(p, root) for p, kind in found.files if kind == "dockerfile"])
        try:
            res = _pipeline(found, linting, config, root, today, focus, misconfig, budget)
        finally:
            linting.close()
    if config.cache is not None:  # said, so that no result from the cache passes unseen
        res.tools["cache"] = cache_line
        if store is not None and "helm" in res.tools:
            res.tools["helm"] += store.said("helm", "renders")
    return res


def _pipeline(found: Discovered, linting: hadolint.Run, config: Config, root: Path, today: dt.date | None, focus: Any,
              misconfig: bool | str, budget: Budget) -> Result:
    loaded = load(found, config, root, budget)
    # secret values in the files (and what a template makes of them) are masked wherever text leaves
    learnt: set[int] = set()  # a values file's tree is the same object for every values set it is in
    for tree in loaded.values_seen + [o.body for o in loaded.objects]:
        if id(tree) not in learnt:
            learnt.add(id(tree))
            inert.learn(tree)
    loaded.values_seen = []
    res = Result(**vars(loaded))
    _normalize(res, root, found, config)
    job = _start_misconfig(res, config, misconfig, focus)  # Trivy runs in its own process while the checks run here
    _tools(res, config, linting)
    subjects = _subjects(res)
    if focus is not None:
        keep = focus(res)
        subjects = [s for s in subjects if keep(s.name, s.value.loc.file if s.scope == "deployment" else s.name)]
    checked = runner.run(subjects, config, today or dt.date.today(), budget.cpu_spent)
    # the loaders' own checks ran on every file read and every values set rendered
    res.applied |= {("input-unreadable", f.path) for f in res.files if f.status != "skipped"} | checked.applied
    res.errors += checked.errors
    own = runner.dedupe(res.findings + checked.findings)
    res.findings = runner.cap(runner.merge_renders(own + _collect_misconfig(res, job, own)))
    scope_to_serving(res, config)
    return res


def _start_misconfig(res: Result, config: Config, wanted: bool | str, focus: Any) -> Any:
    """Trivy's config scan of the serving scope's objects (all objects under `scope: all`) and the Dockerfiles; of a
    pull request's business only, when `focus` says what that is."""
    if not wanted:
        return None
    from .scan import misconfig, trivy

    with isolate.guard(res, "starting Trivy's misconfiguration checks"):
        keep = focus(res) if focus is not None else (lambda _subject, _file: True)
        objects = [o for o in (res.objects if config.scope == "all" else _in_serving_scope(res)) if keep(o.subject, o.file)]
        dockerfiles = [d.file for d in res.dockerfiles if keep(d.file, d.file)]
        binary = trivy.locate(wanted if isinstance(wanted, str) else None)  # None: --trivy-bin not given
        timeout = int(config.trivy.get("timeout") or misconfig.TIMEOUT_S)
        return misconfig.start(objects, dockerfiles, res.root, binary, timeout)
    return None


def _collect_misconfig(res: Result, job: Any, own: list[Finding]) -> list[Finding]:
    if job is None:
        return []
    with isolate.guard(res, "reading Trivy's misconfiguration findings"):
        found, res.scans["pod-permissions"] = job.collect(own)
        res.tools["trivy"] = job.why
        res.scan_runs += [job.run] if job.run else []
        return list(found)
    return []


def _in_serving_scope(res: Result) -> list[Any]:
    """The objects of the files and renders that hold a serving deployment or what links to one."""
    places = runner.serving_places(res.deployments)
    return [o for o in res.objects if (o.origin or o.file) in places or o.file in places]


def scope_to_serving(res: Result, config: Config) -> None:
    """`scope: serving` (the default): the gate is about what serves models. A finding on another workload, or on a
    file that holds neither a serving deployment nor anything linked to one, is info; a file, chart or overlay that
    could not be read and names no engine, operator or accelerator is a warning naming it. Run again after Trivy."""
    if config.scope == "all":
        return
    from .load.serving_text import mentions_serving

    root = res.root.resolve()
    artifacts = {r.path for r in res.files if r.kind in ("modelspec", "model-card", "model-config")}
    runner.scope_to_serving(res.findings, res.deployments, lambda place: mentions_serving(root, place), artifacts)


def _normalize(res: Result, root: Path, found: Discovered, config: Config) -> None:
    """One object, one deployment's links or model, the spec graph: each fails alone (an internal-error finding)."""
    near = Near(res.objects)
    for obj in res.objects:
        with isolate.guard(res, "normalizing " + obj.ref, obj.file):
            deps = to_deployments(obj, near)
            res.deployments += deps
            res.findings += [] if deps else not_read(obj)
    with isolate.guard(res, "reading how images start"):
        res.deployments += images.deployments(res.dockerfiles, root)
    with isolate.guard(res, "indexing objects for linking"):
        link(res.deployments, res.objects, guard=lambda d: isolate.guard(res, "linking " + d.ref, d.loc.file))
    with isolate.guard(res, "accounting for what was read"):
        coverage.account(res, found)  # what was read and yields nothing says why
    with isolate.guard(res, "building the ModelSpec graph"):
        res.spec_views = spec_views.build(res.specs, res.deployments, res.configs, root)
    with isolate.guard(res, "resolving models"):
        resolve_all(res.deployments, res.configs, res.spec_views, hub=Hub(token=config.hf_token) if config.online else None,
                    guard=lambda d: isolate.guard(res, "resolving the model of " + d.ref, d.loc.file), objects=res.objects)
    with isolate.guard(res, "pricing GPUs"):
        from .normalize import cost

        cost.attach(res.deployments, res.spec_views, config.cost, guard=lambda d: isolate.guard(res, "pricing the GPUs of " + d.ref, d.loc.file),
                    objects=res.objects)
    from .checks._fit import memory  # the figures of every deployment, for the report's `memory` objects

    for d in res.deployments:
        if d.serving and d.engine is not None and d.engine.capability("kv_cache_at_start"):
            with isolate.guard(res, "sizing the memory of " + d.ref, d.loc.file):
                d.memory = memory(d)
    res.findings += [Finding("field-type-invalid", Severity.error, f"{o.kind} {o.name}: {message}", loc, ("manifests-render",), subject=o.file)
                     for o in res.objects for message, loc in o.problems]


def _tools(res: Result, config: Config, linting: hadolint.Run) -> None:
    """The schemas and hadolint's findings, each failing alone."""
    with isolate.guard(res, "validating manifests against the Kubernetes schemas"):
        _validate(res, config)
    with isolate.guard(res, "linting Dockerfiles with hadolint"):
        linted, res.tools["hadolint"] = linting.collect({d.file for d in res.dockerfiles})
        res.findings += linted


def _validate(res: Result, config: Config) -> None:
    """kubernetes-validate's strict schemas of the chosen release; a field normalize already found of the wrong type once."""
    from .scan import schema

    version = schema.resolve_version(config.kubernetes_version)
    if version is None:
        res.tools["kubernetes-schemas"] = "not installed (pip install kubernetes-validate): manifests not validated"
        return
    res.tools["kubernetes-schemas"] = f"Kubernetes {version} (kubernetes-validate)"
    typed = {(f.loc.file, f.loc.line) for f in res.findings if f.check == "field-type-invalid"}
    # under scope: serving, what would only be info is not worth its time (a third of a 3,000-object run)
    objects = res.objects if config.scope == "all" else _in_serving_scope(res)
    res.findings += [f for f in schema.validate(objects, version) if (f.loc.file, f.loc.line) not in typed]


def _subjects(res: Result) -> list[Subject]:
    return ([Subject("deployment", d, d.id, d.annotations) for d in res.deployments]
            + [Subject("modelcard", Card.of(c), c.file) for c in res.cards]
            + [Subject("dockerfile", Build.of(f), f.file) for f in res.dockerfiles]
            + [Subject("spec", v, v.file) for v in res.spec_views])
