"""Loaders: the only code that knows file formats. `load` reads every file discovery found (plain
files, Helm charts, kustomize overlays) into one `Loaded` value, each thing with its location.

Every file is accounted for in `files`: checked, skipped with why, or an error with an
`input-unreadable` finding. Charts that do not render give `helm-render-failed` findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TypeVar

from .. import isolate
from ..discover import Discovered
from ..findings import FileRecord, Finding
from .artifacts import Dockerfile, ModelCard, ModelConfig, ModelSpecDoc
from .k8s import K8sObject
from .values_sets import Pins

if TYPE_CHECKING:
    from .budget import Budget

T = TypeVar("T")


@dataclass
class Loaded:
    root: Path
    files: list[FileRecord] = field(default_factory=list)
    objects: list[K8sObject] = field(default_factory=list)
    cards: list[ModelCard] = field(default_factory=list)
    configs: list[ModelConfig] = field(default_factory=list)
    dockerfiles: list[Dockerfile] = field(default_factory=list)
    specs: list[ModelSpecDoc] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # (check id, subject) for every check that applied, so the catalog can tell passed from not applicable
    applied: set[tuple[str, str]] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    tools: dict[str, str] = field(default_factory=dict)
    rendered: list[tuple[str, str, str, object]] = field(default_factory=list)  # (chart@values-set, template path, text, locator)
    values_files: dict[str, str] = field(default_factory=dict)  # a values file outside its chart -> the chart it renders
    values_seen: list[object] = field(default_factory=list)  # Helm values trees rendered: their secrets are masked in every output

    def join(self, other: Loaded) -> None:
        self.files += other.files
        self.objects += other.objects
        self.findings += other.findings
        self.applied |= other.applied
        self.rendered += other.rendered
        self.errors += other.errors
        self.values_files.update(other.values_files)
        self.values_seen += other.values_seen
        for rec in self.files:  # a values file beside the chart was read as plain YAML: it is the chart's
            if rec.path in other.values_files:
                rec.kind, rec.status, rec.reason = "helm-values", "checked", f"values set rendered with chart {other.values_files[rec.path]}"


def load(found: Discovered, config: Pins, root: Path, budget: Budget | None = None) -> Loaded:
    """`budget`: the run's (load/budget.py), one for every file, chart, values set and overlay; a new one when not given."""
    from . import charts, files, kustomize
    from .budget import Budget

    out = Loaded(root)
    budget = budget or Budget()
    # Charts the render caches answer whole are read here first; those Helm must render go on in its workers
    # (other processes, on other cores) while the plain files parse. Each side writes its own value; they are
    # joined in a fixed order.
    rendered = Loaded(root)
    finish = _guarded(lambda: charts.start(found, config, rendered, budget), rendered)
    files.load(found, out, budget)
    kustomize.load(found, out, budget)
    if finish is not None:
        _guarded(finish, rendered)
    out.tools["helm"] = rendered.tools.get("helm", "not needed (no charts)")
    out.join(rendered)
    return out


def _guarded(fn: Callable[[], T], out: Loaded) -> T | None:
    """A loader's step; an exception becomes an internal error of the run, never a lost one (None then)."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001
        isolate.record(out, "loading charts", e)
        return None
