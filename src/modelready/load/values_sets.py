"""Which values sets render a chart when the repository's config does not say.

Charts often ship defaults that render nothing useful (no model, `required` values unset) and keep their
real configurations beside them: chart-testing's `ci/*.yaml`, `values-<env>.yaml`, `<model>_values.yaml`,
`models/*/values.yaml`, `examples/*/values.yaml`, recipe folders (`overrides/models/*.yaml`), or values
files elsewhere in the repository (a tutorial's `values-01-minimal.yaml`). Each found set is rendered on
its own, on top of the chart's defaults, as `helm install -f <file>` would.

A file outside the chart counts only when it reads as values for this chart: a YAML mapping named like a
values file whose top-level keys are all keys of the chart's values.yaml, within the chart's project
(its grandparent folder).
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import Protocol

from ..discover import read_text_inside, resolve
from .yamlsrc import YamlError, load_shared

MAX_SETS = 16
_IN_CHART = ("ci/*.yaml", "values-*.yaml", "values_*.yaml", "*-values.yaml", "*_values.yaml", "*.values.yaml",
             "models/*/values.yaml", "examples/*/values.yaml", "examples/*values*.yaml", "overrides/models/*.yaml",
             "recipes/*/values.yaml", "recipes/*.yaml")
_VALUES_NAME = re.compile(r"(^|[-_.])values([-_.]|$)", re.I)


def discover(chart_dir: Path, candidates: list[Path], chart_files: list[Path] | None = None) -> tuple[list[list[str]], list[str]]:
    """(values sets relative to the chart, sets found but left out with why). The defaults come first.

    `candidates` are YAML files outside every chart that hold no Kubernetes objects; `chart_files` the
    chart's files discovery accepted (matched by name: no folder is listed again, so a linked `ci/` folder
    is neither opened nor a values set)."""
    sets: list[list[str]] = [[]]
    found = _in_chart(chart_dir, sorted(chart_files if chart_files is not None else (p for p in chart_dir.rglob("*") if p.is_file())))
    keys = _keys(chart_dir / "values.yaml", chart_dir)
    project = chart_dir.parent.parent
    folder = _resolved(project)
    for p in candidates:
        if p in found or not _VALUES_NAME.search(p.stem) or not _under(p, folder):
            continue
        theirs = _keys(p, project)
        if keys and theirs and theirs <= keys:
            found.append(p)
    rel = [_relative(p, chart_dir) for p in found]
    left_out = [f"{r}: more than {MAX_SETS} values sets" for r in rel[MAX_SETS:]]
    return sets + [[r] for r in rel[:MAX_SETS]], left_out


class Pins(Protocol):
    """What the loaders read of the config: the values sets pinned per chart (config.Config is one)."""

    charts: dict[str, list[list[str]]]


def _in_chart(chart_dir: Path, files: list[Path]) -> list[Path]:
    found: list[Path] = []
    inside = [(p, PurePosixPath(p.relative_to(chart_dir).as_posix())) for p in files]  # each path made relative once
    for pattern in _IN_CHART:
        depth = pattern.count("/") + 1
        found += [p for p, r in inside if len(r.parts) == depth and p not in found and r.match(pattern) and _plain(p)]
    # any other values file at the chart's root (values.prod.yaml, values.gpu.yml): rendered too, never silently unused
    found += [p for p, r in inside if len(r.parts) == 1 and p.suffix in (".yaml", ".yml") and p not in found
              and p.name not in ("values.yaml", "Chart.yaml") and _VALUES_NAME.search(p.stem) and _plain(p)]
    return found


def pin_line(rel_chart: str, sets: list[list[str]]) -> str:
    """The .modelready.yaml line that renders exactly these sets; `pinned` reads it back (a test loads it)."""
    shown = "".join(", [" + ", ".join(map(_scalar, s)) + "]" for s in sets if s)
    return f"charts: {{{_scalar(rel_chart)}: {{values: [[]{shown}]}}}}"


def _scalar(text: str) -> str:
    """A path as a YAML flow scalar: plain when it can be, else double-quoted (JSON's quoting is YAML's)."""
    return text if _PLAIN.fullmatch(text) else json.dumps(text)


_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./@+-]*")


def pinned(charts: object) -> dict[str, list[list[str]]]:
    """`charts:` of .modelready.yaml: chart folder -> its values sets, each a list of files relative to the
    chart. A chart without `values` renders its defaults; ValueError says what is malformed."""
    if not isinstance(charts, dict):
        raise ValueError("charts must be a mapping of chart folder to {values: [[files...], ...]}")
    out = {}
    for chart, spec in charts.items():
        sets = (spec or {}).get("values") if isinstance(spec, dict) else None
        if sets is None and isinstance(spec, dict):
            continue  # no values sets named (a misspelt key is warned about): the chart's defaults
        if not isinstance(sets, list):
            raise ValueError(f"charts.{chart}.values must be a list of values sets")
        out[str(chart).rstrip("/")] = [[str(f) for f in (s if isinstance(s, list) else [s])] for s in sets]
    return out


def _plain(path: Path) -> bool:
    """A regular file reached through no link at all."""
    try:
        return resolve(path) == path.absolute() and path.is_file()
    except OSError:
        return False


def _keys(path: Path, root: Path) -> set[str]:
    try:
        data = load_shared(read_text_inside(path, root))
    except (OSError, UnicodeDecodeError, YamlError, ValueError):
        return set()
    return {str(k) for k in data} if isinstance(data, dict) else set()


def _resolved(folder: Path) -> str | None:
    try:
        return str(resolve(folder))
    except OSError:  # links in a loop
        return None


def _under(path: Path, folder: str | None) -> bool:
    """`path` resolves inside `folder` (resolved): by discover's resolution, which keeps the folders it resolved for the
    run (every candidate of every chart is asked) and stops at a loop of links."""
    resolved = _resolved(path)
    return folder is not None and resolved is not None and (resolved == folder or resolved.startswith(folder.rstrip("/") + "/"))


def _relative(path: Path, chart_dir: Path) -> str:
    try:
        return path.relative_to(chart_dir).as_posix()
    except ValueError:
        import os

        return Path(os.path.relpath(path, chart_dir)).as_posix()
