"""Every chart discovery found, rendered once per values set: config's, else the sets the chart ships
(ci/, values-*.yaml, recipe folders, values files elsewhere in its project: load/values_sets.py), with
its local file:// dependencies assembled first (load/chart_deps.py). What cannot be rendered is said.

Charts render in parallel on the pool of bounded Helm workers (load/helm_worker.py); results are joined
in discovery order, so the report does not depend on which chart finished first."""

from __future__ import annotations

import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import isolate
from ..discover import Discovered, rel
from ..findings import FileRecord, Finding, Loc, Severity
from . import chart_deps, files, helm, helm_refs, helm_worker, values_sets
from .budget import Budget

if TYPE_CHECKING:
    from . import Loaded


@dataclass
class _Chart:
    rel_chart: str
    sets: list[list[str]]
    pinned: bool
    left_out: list[str]


def load(found: Discovered, config: values_sets.Pins, out: Loaded, budget: Budget) -> None:
    if not found.charts:
        return
    candidates = [p for p, kind in found.files if kind == "yaml"]
    with ThreadPoolExecutor(max_workers=helm_worker.POOL_SIZE) as pool:
        jobs = [(chart_dir, pool.submit(_chart_job, chart_dir, config, candidates, found, out.root, budget)) for chart_dir in found.charts]
        for chart_dir, job in jobs:
            _record(chart_dir, job, found, out)
    out.tools["helm"] = helm.engine_name()


def _chart_job(chart_dir: Path, config: values_sets.Pins, candidates: list[Path], found: Discovered, root: Path,
               budget: Budget) -> _Done:
    """One chart: its values sets found, rendered, its templates read for undefined values. A job of the pool, so
    one chart's files are read while another's values sets render."""
    rel_chart = rel(chart_dir, root)
    pinned = config.charts.get(rel_chart)
    sets, left_out = (pinned, []) if pinned else values_sets.discover(chart_dir, candidates, found.chart_files.get(chart_dir))
    chart = _Chart(rel_chart, sets, bool(pinned), left_out)
    missing, renders = _render(chart_dir, chart, found.chart_refused.get(chart_dir, []), root, budget)
    return _Done(chart, missing, renders, helm_refs.undefined(chart_dir, rel_chart, sets, root))


@dataclass
class _Done:
    chart: _Chart
    missing: list[str]  # why values sets or dependencies were not rendered
    renders: list[helm.Rendered]
    undefined: list[Finding]  # helm_refs' findings


def _render(chart_dir: Path, chart: _Chart, refused: list[Path], root: Path, budget: Budget) -> tuple[list[str], list[helm.Rendered]]:
    """(dependencies that could not be assembled, one render per values set). Helm sees the chart without
    its refused files (links out of the repository or to folders, devices, oversized files, schemas that
    reach outside), so neither `.Files.Get` nor its schema validation can read them."""
    assembled = chart_deps.assemble(chart_dir, root, chart.sets)
    try:
        if assembled.scratch is not None:  # already a copy, made without links out; the other refused files go too
            for path in refused:
                if path.is_relative_to(chart_dir):
                    gone = assembled.chart_dir / path.relative_to(chart_dir)
                    shutil.rmtree(gone, ignore_errors=True) if gone.is_dir() and not gone.is_symlink() else gone.unlink(missing_ok=True)
            return _render_sets(chart_dir, chart, root, assembled, budget, assembled.missing)
        if refused:
            try:
                assembled.scratch = chart_deps.copy_chart(chart_dir, root, refused)
            except chart_deps.CopyFailed as e:
                return [str(e)], []
            assembled = replace(assembled, chart_dir=assembled.scratch / chart_dir.name)
        return _render_sets(chart_dir, chart, root, assembled, budget, assembled.missing)
    finally:
        assembled.cleanup()


def _render_sets(chart_dir: Path, chart: _Chart, root: Path, assembled: Any, budget: Budget, missing: list[str]) -> tuple[list[str], list[helm.Rendered]]:
    """Each values set in turn while the run's budget lasts; the sets it cuts are named (the renders are the
    first sets, in order: once a budget is spent it stays spent). The chart's files are digested and its templates read once for all."""
    renders: list[helm.Rendered] = []
    files = helm.ChartFiles(assembled.chart_dir)
    for values in chart.sets:
        why = budget.spent()
        if why:
            cut = ["+".join(v) or "values.yaml" for v in chart.sets[len(renders):]]
            names = ", ".join(cut[:10]) + (f" and {len(cut) - 10} more" if len(cut) > 10 else "")
            return missing + [f"{len(cut)} values set{'s' if len(cut) > 1 else ''} not rendered ({names}): {why}"], renders
        r = helm.render(chart_dir, chart.rel_chart, values, root, assembled, files)
        budget.charge(sum(len(text) for _tpl, text, _locate in r.texts))
        renders.append(r)
    return missing, renders


def _record(chart_dir: Path, job: Future[_Done], found: Discovered, out: Loaded) -> None:
    try:
        done = job.result()
    except Exception as e:  # noqa: BLE001 - one chart's failure is that chart's finding
        isolate.record(out, "rendering", e, rel(chart_dir, out.root) + "/Chart.yaml")
        done = _Done(_Chart(rel(chart_dir, out.root), [], False, []), [], [], [])
    chart, missing, renders = done.chart, done.missing, done.renders
    rel_chart = chart.rel_chart
    for why in missing + [f"values set {w}: not rendered" for w in chart.left_out]:
        not_analysed(out, f"chart {rel_chart}: {why}", Loc(f"{rel_chart}/Chart.yaml"), rel_chart)
    rendered_sets, failed = [], []
    for r, values in zip(renders, chart.sets):
        rendered_sets.append(r.values_set)
        subject = f"{rel_chart}@{r.values_set}"
        out.applied.add(("helm-render-failed", subject))
        if r.error:
            failed.append((r, values))
        out.objects += r.objects
        out.values_seen += r.values
        out.rendered += [(subject, *t) for t in r.texts]
        out.findings += [files.duplicate_key(loc, key, first.line, same, subject) for loc, key, first, same in r.duplicates]
    _render_failures(out, rel_chart, failed, len(renders))
    out.findings += done.undefined
    extra = {"values_sets": rendered_sets} if chart.pinned else {"values_sets": rendered_sets, "pin": values_sets.pin_line(rel_chart, chart.sets)}
    for path in found.chart_files[chart_dir]:
        out.files.append(FileRecord(rel(path, out.root), "helm-chart", "checked", f"rendered as part of chart {rel_chart}",
                                    extra=extra if path.name == "Chart.yaml" else {}))
    for values in chart.sets:
        out.values_files.update({rel(chart_dir / v, out.root): rel_chart for v in values if v.startswith("../")})


def _render_failures(out: Loaded, rel_chart: str, failed: list[Any], n_sets: int) -> None:
    """One finding per cause. Defaults that do not render while a shipped values set does are a warning:
    the chart wants its values, not a fix."""
    some_rendered = len(failed) < n_sets
    if failed and len(failed) == n_sets > 1:  # no values set of the repository renders it: one finding
        r = failed[0][0]
        others = ", ".join(x.values_set for x, _ in failed[1:])
        failed = [(replace(r, error=f"{r.error} (nor does any other values set of the repository render it: {others})"), [])]
    for r, values in failed:
        sev = Severity.warning if not values and some_rendered else Severity.error
        note = "; the chart is analysed with its other values sets" if sev == Severity.warning else ""
        out.findings.append(Finding("helm-render-failed", sev, f"chart {rel_chart} with {r.values_set}: {r.error}{note}",
                                    r.error_loc or Loc(rel_chart), ("manifests-render",), subject=f"{rel_chart}@{r.values_set}"))


def not_analysed(out: Loaded, message: str, loc: Loc, subject: str) -> None:
    out.findings.append(Finding("not-analysed", Severity.warning, message, loc, ("manifests-render",), subject=subject))
