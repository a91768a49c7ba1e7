"""What a pull request's run keeps: the files it touched, the charts and specs they belong to."""

from __future__ import annotations

from pathlib import Path

from ..discover import classify_name


def relevant(changed: list[str]) -> list[str]:
    """Changed files modelready reads: YAML, Dockerfiles, model cards, config.json, chart files."""
    return [f for f in changed if classify_name(Path(f).name) or "/templates/" in f or f.endswith(("Chart.yaml", ".tpl"))]


def narrow_to(result, changed: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Keep what the PR touched: a changed file inside a chart re-checks the chart (every values set),
    a changed ModelSpec re-checks the deployments it describes, and a changed deployment its specs."""
    files = set(changed)
    subjects = _touched(result, files)
    prefixes = [p for p in subjects if p.endswith("@")]

    def keep(subject: str, file: str) -> bool:
        return subject in subjects or file in files or any(subject.startswith(p) for p in prefixes)

    result.findings = [f for f in result.findings if keep(f.subject, f.loc.file)]
    result.applied = {(c, s) for c, s in result.applied if keep(s, s)}
    result.deployments = [d for d in result.deployments if f"{d.ref}@{d.origin}" in subjects]


def _touched(result, files: set[str]) -> set[str]:  # type: ignore[no-untyped-def]
    """The subjects the changed files touch; a touched chart as the prefix `chart@` of all its values sets."""
    charts = {rec.path.rsplit("/Chart.yaml", 1)[0] for rec in result.files if rec.path.endswith("Chart.yaml") and rec.kind == "helm-chart"}
    touched_charts = {c for c in charts if any(f.startswith(c + "/") for f in files)}
    subjects = {f"{d.ref}@{d.origin}" for d in result.deployments if d.origin in files or d.origin.split("@")[0] in touched_charts}
    for v in result.spec_views:
        linked = {f"{d.ref}@{d.origin}" for d in v.deployments}
        if v.file in files or linked & subjects:
            subjects |= linked | {v.file}
    subjects |= {c.file for c in result.cards if c.file in files} | {d.file for d in result.dockerfiles if d.file in files}
    return subjects | {f"{c}@" for c in touched_charts}
