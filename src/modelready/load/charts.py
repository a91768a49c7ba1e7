"""Every chart discovery found, rendered once per values set: config's, else the sets the chart ships
(ci/, values-*.yaml, recipe folders, values files elsewhere in its project: load/values_sets.py), with
its local file:// dependencies assembled first (load/chart_deps.py). What cannot be rendered is said.

What the render caches hold is taken in the calling thread; what Helm must render renders in parallel on the pool
of bounded Helm workers (load/helm_worker.py); results are joined in discovery order."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from collections.abc import Callable
from dataclasses import dataclass, field, replace
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


def start(found: Discovered, config: values_sets.Pins, out: Loaded, budget: Budget) -> Callable[[], None]:
    """Every chart begun here, in the calling thread, answered from the render caches as far as they go: a chart they
    render whole is done here (Python work alone, which threads would only take turns at: a tenth of a warm run went
    to handing the GIL to and fro). A chart with a values set that needs Helm goes on from that set on the pool of
    Helm workers while the caller reads the plain files. The function returned waits for those and records every
    chart in discovery order, so the report does not depend on which chart finished first."""
    if not found.charts:
        return lambda: None
    candidates = [p for p, kind in found.files if kind == "yaml"]
    pool = ThreadPoolExecutor(max_workers=helm_worker.POOL_SIZE)  # its threads start with the first chart sent to it
    jobs = [(chart_dir, _begin(chart_dir, config, candidates, found, out.root, budget, pool)) for chart_dir in found.charts]

    def finish() -> None:
        try:
            for chart_dir, job in jobs:
                _record(chart_dir, job, found, out)
        finally:
            pool.shutdown()
        out.tools["helm"] = helm.engine_name()
    return finish


def _begin(chart_dir: Path, config: values_sets.Pins, candidates: list[Path], found: Discovered, root: Path, budget: Budget,
           pool: ThreadPoolExecutor) -> Future[_Done]:
    """The chart's job run here while the caches answer; from the first values set Helm must render, on the pool."""
    here: Future[_Done] = Future()
    try:
        begun = _Job.of(chart_dir, config, candidates, found, root, budget)
        if begun.run(engine=False):
            here.set_result(begun.done())
            return here
    except Exception as e:  # noqa: BLE001 - one chart's failure is that chart's finding (_record)
        here.set_exception(e)
        return here
    return pool.submit(begun.resume)


@dataclass
class _Done:
    chart: _Chart
    missing: list[str]  # why values sets or dependencies were not rendered
    renders: list[helm.Rendered]
    undefined: list[Finding]  # helm_refs' findings


@dataclass
class _Job:
    """One chart: its values sets found, its local dependencies assembled, each set rendered in turn, its templates
    read for undefined values. Helm sees the chart without its refused files (links out of the repository or to
    folders, devices, oversized files, schemas that reach outside), so neither `.Files.Get` nor its schema
    validation can read them. The chart's files are digested and its templates read once for all its sets."""
    chart_dir: Path
    chart: _Chart
    root: Path
    budget: Budget
    refused: list[Path]
    assembled: chart_deps.Assembled | None = None
    files: helm.ChartFiles | None = None
    missing: list[str] = field(default_factory=list)  # why values sets or dependencies were not rendered
    renders: list[helm.Rendered] = field(default_factory=list)

    @classmethod
    def of(cls, chart_dir: Path, config: values_sets.Pins, candidates: list[Path], found: Discovered, root: Path,
           budget: Budget) -> _Job:
        rel_chart = rel(chart_dir, root)
        pinned = config.charts.get(rel_chart)
        sets, left_out = (pinned, []) if pinned else values_sets.discover(chart_dir, candidates, found.chart_files.get(chart_dir))
        return cls(chart_dir, _Chart(rel_chart, sets, bool(pinned), left_out), root, budget, found.chart_refused.get(chart_dir, []))

    def run(self, engine: bool) -> bool:
        """The sets not rendered yet, in order; False (the job goes on later) where one needs Helm and `engine` is False.
        Its scratch copy is removed once the job ends, finished or failed."""
        ended = True  # unless the sets stop at one Helm must render
        try:
            if self.assembled is not None or self._assemble():
                ended = self._render_sets(engine)
            return ended
        finally:
            if ended and self.assembled is not None:
                self.assembled.cleanup()

    def resume(self) -> _Done:
        self.run(engine=True)
        return self.done()

    def done(self) -> _Done:
        return _Done(self.chart, self.missing, self.renders, helm_refs.undefined(self.chart_dir, self.chart.rel_chart, self.chart.sets, self.root))

    def _assemble(self) -> bool:
        """The chart with its local dependencies in place and its refused files left out; False where it cannot be copied."""
        self.assembled = chart_deps.assemble(self.chart_dir, self.root, self.chart.sets)
        self.missing = list(self.assembled.missing)
        if self.assembled.copy is not None:  # already a copy, made without links out; the other refused files go too
            for path in self.refused:
                if path.is_relative_to(self.chart_dir):
                    self.assembled.leave_out(path.relative_to(self.chart_dir).as_posix())
        elif self.refused:
            try:
                chart_deps.copy_chart(self.chart_dir, self.root, self.refused, self.assembled)
            except chart_deps.CopyFailed as e:
                self.missing = [str(e)]
                return False
        self.files = helm.ChartFiles(self.assembled)
        return True

    def _render_sets(self, engine: bool) -> bool:
        """Each values set in turn while the run's budget lasts; the sets it cuts are named (the renders are the first
        sets, in order: once a budget is spent it stays spent). False at the first set Helm must render without `engine`."""
        sets = self.chart.sets
        for values in sets[len(self.renders):]:
            why = self.budget.spent()
            if why:
                cut = ["+".join(v) or "values.yaml" for v in sets[len(self.renders):]]
                names = ", ".join(cut[:10]) + (f" and {len(cut) - 10} more" if len(cut) > 10 else "")
                self.missing.append(f"{len(cut)} values set{'s' if len(cut) > 1 else ''} not rendered ({names}): {why}")
                return True
            try:
                r = helm.render(self.chart_dir, self.chart.rel_chart, values, self.root, self.assembled, self.files, engine=engine)
            except helm.NotCached:
                return False
            self.budget.charge(sum(len(text) for _tpl, text, _locate in r.texts))
            self.renders.append(r)
        return True


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
