"""What a pull request touches, decided before the pipeline runs: the files it changed (`changed`), which
of them are deployment files (by their content, not their extension), which charts to render, which files
Trivy reads.

Changed files come from `git diff --name-only base...head` when the checkout has both commits
(`actions/checkout` with `fetch-depth: 0`), else from the API (which lists at most 3,000), else the whole
repository is checked; `Changes.source` says which.

A chart is rendered when a file under it changed, when a values file the config names for it changed,
or when a touched ModelSpec describes one of its deployments (found after a first pass: see needs_all).
Plain Kubernetes files and model configs are always loaded (linking needs them: see Scope.wants); checks
then run only on what the change touches (Scope.focus).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from typing import Any, Callable

from ..discover import ALWAYS_SKIP_DIRS, MAX_BYTES, classify_name, read_inside
from ..load.files import sniff
from . import git

_K8S = re.compile(r"^apiVersion:\s*\S+", re.M)
_KIND = re.compile(r"^kind:\s*\S+", re.M)
_CARD_KEYS = re.compile(r"^(license|library_name|pipeline_tag|base_model|model-index|model_name|datasets|language|tags|inference)\s*:", re.M)
NOT_DEPLOYMENT_DIRS = (".github/",)  # CI workflows and repository settings
API_FILE_LIMIT = 3000  # GET /pulls/{n}/files lists no more (docs.github.com, "List pull requests files")


@dataclass
class Changes:
    files: list[str] | None  # None: check everything
    source: str


def changed(root: Path, base: str, head: str, api: Callable[[], list[str]] | None = None) -> Changes:
    """`api`: lists the PR's files through the API, or None (merge groups have no list)."""
    files = git.changed_files(root, base, head)
    if files is not None:
        return Changes(files, f"git diff {base[:12]}...{head[:12]}: {len(files)} changed file(s)")
    why = "the checkout lacks the base commit (fetch-depth: 0 gives it)"
    if api is None:
        return Changes(None, f"every file: {why}")
    from github import GithubException

    try:
        listed = api()
    except GithubException as e:
        return Changes(None, f"every file: {why}, and the API's file list answered {e.status}")
    if len(listed) >= API_FILE_LIMIT:
        return Changes(None, f"every file: {why}, and the API lists only the first {API_FILE_LIMIT} changed files")
    return Changes(listed, f"the API's file list: {len(listed)} changed file(s) ({why})")


@dataclass
class Scope:
    changed: list[str]
    deployment_files: list[str]
    charts: set[str] = field(default_factory=set)  # chart dirs to render, repository-relative
    all_charts: bool = False
    # deployments linked to a touched object, in either tree: shared by the head's and the base's runs, so a
    # deployment that lost its PodDisruptionBudget (the object is gone from the head) is checked in both
    linked: set[str] = field(default_factory=set)

    @property
    def touches_deployments(self) -> bool:
        return bool(self.deployment_files)

    def wants(self, rel: str) -> bool:
        """Load this plain file? Kubernetes YAML always (plain manifests link to each other across the
        repository: a Service or monitor elsewhere may select a touched deployment), model configs always (a
        ModelSpec names one), model cards and Dockerfiles only when touched (nothing links to them)."""
        return self.all_charts or rel in self.changed or classify_name(Path(rel).name) in ("yaml", "json")


def of_change(root: Path, changed: list[str], config: Any) -> Scope:
    files = [f for f in changed if _inside(root, f)]
    charts = {c for c in (_chart_of(root, f) for f in files) if c is not None}
    values: set[str] = set()
    for chart, sets in config.charts.items():
        named = {os.path.normpath(os.path.join(chart, v)) for s in sets for v in s}
        values |= named
        if named & set(files):
            charts.add(chart)
    deployment = [f for f in files if f in values or _chart_of(root, f) is not None or _is_deployment(root, f)]
    return Scope(changed=files, deployment_files=deployment, charts=charts)


def unrendered(root: Path, changed: list[str], config) -> list[str]:  # type: ignore[no-untyped-def]
    """Changed values files of a chart whose values sets the config names, in none of those sets: never
    rendered, so said (a new values-prod.yaml must not read as checked)."""
    out = []
    for f in changed:
        chart = _chart_of(root, f)
        if chart is None or chart not in config.charts or not (root / f).is_file() or Path(f).suffix.lower() not in (".yaml", ".yml"):
            continue
        inside = Path(f).relative_to(chart).as_posix()
        if inside.startswith("templates/") or inside in ("Chart.yaml", "values.yaml") or "/charts/" in f"/{inside}":
            continue
        named = {os.path.normpath(v) for s in config.charts[chart] for v in s}
        if inside not in named:
            out.append(f)
    return out


def needs_all(scope: Scope, result: Any) -> bool:
    """A touched ModelSpec whose deployment is not among the rendered ones may describe a chart left out:
    then every chart is rendered (once more), rather than pass the spec unlinked."""
    if scope.all_charts:
        return False
    touched = set(scope.changed)
    return any(v.file in touched and not v.deployments for v in result.spec_views)


def _inside(root: Path, rel: str) -> bool:
    parts = Path(rel).parts
    return bool(parts) and not Path(rel).is_absolute() and ".." not in parts and not set(parts) & ALWAYS_SKIP_DIRS


def _chart_of(root: Path, rel: str) -> str | None:
    """The outermost chart holding `rel` (subcharts render with their parent), or None."""
    found = None
    parent = Path(rel).parent
    while parent != Path("."):
        if (root / parent / "Chart.yaml").is_file():
            found = parent.as_posix()
        parent = parent.parent
    if found is not None and Path(rel).suffix.lower() == ".md":
        return None  # a chart's README is not rendered
    return found


def _is_deployment(root: Path, rel: str) -> bool:
    """By content: Kubernetes objects or a ModelSpec in YAML, a model config.json, a model card with its
    front matter, a Dockerfile, a kustomization. A deleted file counts when its name says it was one."""
    if rel.startswith(NOT_DEPLOYMENT_DIRS):
        return False
    name = Path(rel).name
    kind = classify_name(name)
    if kind is None:
        return False
    path = root / rel
    if not path.is_file():
        return kind in ("yaml", "dockerfile")
    if kind == "dockerfile":
        return True
    try:
        if path.stat().st_size > MAX_BYTES:
            return True  # too large to sniff: the pipeline says so as a finding
        head = sniff(read_inside(path, root, MAX_BYTES)[:65536])  # UTF-16 and UTF-32 with their mark too, as kubectl reads them
    except OSError:
        return True
    return _holds_deployment(kind, name, head)


_JSON_MODEL = re.compile(r'"(model_type|architectures|quant_method|bits)"\s*:')
_JSON_MANIFEST = (re.compile(r'"apiVersion"\s*:'), re.compile(r'"kind"\s*:'))


def _holds_deployment(kind: str, name: str, head: str) -> bool:
    """What the start of a file of this kind says: Kubernetes objects, a kustomization, a model's config or a
    manifest kubectl applies as JSON, a model card's front matter."""
    if kind == "yaml":
        return name.lower().startswith("kustomization.") or bool(_K8S.search(head) and _KIND.search(head))
    if kind == "json":
        return bool(_JSON_MODEL.search(head)) or all(r.search(head) for r in _JSON_MANIFEST)
    if kind == "model-card":
        if not head.startswith("---"):
            return False
        end = head.find("\n---", 3)
        return end > 0 and bool(_CARD_KEYS.search(head[3:end]))
    return False


def focus(result, changed: list[str], linked: set[str] | None = None):  # type: ignore[no-untyped-def]
    """(subject, file) -> is it this change's business: a deployment from a touched file or touched chart,
    every deployment linked to an object in a touched file (a Service, autoscaler, PodDisruptionBudget,
    monitor or Secret; `linked` gathers them over both trees, so a removed object counts too), the
    ModelSpecs linked to those (and the deployments a touched spec describes), touched cards and
    Dockerfiles, and anything located in a touched file."""
    files = set(changed)
    charts = {rec.path.rsplit("/Chart.yaml", 1)[0] for rec in result.files if rec.path.endswith("Chart.yaml") and rec.kind == "helm-chart"}
    touched_charts = {c for c in charts if any(f.startswith(c + "/") for f in files)}
    here = {d.id for d in result.deployments if _linked_files(d) & files}
    if linked is not None:
        linked |= here
        here = linked
    subjects = _subjects(result, files, touched_charts, here)
    prefixes = tuple(f"{c}@" for c in touched_charts)
    # a finding on a folder (an overlay that fails to build) is the business of a change inside it
    def holds(file: str) -> bool:
        return bool(file) and any(f.startswith(file.rstrip("/") + "/") for f in files)

    return lambda subject, file: subject in subjects or file in files or (bool(prefixes) and subject.startswith(prefixes)) or holds(file)


def _linked_files(d: Any) -> set[str]:  # a normalize Deployment
    return {r.loc.file for rel in (d.services, d.autoscalers, d.disruption_budgets, d.monitors, d.secrets, d.storage) for r in rel
            if r.loc is not None}


def _subjects(result, files: set[str], touched_charts: set[str], linked: set[str] = frozenset()) -> set[str]:  # type: ignore[no-untyped-def, assignment]
    subjects = {d.id for d in result.deployments if d.origin in files or d.origin.split("@")[0] in touched_charts}
    subjects |= {d.id for d in result.deployments if d.id in linked}
    for v in result.spec_views:
        linked = {d.id for d in v.deployments}
        if v.file in files or linked & subjects:
            subjects |= linked | {v.file}
    return subjects | {c.file for c in result.cards if c.file in files} | {d.file for d in result.dockerfiles if d.file in files}


def narrow_to(result, changed: list[str], linked: set[str] | None = None) -> None:  # type: ignore[no-untyped-def]
    """Keep what the PR touched: a changed file inside a chart re-checks the chart (every values set),
    a changed ModelSpec re-checks the deployments it describes, and a changed deployment its specs."""
    keep = focus(result, changed, linked)
    result.findings = [f for f in result.findings if keep(f.subject, f.loc.file)]
    result.applied = {(c, s) for c, s in result.applied if keep(s, s)}
    result.deployments = [d for d in result.deployments if keep(d.id, "")]
    # the ModelSpecs that decide the spec items: those of what the PR touched
    result.spec_views = [v for v in result.spec_views if keep(v.file, "")]
    result.specs = [s for s in result.specs if keep(s.file, "")]
