"""Every chart discovery found, rendered once per values set (config's, else the chart's own sets)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..discover import Discovered, rel
from ..findings import FileRecord, Finding, Loc, Severity
from . import helm

if TYPE_CHECKING:
    from ..config import Config
    from . import Loaded


def load(found: Discovered, config: Config, out: Loaded) -> None:
    if found.charts:
        out.tools["helm"] = helm.engine_name()
    for chart_dir in found.charts:
        rel_chart = rel(chart_dir, out.root)
        sets = config.charts.get(rel_chart) or helm.default_values_sets(chart_dir)
        rendered_sets = []
        for values in sets:
            r = helm.render(chart_dir, rel_chart, values, out.root)
            rendered_sets.append(r.values_set)
            subject = f"{rel_chart}@{r.values_set}"
            out.applied.add(("helm-render-failed", subject))
            if r.error:
                out.findings.append(Finding("helm-render-failed", Severity.error, f"chart {rel_chart} with {r.values_set}: {r.error}",
                                            r.error_loc or Loc(rel_chart), ("manifests-render",), subject=subject))
            out.objects += r.objects
            out.rendered += [(subject, *t) for t in r.texts]
        for path in found.chart_files[chart_dir]:
            out.files.append(FileRecord(rel(path, out.root), "helm-chart", "checked", f"rendered as part of chart {rel_chart}",
                                        extra={"values_sets": rendered_sets} if path.name == "Chart.yaml" else {}))
