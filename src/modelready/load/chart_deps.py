"""Local chart dependencies assembled before rendering, as `helm dependency build` would do offline.

An umbrella chart lists its children in Chart.yaml `dependencies`; `repository: file://../x` points at a
chart elsewhere in the same repository. Helm renders only what sits in the chart's `charts/` folder, so an
unbuilt umbrella renders nothing (or fails on a helper its `common` child defines). Here such a chart is
copied to a scratch folder with each file:// dependency placed under `charts/<name>`, recursively. Nothing
is fetched: a dependency from a remote repository that is not vendored is named as missing.
Bounds: paths never leave the repository, symlinks are not followed, depth and size are capped.
"""

from __future__ import annotations

from typing import Any

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..discover import read_inside, read_text_inside, real
from .helm import merge_values
from .yamlsrc import YamlError, load_shared

MAX_DEPTH = 5
MAX_BYTES = 20 * 1024 * 1024
MAX_FILES = 5000
MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass
class Assembled:
    chart_dir: Path  # the chart as the repository holds it
    # rendered template prefix ("<chart>/charts/<dep>") -> the dependency's folder relative to the repository
    sources: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # one sentence per dependency that could not be assembled
    # The chart with its dependencies in place (or without its refused files), made in memory: a path in the copy ->
    # the file's bytes (Helm reads files, not folders). None: Helm renders the chart itself. Written out only when Helm
    # must render it.
    copy: dict[str, bytes] | None = None
    scratch: Path | None = None  # where the copy was written

    def where(self) -> Path:
        """The folder Helm renders: the chart, or its copy, written to a scratch folder the first time it is asked for
        (a run whose renders all come from a cache writes none)."""
        if self.copy is None:
            return self.chart_dir
        if self.scratch is None:
            scratch = Path(tempfile.mkdtemp(prefix="modelready-chart-"))
            target = scratch / self.chart_dir.name
            try:
                target.mkdir()
                for path, data in self.copy.items():
                    (target / path).parent.mkdir(parents=True, exist_ok=True)
                    (target / path).write_bytes(data)
            except BaseException:
                shutil.rmtree(scratch, ignore_errors=True)
                raise
            self.scratch = scratch
        return self.scratch / self.chart_dir.name

    def leave_out(self, path: str) -> None:
        """A file or folder of the copy (its path in it) taken out, with all under it."""
        if self.copy is not None:
            under = path + "/"
            for key in [k for k in self.copy if k == path or k.startswith(under)]:
                del self.copy[key]

    def cleanup(self) -> None:
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None


def dependencies(chart_dir: Path) -> list[dict[str, Any]]:
    try:
        meta = load_shared(read_text_inside(chart_dir / "Chart.yaml", chart_dir))
    except (OSError, UnicodeDecodeError, YamlError):
        return []
    deps = meta.get("dependencies") if isinstance(meta, dict) else None
    return [d for d in deps if isinstance(d, dict) and d.get("name")] if isinstance(deps, list) else []


def _vendored(chart_dir: Path, name: str) -> bool:
    charts = chart_dir / "charts"
    return plain_name(name) and ((charts / name).is_dir() or any(charts.glob(f"{name}-*.tgz")))


def plain_name(name: str) -> bool:
    """A dependency's name as Helm allows it (letters, digits, `.`, `_`, `-`): one folder of `charts/`. Anything else
    (`../../x`, `/abs`, a glob) is a path a hostile Chart.yaml would have the copy written to, or listed, outside."""
    return _PLAIN_NAME.fullmatch(name) is not None and name not in (".", "..")


_PLAIN_NAME = re.compile(r"[A-Za-z0-9._-]{1,253}")


def assemble(chart_dir: Path, root: Path, sets: list[list[str]] | None = None) -> Assembled:
    """The chart ready to render. Without file:// dependencies to place, the chart itself. A dependency is placed
    when any of the values sets to be rendered (`sets`, files relative to the chart; None: the defaults) enables
    it by `condition` or `tags`: Helm then decides per values set, as `helm install -f` would."""
    root = root.resolve()
    out = Assembled(chart_dir)
    todo = [d for d in dependencies(chart_dir) if not _vendored(chart_dir, str(d["name"]))]
    values = _values(chart_dir, sets or [[]], root) if todo else []  # most charts vendor or have no dependencies
    todo = [d for d in todo if _enabled_in(d, values)]
    if not todo:
        return out
    if not any(str(d.get("repository", "")).startswith("file://") for d in todo):
        out.missing += [_remote(d) for d in todo]
        return out
    out.copy = {}
    budget = [MAX_BYTES, MAX_FILES]
    _copy(chart_dir, "", out, budget, root)
    name = _chart_name(chart_dir)
    _place(chart_dir, "", name, root, out, budget, 0, values)
    return out


def _place(src: Path, target: str, prefix: str, root: Path, out: Assembled, budget: list[int], depth: int,
           values: list[tuple[str, dict[str, Any]]] | None = None) -> None:
    """`values`: the top chart's values sets (conditions of its own dependencies are read in each); below it,
    a child's dependencies are read in the child's defaults."""
    for dep in dependencies(src):
        name, repo = str(dep["name"]), str(dep.get("repository", ""))
        enabling = _enabled_in(dep, values if values is not None else _values(src, [[]], root))
        if _vendored(src, name) or not enabling:
            continue
        if not plain_name(name):
            out.missing.append(f"dependency {name[:100]!r} ({repo[:200]}) is not a chart name (letters, digits, '.', '_', '-'): not rendered")
            continue
        if not repo.startswith("file://"):
            out.missing.append(_remote(dep) + ("" if values is None or len(enabling) == len(values) else f" (enabled by values sets {', '.join(enabling)})"))
            continue
        where = real(src / repo[len("file://"):])  # a loop of links or a NUL: no chart there (Path.resolve raised)
        try:
            rel = where.relative_to(root).as_posix()
        except ValueError:
            out.missing.append(f"dependency {name} ({repo}) points outside the repository: not rendered")
            continue
        if depth >= MAX_DEPTH:
            out.missing.append(f"dependency {name} ({repo}) is nested more than {MAX_DEPTH} deep: not rendered")
            continue
        if not (where / "Chart.yaml").is_file():
            out.missing.append(f"dependency {name} ({repo}): no chart at {rel}: not rendered")
            continue
        dest = _join(target, "charts", name)
        if not _copy(where, dest, out, budget, root):
            out.missing.append(f"dependency {name} ({repo}) is larger than {MAX_BYTES // 2**20} MiB: not rendered")
            out.leave_out(dest)
            continue
        # Helm names a subchart's templates "<parent>/charts/<chart name>/...", the name from its Chart.yaml
        out.sources[f"{prefix}/charts/{_chart_name(where) or name}"] = rel
        _place(where, dest, f"{prefix}/charts/{_chart_name(where) or name}", root, out, budget, depth + 1)


def _values(chart_dir: Path, sets: list[list[str]], root: Path) -> list[tuple[str, dict[str, Any]]]:
    """(label, the chart's defaults with the set's files merged over them) for each values set; a file outside
    the repository is not read (the render says so)."""
    def read(path: Path) -> dict[str, Any]:
        try:
            data = load_shared(read_text_inside(path, (root.resolve(),)))
        except (OSError, UnicodeDecodeError, YamlError):
            return {}
        return data if isinstance(data, dict) else {}

    out = []
    for files in sets:
        merged: dict[str, Any] = {}
        for f in ["values.yaml", *files]:
            merge_values(merged, read(chart_dir / f if not Path(f).is_absolute() else Path(f)))
        out.append(("+".join(files) or "values.yaml", merged))
    return out


def _enabled_in(dep: dict[str, Any], values: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """The values sets in which Helm renders the dependency: its first resolvable `condition` path decides;
    without one, `tags` (enabled when any listed tag is true, disabled when all are false); else enabled."""
    return [label for label, v in values if _enabled(dep, v)]


def _enabled(dep: dict[str, Any], values: dict[str, Any]) -> bool:
    for cond in str(dep.get("condition") or "").split(","):
        node: object = values
        for key in cond.strip().split("."):
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, bool):
            return node
    tags = [t for t in dep.get("tags") or [] if isinstance(t, str)]
    chosen = [values["tags"][t] for t in tags if isinstance(values.get("tags"), dict) and isinstance(values["tags"].get(t), bool)]
    return any(chosen) if chosen else True


def _remote(dep: dict[str, Any]) -> str:
    return (f"dependency {dep['name']} ({dep.get('repository') or 'no repository'}) is not vendored in charts/ and is "
            "not fetched (no network): its templates are not rendered")


def _chart_name(chart_dir: Path) -> str:
    try:
        meta = load_shared(read_text_inside(chart_dir / "Chart.yaml", chart_dir))
    except (OSError, UnicodeDecodeError, YamlError):
        return chart_dir.name
    return str(meta.get("name") or chart_dir.name) if isinstance(meta, dict) else chart_dir.name


def _join(*parts: str) -> str:
    return "/".join(p for p in parts if p)


def _copy(src: Path, dest: str, out: Assembled, budget: list[int], root: Path, skip: frozenset[Path] = frozenset()) -> bool:
    """Copy a chart folder into `out.copy` at `dest`: its regular files, a link only when it resolves to one inside the
    repository (read through `read_inside`), never a link to a folder nor a device; False when the budget (bytes,
    files) runs out. Walked without following links, so a link loop cannot make it run for ever."""
    assert out.copy is not None
    for folder, dirs, names in os.walk(src):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if d != ".git" and not os.path.islink(here / d) and here / d not in skip)
        inner = here.relative_to(src).as_posix()
        to = _join(dest, "" if inner == "." else inner)
        for name in sorted(names):
            path = here / name
            if path in skip:
                continue
            budget[1] -= 1
            if budget[1] < 0:
                return False
            try:
                data = read_inside(path, root, min(budget[0], MAX_FILE_BYTES))
            except OSError:
                continue  # refused or over the budget: discovery says which, Helm does not see it
            budget[0] -= len(data)
            out.copy[_join(to, name)] = data
    return True


def copy_chart(chart_dir: Path, root: Path, skip: list[Path], out: Assembled) -> None:
    """`out` made a copy of the chart without `skip` (links out of the repository or to folders, devices, oversized
    files, schemas that reach outside); CopyFailed when it passes the copy budget."""
    out.copy = {}
    if not _copy(chart_dir, "", out, [MAX_BYTES, MAX_FILES], root.resolve(), frozenset(skip)):
        out.copy = None
        raise CopyFailed(f"the chart is larger than {MAX_BYTES // 2**20} MiB or {MAX_FILES} files: its copy without the "
                         "refused files was not made, the chart is not rendered")


class CopyFailed(Exception):
    pass
