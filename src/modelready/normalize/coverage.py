"""What was read but not analysed, said out loud (never a silent pass).

After normalize: a chart whose templates define a workload but which yields none with any values set
(or renders nothing at all) is a `not-analysed` finding; a file of objects that yields no deployment
says why in its record (only Services and HPAs; or an operator resource whose pods the operator builds).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

from ..discover import read_text_inside, rel
from ..findings import Finding, Loc, Severity
from . import kinds

# a line's own indent ([^\S\n]), not \s, which spans lines: each of a run of blank lines was tried to its end (quadratic)
_WORKLOAD_KIND = re.compile(r"^[^\S\n]*kind:\s*[\"']?(" + "|".join(kinds.pod_creating()) + r")[\"']?\s*$", re.M)
_PLATFORM_GROUPS = ("k8s.io", "monitoring.coreos.com", "networking.istio.io")


def account(res: Any, found: Any) -> None:
    """Adds not-analysed findings and file reasons to the pipeline's Result."""
    per_origin = Counter(_source(d.origin) for d in res.deployments)
    for chart_dir in found.charts:
        rel_chart = rel(chart_dir, res.root)
        failed = any(f.check == "helm-render-failed" and f.subject.startswith(rel_chart + "@") for f in res.findings)
        if not per_origin.get(rel_chart) and not failed and not _cut(res, rel_chart):
            finding = _silent_chart(res, rel_chart, chart_dir, found.chart_files[chart_dir])
            if finding is not None:
                res.findings.append(finding)
    _file_reasons(res, per_origin)


def _cut(res: Any, rel_chart: str) -> bool:
    """No values set of the chart was rendered, and a finding says why already (the run's budget cut them all)."""
    record = next((f for f in res.files if f.path == f"{rel_chart}/Chart.yaml"), None)
    return (record is not None and record.extra.get("values_sets") == []
            and any(f.check == "not-analysed" and f.subject == rel_chart for f in res.findings))


def _source(origin: str) -> str:
    return origin.split("@", 1)[0] if "@" in origin and not origin.endswith("@kustomize") else origin


def _library(chart_dir: Path) -> bool:
    from ..load.yamlsrc import YamlError, load_one

    try:
        meta = load_one((chart_dir / "Chart.yaml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YamlError):
        return False
    return isinstance(meta, dict) and meta.get("type") == "library"


def _silent_chart(res: Any, rel_chart: str, chart_dir: Path, files: list[Path]) -> Finding | None:
    chart_yaml = next((f for f in res.files if f.path == f"{rel_chart}/Chart.yaml"), None)
    if _library(chart_dir):  # Helm renders nothing of a library chart; its templates run inside the charts using it
        if chart_yaml is not None:
            chart_yaml.reason = "a library chart (type: library): Helm renders it only through the charts that depend on it"
        return None
    sets = ", ".join(chart_yaml.extra.get("values_sets", [])) if chart_yaml else "values.yaml"
    for path, kind, line in _workload_templates(chart_dir, files):
        return Finding("not-analysed", Severity.warning,
                       f"chart {rel_chart} renders no workload with any of its values sets ({sets}), yet {path.name} defines a {kind}: "
                       "every set leaves it off, so nothing was checked; add a values set that enables it (ci/ or .modelready.yaml charts:)",
                       Loc(rel(path, res.root), line), ("manifests-render",), subject=rel_chart)
    if any(o.origin.startswith(rel_chart + "@") for o in res.objects):
        return None  # it renders objects that are not workloads (an operator's catalogue of resources)
    return Finding("not-analysed", Severity.warning,
                   f"chart {rel_chart} renders no object at all with any of its values sets ({sets}): nothing was checked; "
                   "add a values set that enables what it deploys (ci/ or .modelready.yaml charts:)",
                   Loc(f"{rel_chart}/Chart.yaml"), ("manifests-render",), subject=rel_chart)


def _workload_templates(chart_dir: Path, files: list[Path]) -> Iterator[tuple[Path, str, int]]:
    """(template, workload kind, line) for each template of the chart itself that spells out a workload kind."""
    for path in files:
        if path.relative_to(chart_dir).parts[:1] != ("templates",) or path.suffix not in (".yaml", ".yml", ".tpl"):
            continue
        try:
            text = read_text_inside(path, chart_dir)
        except (OSError, UnicodeDecodeError):
            continue
        m = _WORKLOAD_KIND.search(text)
        if m:
            yield path, m.group(1), text.count("\n", 0, m.start()) + 1


def _plain(o: Any) -> bool:
    k = kinds.lookup(o.kind, o.api_version)
    return k is not None and k.read is None


def _file_reasons(res: Any, per_origin: Counter[str]) -> None:
    kinds: dict[str, list[Any]] = {}
    for o in res.objects:
        if not o.origin:
            kinds.setdefault(o.file, []).append(o)
    for rec in res.files:
        objs = kinds.get(rec.path)
        if rec.status != "checked" or not objs or per_origin.get(rec.path):
            continue
        operated = sorted({f"{o.kind} ({o.api_version.split('/')[0]})" for o in objs if not _plain(o) and "/" in o.api_version
                           and not o.api_version.split("/")[0].endswith(_PLATFORM_GROUPS)})
        if operated:
            rec.reason = f"no deployment here, only {', '.join(operated)}: operator resources whose pods their operator builds; not analysed as deployments"
            rec.extra["not_analysed"] = True
        else:
            rec.reason = "no workload here: " + ", ".join(sorted({o.kind for o in objs}))
