"""Where a run stands: the root that paths in a report are relative to, the config that applies, and the
chart a file belongs to. All three are found from the paths given, never from the working directory
alone, so `modelready check examples` and `cd examples && modelready check .` say the same thing."""

from __future__ import annotations

from pathlib import Path

CONFIG_NAMES = (".modelready.yaml", ".modelready.yml")


def git_top(path: Path) -> Path | None:
    """The work tree holding `path` (a `.git` folder, or the `.git` file of a worktree or submodule)."""
    start = path.resolve()
    for d in (start, *start.parents) if start.is_dir() else start.parents:
        if (d / ".git").exists():
            return d
    return None


def default_root(paths: list[Path]) -> Path:
    """The git top level of the paths; else the current directory when it holds them all; else the first
    path's folder. Paths in two repositories (or none) fall through to the next rule."""
    resolved = [p.resolve() for p in paths] or [Path.cwd().resolve()]
    tops = {git_top(p) for p in resolved}
    top = tops.pop() if len(tops) == 1 else None
    if top is not None:
        return top
    cwd = Path.cwd().resolve()
    if all(cwd == p or cwd in p.parents for p in resolved):
        return cwd
    first = resolved[0]
    return first if first.is_dir() else first.parent


def find_config(start: Path, root: Path) -> Path | None:
    """`.modelready.yaml` in the folder of `start` or the nearest one above it, up to `root` (or the
    file system's top when `start` is outside it)."""
    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    root = root.resolve()
    for d in (here, *here.parents):
        for name in CONFIG_NAMES:
            if (d / name).is_symlink() or (d / name).exists():
                return d / name  # a device or a link is refused when it is read, not passed over in silence
        if d == root:
            break
    return None


def chart_of(path: Path, root: Path) -> Path | None:
    """The chart a file belongs to (a template, a values file, `Chart.yaml`, a helper): the nearest
    folder with a `Chart.yaml`, not above `root`. A subchart's file belongs to its parent chart, which
    renders it."""
    here = path.resolve().parent
    root = root.resolve()
    chart = None
    for d in (here, *here.parents):
        if (d / "Chart.yaml").is_file():
            chart = d
        if d == root or (root not in d.parents):
            break
    return chart
