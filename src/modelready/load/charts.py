"""Every chart discovery found, rendered once per values set (config's, else the chart's own sets).

Charts render in parallel on the pool of bounded Helm workers (load/helm_worker.py); results are joined
in discovery order, so the report does not depend on which chart finished first."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from .. import isolate
from ..discover import Discovered, rel
from ..findings import FileRecord, Finding, Loc, Severity
from . import helm, helm_worker

if TYPE_CHECKING:
    from ..config import Config
    from . import Loaded


def load(found: Discovered, config: Config, out: Loaded) -> None:
    with ThreadPoolExecutor(max_workers=helm_worker.POOL_SIZE) as pool:
        jobs = [(chart_dir, pool.submit(_render, chart_dir, rel(chart_dir, out.root), found.chart_refused.get(chart_dir, []), config, out.root))
                for chart_dir in found.charts]
        for chart_dir, job in jobs:
            _record(chart_dir, job, found, out)
    if found.charts:
        out.tools["helm"] = helm.engine_name()  # asked of a worker the renders left warm


def _render(chart_dir: Path, rel_chart: str, refused: list[Path], config: Config, root: Path) -> list[helm.Rendered]:
    with helm_worker.chart_without(chart_dir, refused) as seen:
        sets = config.charts.get(rel_chart) or helm.default_values_sets(seen)
        return [helm.render(seen, rel_chart, values, root) for values in sets]


def _record(chart_dir: Path, job, found: Discovered, out: Loaded) -> None:  # type: ignore[no-untyped-def]
    rel_chart = rel(chart_dir, out.root)
    try:
        renders = job.result()
    except Exception as e:  # noqa: BLE001 - one chart's failure is that chart's finding
        isolate.record(out, "rendering", e, rel_chart + "/Chart.yaml")
        renders = []
    rendered_sets = []
    for r in renders:
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
