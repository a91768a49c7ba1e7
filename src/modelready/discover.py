"""Walk the paths given and say what each file is. Nothing is parsed here beyond a sniff."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .roots import chart_of

MAX_BYTES = 5 * 1024 * 1024
ALWAYS_SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache"}
MODEL_CARD_NAMES = {"readme.md", "model_card.md", "modelcard.md"}


@dataclass
class Discovered:
    root: Path
    charts: list[Path] = field(default_factory=list)  # chart roots (subcharts belong to their parent)
    kustomizations: list[Path] = field(default_factory=list)
    files: list[tuple[Path, str]] = field(default_factory=list)  # (path, kind) outside charts
    chart_files: dict[Path, list[Path]] = field(default_factory=dict)
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # (path, reason)


def discover(paths: list[Path], root: Path, exclude: list[str]) -> Discovered:
    spec = _Excludes(exclude)
    out = Discovered(root=root)
    for start in _starts(paths, root, spec, out):
        if start.is_file():
            _classify_file(start, root, spec, out)
            continue
        for dirpath, dirnames, filenames in os.walk(start):
            here = Path(dirpath)
            rel_dir = rel(here, root)
            kept = []
            for d in sorted(dirnames):
                if d in ALWAYS_SKIP_DIRS:
                    continue
                if spec.match_file(f"{rel_dir}/{d}/".removeprefix("./")):
                    # excluded, yet accounted for: every file under it is listed as skipped
                    out.skipped += [(Path(r) / f, "excluded by config") for r, _, fs in os.walk(here / d) for f in sorted(fs)]
                else:
                    kept.append(d)
            dirnames[:] = kept
            if "Chart.yaml" in filenames:
                out.charts.append(here)
                files = []
                for cdir, cdirs, cfiles in os.walk(here):
                    cdirs[:] = sorted(cdirs)
                    files += [Path(cdir) / f for f in sorted(cfiles)]
                out.chart_files[here] = files
                dirnames[:] = []  # the chart owns everything below it
                continue
            if {"kustomization.yaml", "kustomization.yml", "Kustomization"} & set(filenames):
                out.kustomizations.append(here)
            for name in sorted(filenames):
                _classify_file(here / name, root, spec, out)
    return out


def _starts(paths: list[Path], root: Path, spec: "_Excludes", out: Discovered) -> list[Path]:
    """The places to walk: a file or folder inside a chart (a template, a values file, `Chart.yaml`)
    stands for its chart, which is what renders it; each place once, none inside another."""
    starts: list[Path] = []
    for p in paths:
        chart = chart_of(p if p.is_file() else p / "_", root)
        if chart is not None and spec.match_file(rel(chart, root) + "/"):
            out.skipped.append((p, "excluded by config"))
            continue
        starts.append(chart or p)
    resolved = [s.resolve() for s in starts]
    kept, seen = [], set()
    for s, r in zip(starts, resolved):
        inside = any(o != r and o in r.parents and o.is_dir() for o in resolved)
        if r not in seen and not inside:
            seen.add(r)
            kept.append(s)
    return kept


class _Excludes:
    """.gitignore-style patterns; pathspec is imported only when there are any."""

    def __init__(self, patterns: list[str]):
        self.spec = None
        if patterns:
            import pathspec

            self.spec = pathspec.GitIgnoreSpec.from_lines(patterns)

    def match_file(self, path: str) -> bool:
        return bool(self.spec and self.spec.match_file(path))


def _classify_file(path: Path, root: Path, spec: _Excludes, out: Discovered) -> None:
    name = rel(path, root)
    if spec.match_file(name):
        out.skipped.append((path, "excluded by config"))
        return
    try:
        size = path.stat().st_size
    except OSError as e:
        out.skipped.append((path, f"cannot be read: {e.strerror}"))
        return
    kind = classify_name(path.name)
    if kind is None:
        out.skipped.append((path, "not a deployment file"))
        return
    if size > MAX_BYTES:
        out.skipped.append((path, f"too large ({size} bytes > {MAX_BYTES})"))
        return
    out.files.append((path, kind))


def classify_name(name: str) -> str | None:
    low = name.lower()
    if low.endswith((".yaml", ".yml")):
        return "yaml"
    if low in MODEL_CARD_NAMES:
        return "model-card"
    if low.endswith(".json"):
        return "json"
    if low == "dockerfile" or low.startswith("dockerfile.") or low.startswith("dockerfile_") or low.endswith(".dockerfile"):
        return "dockerfile"
    return None


def rel(path: Path, root: Path) -> str:
    """`path` as the report names it: relative to the root, with forward slashes (as given when outside it)."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
