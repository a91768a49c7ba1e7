"""discover -> load -> normalize -> check. Reporting and publishing take the Result from here."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from . import discover as disc
from .checks import Check, Hit, registry
from .config import Config
from .findings import FileRecord, Finding, Loc, Severity
from .load import helm
from .load.artifacts import (ArtifactProblem, Dockerfile, ModelCard, ModelConfig, ModelSpecDoc, is_model_config,
                             is_modelspec, load_dockerfile, load_json, load_model_card)
from .load.k8s import K8sObject, LoadProblem, objects_from_docs, parse_objects
from .load.yamlsrc import YamlError, load_all
from .normalize.link import link
from .normalize import specs as spec_views
from .normalize.hub import Hub
from .normalize.model import Deployment
from .normalize.resolve import resolve_all
from .normalize.workloads import to_deployments

SKIP_ANNOTATION = "modelready.io/skip"
REASON_ANNOTATION = "modelready.io/skip-reason"
UNTIL_ANNOTATION = "modelready.io/skip-until"


@dataclass
class Result:
    root: Path
    files: list[FileRecord] = field(default_factory=list)
    objects: list[K8sObject] = field(default_factory=list)
    deployments: list[Deployment] = field(default_factory=list)
    cards: list[ModelCard] = field(default_factory=list)
    configs: list[ModelConfig] = field(default_factory=list)
    dockerfiles: list[Dockerfile] = field(default_factory=list)
    specs: list[ModelSpecDoc] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # (check id, subject) for every check that applied, so the catalog can tell passed from not applicable
    applied: set[tuple[str, str]] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    tools: dict[str, str] = field(default_factory=dict)
    spec_views: list = field(default_factory=list)  # normalize.specs.SpecView, one per ModelSpec
    rendered: list[tuple] = field(default_factory=list)  # (chart@values-set, template path, text, locator)

    def active_findings(self) -> list[Finding]:
        return [f for f in self.findings if not f.suppressed]


def run(paths: list[Path], config: Config, root: Path, today: dt.date | None = None) -> Result:
    root = root.resolve()
    res = Result(root=root)
    found = disc.discover(paths, root, config.exclude)
    # Helm renders in Go through ctypes, which releases the GIL: charts render on one core while
    # plain files parse on another. Each side writes its own Result; they are joined in a fixed order.
    charts = Result(root=root)
    worker = threading.Thread(target=_guarded, args=(_load_charts, found, config, charts))
    worker.start()
    _load_files(found, res)
    _load_kustomizations(found, res)
    worker.join()
    res.tools["helm"] = charts.tools.get("helm", "not needed (no charts)")
    res.files += charts.files
    res.objects += charts.objects
    res.findings += charts.findings
    res.applied |= charts.applied
    res.rendered += charts.rendered
    res.errors += charts.errors
    # normalize
    for obj in res.objects:
        res.deployments += to_deployments(obj)
    link(res.deployments, res.objects)
    res.spec_views = spec_views.build(res.specs, res.deployments, res.configs, root)
    resolve_all(res.deployments, res.configs, res.spec_views, hub=Hub() if config.online else None)
    # check (the pipeline's own checks ran on every file read and every values set rendered)
    res.applied |= {("input-unreadable", f.path) for f in res.files if f.status != "skipped"}
    _run_checks(res, config, today or dt.date.today())
    res.findings = _dedupe(res.findings)
    return res


def rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _read(path: Path, rec: FileRecord) -> str | None:
    try:
        raw = path.read_bytes()
    except OSError as e:
        rec.status, rec.reason = "skipped", f"cannot be read: {e.strerror}"
        return None
    if b"\0" in raw[:8192]:
        rec.status, rec.reason = "skipped", "binary file"
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        rec.status, rec.reason = "skipped", f"not UTF-8 text (byte {e.start})"
        return None


def _unreadable(res: Result, file: str, message: str, line: int) -> None:
    res.findings.append(Finding("input-unreadable", Severity.error, message, Loc(file, line), ("manifests-render",), subject=file))


def _load_files(found: disc.Discovered, res: Result) -> None:
    for path, reason in found.skipped:
        res.files.append(FileRecord(rel(path, res.root), "other", "skipped", reason))
    for path, kind in found.files:
        name = rel(path, res.root)
        rec = FileRecord(name, kind)
        res.files.append(rec)
        text = _read(path, rec)
        if text is None:
            continue
        try:
            if kind == "yaml":
                _load_yaml(text, name, rec, res)
            elif kind == "json":
                data = load_json(text)
                if is_model_config(data):
                    rec.kind = "model-config"
                    res.configs.append(ModelConfig(name, data))
                else:
                    rec.status, rec.reason = "skipped", "JSON that is not a model config.json"
            elif kind == "model-card":
                card = load_model_card(text, name)
                if not card.metadata and path.name.lower() == "readme.md":
                    rec.status, rec.reason = "skipped", "README without model card metadata"
                else:
                    res.cards.append(card)
            elif kind == "dockerfile":
                res.dockerfiles.append(load_dockerfile(text, name))
        except (LoadProblem, ArtifactProblem) as e:
            rec.status, rec.reason = "error", str(e)
            _unreadable(res, name, str(e), e.line)
    # quantize_config.json sits beside a GPTQ config.json and completes it
    by_dir = {str(Path(c.file).parent): c for c in res.configs}
    for rec in res.files:
        if rec.path.endswith("quantize_config.json") and rec.status == "skipped":
            parent = by_dir.get(str(Path(rec.path).parent))
            if parent is not None:
                parent.quantize_config = load_json((res.root / rec.path).read_text(encoding="utf-8"))
                rec.status, rec.kind, rec.reason = "checked", "model-config", f"quantization of {parent.file}"


def _load_yaml(text: str, name: str, rec: FileRecord, res: Result) -> None:
    try:
        docs = load_all(text)
    except YamlError as e:
        raise LoadProblem(f"YAML does not parse: {e}", e.line) from None
    specs = [d for d, _ in docs if is_modelspec(d)]
    if specs:
        rec.kind = "modelspec"
        res.specs += [ModelSpecDoc(name, d) for d in specs]
    objects, _other = objects_from_docs(docs, name)
    objects = [o for o in objects if not is_modelspec(o.body)]
    rec.objects = len(objects)
    res.objects += objects
    if not objects and not specs:
        rec.status, rec.reason = "skipped", "YAML with no Kubernetes objects (a values or config file?)"
    elif objects and rec.kind == "yaml":
        rec.kind = "kubernetes"


def _guarded(fn, *args) -> None:
    """Run a loader in a thread; an exception becomes an internal error of the run, never a lost one."""
    try:
        fn(*args)
    except Exception as e:  # noqa: BLE001
        args[-1].errors.append(f"{fn.__name__} failed: {type(e).__name__}: {e}")


def _load_charts(found: disc.Discovered, config: Config, res: Result) -> None:
    if found.charts:
        res.tools["helm"] = helm.engine_name()
    for chart_dir in found.charts:
        rel_chart = rel(chart_dir, res.root)
        sets = config.charts.get(rel_chart) or helm.default_values_sets(chart_dir)
        rendered_sets = []
        for values in sets:
            r = helm.render(chart_dir, rel_chart, values, res.root)
            rendered_sets.append(r.values_set)
            res.applied.add(("helm-render-failed", f"{rel_chart}@{r.values_set}"))
            if r.error:
                res.findings.append(Finding("helm-render-failed", Severity.error, f"chart {rel_chart} with {r.values_set}: {r.error}",
                                            r.error_loc or Loc(rel_chart), ("manifests-render",), subject=f"{rel_chart}@{r.values_set}"))
            res.objects += r.objects
            res.rendered += [(f"{rel_chart}@{r.values_set}", *t) for t in r.texts]
        for path in found.chart_files[chart_dir]:
            res.files.append(FileRecord(rel(path, res.root), "helm-chart", "checked", f"rendered as part of chart {rel_chart}",
                                        extra={"values_sets": rendered_sets} if path.name == "Chart.yaml" else {}))


def _load_kustomizations(found: disc.Discovered, res: Result) -> None:
    kubectl = shutil.which("kubectl")
    for kdir in found.kustomizations:
        name = rel(kdir, res.root)
        if not kubectl:
            res.files.append(FileRecord(name + "/", "kustomize", "skipped", "kubectl not found: overlay not rendered (its plain YAML files were checked as they are)"))
            continue
        proc = subprocess.run([kubectl, "kustomize", str(kdir)], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            _unreadable(res, name, f"kubectl kustomize failed: {proc.stderr.strip()[:500]}", 0)
            continue
        objects, _ = parse_objects(proc.stdout, name + "/kustomization.yaml", origin=f"{name}@kustomize")
        res.objects += objects
        res.files.append(FileRecord(name + "/", "kustomize", "checked", "rendered with kubectl kustomize", objects=len(objects)))


def _run_checks(res: Result, config: Config, today: dt.date) -> None:
    checks = [c for c in registry().values() if (c.enabled or c.id in config.enable) and c.id not in config.disable]
    known = set(registry())
    subjects: list[tuple[str, object, str, dict]] = [("deployment", d, f"{d.ref}@{d.origin}", d.annotations) for d in res.deployments]
    subjects += [("modelcard", c, c.file, {}) for c in res.cards]
    subjects += [("dockerfile", f, f.file, {}) for f in res.dockerfiles]
    subjects += [("spec", v, v.file, {}) for v in res.spec_views]
    for scope, subject, name, ann in subjects:
        skips, reason, until = _suppressions(ann)
        for sid in sorted(s for s in skips - known if not s.startswith("trivy/")):
            res.findings.append(Finding("suppression-unknown-check", Severity.warning, f"{SKIP_ANNOTATION} names unknown check {sid!r}",
                                        subject.loc if hasattr(subject, "loc") else Loc(name), ("manifests-render",), subject=name))
        for check in checks:
            if check.scope != scope:
                continue
            try:
                if not check.applies(subject):
                    continue
                res.applied.add((check.id, name))
                hits = list(check.run(subject))
            except Exception as e:  # noqa: BLE001 - a bug in one check must not hide the others' findings
                res.errors.append(f"check {check.id} failed on {name}: {type(e).__name__}: {e}")
                continue
            for hit in hits:
                f = _finding(check, hit, name, config)
                if check.id in skips:
                    if until and until < today:
                        f.message += f" (suppression expired on {until.isoformat()})"
                    else:
                        f.suppressed = reason or "suppressed by annotation"
                res.findings.append(f)


def _finding(check: Check, hit: Hit, subject: str, config: Config) -> Finding:
    return Finding(check.id, config.severity.get(check.id, check.severity), hit.message, hit.loc, check.items, subject=subject)


def _suppressions(annotations: dict) -> tuple[set[str], str, dt.date | None]:
    raw = annotations.get(SKIP_ANNOTATION, "")
    skips = {s.strip() for s in str(raw).split(",") if s.strip()}
    until = None
    if annotations.get(UNTIL_ANNOTATION):
        try:
            until = dt.date.fromisoformat(str(annotations[UNTIL_ANNOTATION]).strip())
        except ValueError:
            until = dt.date.min  # an unreadable expiry never silences anything
    return skips, str(annotations.get(REASON_ANNOTATION, "")), until


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        if f.key() not in seen:
            seen.add(f.key())
            out.append(f)
    return out
