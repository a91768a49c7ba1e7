"""Every chart discovery found, rendered once per values set: config's, else the sets the chart ships
(ci/, values-*.yaml, recipe folders, values files elsewhere in its project: load/values_sets.py), with
its local file:// dependencies assembled first (load/chart_deps.py). What cannot be rendered is said."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..discover import Discovered, rel
from ..findings import FileRecord, Finding, Loc, Severity
from . import chart_deps, helm, values_sets

if TYPE_CHECKING:
    from ..config import Config
    from . import Loaded


def load(found: Discovered, config: Config, out: Loaded) -> None:
    if found.charts:
        out.tools["helm"] = helm.engine_name()
    candidates = [p for p, kind in found.files if kind == "yaml"]
    for chart_dir in found.charts:
        rel_chart = rel(chart_dir, out.root)
        pinned = config.charts.get(rel_chart)
        sets, left_out = (pinned, []) if pinned else values_sets.discover(chart_dir, candidates)
        assembled = chart_deps.assemble(chart_dir, out.root)
        for why in assembled.missing + [f"values set {w}: not rendered" for w in left_out]:
            not_analysed(out, f"chart {rel_chart}: {why}", Loc(f"{rel_chart}/Chart.yaml"), rel_chart)
        rendered_sets, failed = [], []
        try:
            for values in sets:
                r = helm.render(chart_dir, rel_chart, values, out.root, assembled)
                rendered_sets.append(r.values_set)
                subject = f"{rel_chart}@{r.values_set}"
                out.applied.add(("helm-render-failed", subject))
                if r.error:
                    failed.append((r, values))
                out.objects += r.objects
                out.rendered += [(subject, *t) for t in r.texts]
        finally:
            assembled.cleanup()
        _render_failures(out, rel_chart, failed, len(sets))
        extra = {"values_sets": rendered_sets} if pinned else {"values_sets": rendered_sets, "pin": values_sets.pin_line(rel_chart, sets)}
        for path in found.chart_files[chart_dir]:
            out.files.append(FileRecord(rel(path, out.root), "helm-chart", "checked", f"rendered as part of chart {rel_chart}",
                                        extra=extra if path.name == "Chart.yaml" else {}))
        for values in sets:
            out.values_files.update({rel(chart_dir / v, out.root): rel_chart for v in values if v.startswith("../")})


def _render_failures(out: Loaded, rel_chart: str, failed: list, n_sets: int) -> None:
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
