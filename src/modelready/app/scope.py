"""What a pull request's run keeps: the files it touched, the charts and specs they belong to."""

from __future__ import annotations

from pathlib import Path

from ..discover import classify_name


def relevant(changed: list[str]) -> list[str]:
    """Changed files modelready reads: YAML, Dockerfiles, model cards, config.json, chart files."""
    return [f for f in changed if classify_name(Path(f).name) or "/templates/" in f or f.endswith(("Chart.yaml", ".tpl"))]


def narrow_to(result, changed: list[str]) -> None:
    """Keep what the PR touched: a changed file inside a chart re-checks the chart (every values set),
    a changed ModelSpec re-checks the deployments it describes, and a changed deployment its specs."""
    files = set(changed)
    charts = {rec.path.rsplit("/Chart.yaml", 1)[0] for rec in result.files if rec.path.endswith("Chart.yaml") and rec.kind == "helm-chart"}
    touched_charts = {c for c in charts if any(f.startswith(c + "/") for f in files)}

    def origin_touched(origin: str) -> bool:
        return origin in files or origin.split("@")[0] in touched_charts

    subjects = {f"{d.ref}@{d.origin}" for d in result.deployments if origin_touched(d.origin)}
    for v in result.spec_views:
        linked = {f"{d.ref}@{d.origin}" for d in v.deployments}
        if v.file in files or linked & subjects:
            subjects |= linked | {v.file}
    subjects |= {c.file for c in result.cards if c.file in files} | {d.file for d in result.dockerfiles if d.file in files}
    subjects |= {f"{c}@" for c in touched_charts}
    keep = lambda subject, file: subject in subjects or file in files or any(subject.startswith(p) for p in subjects if p.endswith("@"))
    result.findings = [f for f in result.findings if keep(f.subject, f.loc.file)]
    result.applied = {(c, s) for c, s in result.applied if keep(s, s)}
    result.deployments = [d for d in result.deployments if f"{d.ref}@{d.origin}" in subjects]
