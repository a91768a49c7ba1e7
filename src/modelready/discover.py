"""Walk the paths given and say what each file is. Nothing is parsed here beyond a sniff."""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .ignore import Excludes
from .roots import chart_of

MAX_BYTES = 5 * 1024 * 1024
# Files analysed in one run (read and parsed: load/files.py): twice the 10,000 one-manifest files bench/scale.py
# measures. A repository of 100,000 small files took 75 s; past the bound a file is listed, not read.
MAX_FILES = int(os.environ.get("MODELREADY_MAX_FILES", "20000"))
# Files looked at and listed in the report, analysed or not (each listed file costs ~2 KB of the run's memory)
MAX_LISTED = 10 * MAX_FILES
ALWAYS_SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache"}
MODEL_CARD_NAMES = {"readme.md", "model_card.md", "modelcard.md"}


@dataclass
class Discovered:
    root: Path
    charts: list[Path] = field(default_factory=list)  # chart roots (subcharts belong to their parent)
    kustomizations: list[Path] = field(default_factory=list)
    files: list[tuple[Path, str]] = field(default_factory=list)  # (path, kind) outside charts
    chart_files: dict[Path, list[Path]] = field(default_factory=dict)
    # chart files Helm must not see (links out of the repository, devices, oversized files): rendered from a copy without them
    chart_refused: dict[Path, list[Path]] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path as the report names it, reason)
    in_charts: int = 0  # files of the charts, listed in chart_files
    unlisted: str = ""  # where the walk stopped at MAX_LISTED files ("" when it looked at every file)

    def listed(self) -> int:
        return len(self.files) + len(self.skipped) + self.in_charts


def discover(paths: list[Path], root: Path, exclude: list[str]) -> Discovered:
    spec = Excludes(exclude)
    root = root.resolve()
    out = Discovered(root=root)
    for start in _starts(paths, root, spec, out):
        # its folders' links resolved once (a checkout reached through a linked folder): every path found
        # below is then under the resolved root as it is, and `rel` needs no system call for it
        start = Path(os.path.realpath(os.path.dirname(os.path.abspath(start)))) / os.path.basename(os.path.abspath(start))
        if not start.is_dir():  # a file, or a device, FIFO or dangling link given by name: refused with why
            _classify_file(start.parent, start.name, rel(start, root), root, spec, out)
        elif not _walk_tree(start, root, spec, out):
            break
    return out


def _walk_tree(start: Path, root: Path, spec: Excludes, out: Discovered) -> bool:
    """Every file below `start` listed; False when the run's listing bound stopped the walk (`out.unlisted` says where)."""
    for dirpath, dirnames, filenames in os.walk(start):
        here = Path(dirpath)
        rel_dir = rel(here, root)  # once per folder; files below it are joined to it
        dirnames[:] = _folders(here, rel_dir, sorted(dirnames), root, spec, out)
        if "Chart.yaml" in filenames:
            dirnames[:] = []  # the chart owns everything below it
            if not _chart(here, root, out):
                return False
            continue
        if {"kustomization.yaml", "kustomization.yml", "Kustomization"} & set(filenames):
            out.kustomizations.append(here)
        prefix = "" if rel_dir == "." else rel_dir + "/"
        for name in sorted(filenames):
            if out.listed() >= MAX_LISTED:
                out.unlisted = out.unlisted or prefix + name
                return False
            _classify_file(here, name, prefix + name, root, spec, out)
    return True


def _folders(here: Path, rel_dir: str, names: list[str], root: Path, spec: Excludes, out: Discovered) -> list[str]:
    """The folders below `here` to walk; links to folders and excluded folders are listed as skipped instead."""
    kept = []
    for d in names:
        if d in ALWAYS_SKIP_DIRS:
            continue
        if os.path.islink(here / d):
            out.skipped.append((rel(here / d, root), "symbolic link to a folder: not followed"))
        elif spec.match_file(f"{rel_dir}/{d}/".removeprefix("./")):
            # excluded, yet accounted for: every file under it is listed as skipped (within the listing bound)
            for item in ((rel(Path(r) / f, root), "excluded by config") for r, _, fs in os.walk(here / d) for f in sorted(fs)):
                if out.listed() >= MAX_LISTED:
                    out.unlisted = out.unlisted or item[0]
                    break
                out.skipped.append(item)
        else:
            kept.append(d)
    return kept


def _chart(here: Path, root: Path, out: Discovered) -> bool:
    """A chart and its files; those Helm must not see (links out or to folders, devices, oversized) are
    refused with why, and Helm renders a copy without them (load/helm_worker.chart_without). False, and no
    chart, when the listing bound stops the walk inside it: a file not looked at could not be refused."""
    files: list[Path] = []
    refused: list[Path] = []
    for cdir, cdirs, cfiles in os.walk(here):
        cdirs[:] = sorted(cdirs)
        for f in sorted(cfiles) + sorted(d for d in cdirs if os.path.islink(os.path.join(cdir, d))):
            path = Path(cdir) / f
            if out.listed() + len(files) >= MAX_LISTED:
                out.unlisted = out.unlisted or rel(path, root) + f" (in chart {rel(here, root)}, not rendered)"
                return False
            why = "symbolic link to a folder: not followed" if f in cdirs else refuse(path, root)
            if why is None and path.stat().st_size > MAX_BYTES:
                why = f"too large ({path.stat().st_size} bytes > {MAX_BYTES})"
            if why is None and f == "values.schema.json":
                why = schema_reference(path, root)
            if why:
                refused.append(path)
                out.skipped.append((rel(path, root), f"{why}; left out of the chart"))
            elif path.is_file():
                files.append(path)
    out.charts.append(here)
    out.chart_files[here] = files
    out.chart_refused[here] = refused
    out.in_charts += len(files)
    return True


# JSON Schema meta-schemas Helm's validator carries itself (it fetches any other `$schema` URL)
_META_SCHEMAS = re.compile(r"https?://json-schema\.org/(?:draft-0[3467]/schema|draft/20(?:19-09|20-12)/schema)#?")


def schema_reference(path: Path, root: Path) -> str | None:
    """Why Helm must not see this values.schema.json: a `$ref` that is not within the file (`#/...`) or an
    unknown `$schema` would make Helm's validator fetch a URL or read a file outside. None when it may."""
    try:
        doc = json.loads(read_inside(path, root))
    except (OSError, ValueError, RecursionError):
        return None  # Helm rejects it itself, fetching nothing
    todo, seen = [doc], 0
    while todo and seen < 1_000_000:
        node = todo.pop()
        seen += 1
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("$ref", "$dynamicRef", "$recursiveRef") and isinstance(value, str) and not value.startswith("#"):
                    return f"values schema with {key} {value[:200]!r}, outside the file: Helm would fetch or read it; schema not applied"
                if key == "$schema" and isinstance(value, str) and not _META_SCHEMAS.fullmatch(value):
                    return f"values schema with $schema {value[:200]!r}: Helm would fetch it; schema not applied"
                todo.append(value)
        elif isinstance(node, list):
            todo += node
    return None


MAX_HOPS = 40  # the kernel's own limit on links followed in one lookup (ELOOP past it)


class Refused(OSError):
    """A path that must not be opened: it leaves the repository, is no regular file, or its links loop."""

    def __init__(self, why: str):
        super().__init__(0, why)


def resolve(path: Path) -> Path:
    """`path` with every symbolic link resolved, at most MAX_HOPS of them (Refused past that, as for a loop).

    Resolved here, not by `Path.resolve()`: that follows any number of links, and the kernel then stops at
    40 with ELOOP on the open that follows (a traceback, no report). A folder's resolution is kept for the
    run (the checkout does not change under it): a repository's files share their folders. Strings, not
    Paths, inside: this runs for every file read, and pathlib's joins were most of its cost."""
    return Path(_resolve(os.path.abspath(path)))


def real(path: Path) -> Path:
    """`resolve(path)`, or `path` made absolute where it cannot be resolved (its links loop, its name holds a NUL):
    what a file names, to compare with other paths, never to open. `Path.resolve()` raised RuntimeError on a loop and
    ValueError on a NUL in a name the PR wrote (a kustomization's resource: a traceback, no report)."""
    try:
        return resolve(path)
    except Refused:
        return Path(os.path.abspath(path))


def _resolve(absolute: str) -> str:
    if "\0" in absolute:  # os.lstat raises ValueError on it: refused as any other name no file can have
        raise Refused("a NUL character in its name: not read")
    folder, name = os.path.split(absolute)
    known = _FOLDERS.get(folder)
    if known is None:
        done, hops, whole = _walk(os.sep, folder.split(os.sep), 0)
        if not whole:
            return os.path.join(done, name) if name else done
        if len(_FOLDERS) > 50_000:
            _FOLDERS.clear()
        _FOLDERS[folder] = known = (done, hops)
    return _walk(known[0], [name] if name else [], known[1])[0]


_FOLDERS: dict[str, tuple[str, int]] = {}  # an absolute folder -> (resolved, links followed on the way)


def _walk(done: str, todo: list[str], hops: int) -> tuple[str, int, bool]:
    """(`done` joined with `todo`, links resolved; links followed in all; False when a part is missing)."""
    todo.reverse()  # popped from the end
    while todo:
        part = todo.pop()
        if part in ("", "."):
            continue
        if part == "..":
            done = os.path.dirname(done)
            continue
        here = os.path.join(done, part)
        try:
            st = os.lstat(here)
        except OSError:  # missing (or unreadable): the rest cannot hold a link to follow
            return os.path.join(here, *reversed(todo)), hops, False
        if not stat.S_ISLNK(st.st_mode):
            done = here
            continue
        hops += 1
        if hops > MAX_HOPS:
            raise Refused(f"more than {MAX_HOPS} symbolic links in a chain (or a loop of links): not read")
        target = os.readlink(here)
        if os.path.isabs(target):
            done = os.sep
        todo.extend(reversed(target.split(os.sep)))
    return done, hops, True


def inside(path: Path, roots: "tuple[Path, ...] | list[Path]") -> Path:
    """`path` resolved, when it resolves inside one of `roots` (resolved folders); Refused otherwise."""
    return Path(_inside(os.fspath(path), [str(r) for r in roots]))


def _inside(path: str, roots: list[str]) -> str:
    """`inside` on strings (it runs for every file read: pathlib's objects were a third of its cost)."""
    absolute = os.path.abspath(path)
    text = _resolve(absolute)
    if not any(text == r or text.startswith(r.rstrip(os.sep) + os.sep) for r in roots):
        raise Refused("symbolic link to outside the repository: not read" if os.path.islink(path) or text != absolute
                      else "outside the repository: not read")
    return text


def refuse(path: Path, root: Path) -> str | None:
    """Why `path` must not be read: a link leaving the repository or looping, or no regular file or folder.
    None when it may be read."""
    try:
        st = os.stat(inside(path, (root,)))
    except Refused as e:
        return e.strerror
    except OSError as e:  # a dangling link, an unreadable folder
        return f"cannot be read: {e.strerror or 'no such file'}"
    if not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
        return "not a regular file (a device, FIFO or socket): not read"
    return None


def read_inside(path: "Path | str", roots: "Path | tuple[Path, ...] | list[Path]", limit: int = MAX_BYTES) -> bytes:
    """The one way modelready opens a file of the repository: its links resolved inside `roots` (the
    checked root, or modelready's own temporary copy of a chart), a regular file of at most `limit` bytes.
    Refused (an OSError) otherwise, before a byte is read."""
    roots = (roots,) if isinstance(roots, (str, Path)) else tuple(roots)
    absolute = _absolute(os.fspath(path))
    if "\0" in absolute:  # os.open raises ValueError on it, no OSError
        raise Refused("a NUL character in its name: not read")
    direct = _direct(absolute, roots)
    if direct is not None:
        try:  # no lstat first: a link is refused by the open itself (ELOOP) and resolved as any other
            return read_bounded(direct, limit, _NOFOLLOW)
        except OSError as e:
            if e.errno not in (errno.ELOOP, errno.EMLINK):  # a link, as Linux and the BSDs say it
                raise
    return read_bounded(_inside(absolute, [_folder(r) for r in roots]), limit)


def _absolute(text: str) -> str:
    """`os.path.abspath(text)`; a discovered path is absolute and normal already, its text says so: abspath (normpath,
    in Python) only for the others."""
    return text if _PLAIN and text[:1] == "/" and "/." not in text and "//" not in text and text[-1:] != "/" else os.path.abspath(text)


def _direct(absolute: str, roots: "tuple[Path | str, ...]") -> str | None:
    """Where a file of a folder the run has resolved already is, inside `roots`, to be opened without following a
    link; None where the folder is not known yet (or O_NOFOLLOW is not there): `_inside` resolves it."""
    parent, _, name = absolute.rpartition(os.sep)
    known = _FOLDERS.get(parent or os.sep)
    if known is None or not name or name == ".." or not _NOFOLLOW:
        return None
    prefixes = _PREFIXES.get(roots)
    if prefixes is None:  # the resolved roots, each with its separator: once per set of roots (kept as _FOLDERS is)
        prefixes = tuple(_folder(r).rstrip(os.sep) + os.sep for r in roots)
        if len(_PREFIXES) < 1000:
            _PREFIXES[roots] = prefixes
    direct = known[0].rstrip(os.sep) + os.sep + name
    return direct if direct.startswith(prefixes) else None


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # without it (Windows) every file is resolved first
_PLAIN = os.sep == "/" and os.altsep is None  # a path's text alone says it is absolute and normal
_PREFIXES: dict[tuple[Path | str, ...], tuple[str, ...]] = {}  # roots -> their resolved folders with a separator (a checkout does not change)


def _folder(folder: "str | Path") -> str:
    """`resolve(folder)`, for a folder whose resolution the run already holds (as the parent of a file read) without
    a system call."""
    absolute = os.path.abspath(folder)
    known = _FOLDERS.get(absolute)
    return known[0] if known is not None else _resolve(absolute)


def read_text_inside(path: Path, roots: "Path | tuple[Path, ...] | list[Path]", limit: int = MAX_BYTES) -> str:
    """`read_inside` decoded as UTF-8 (UnicodeDecodeError as for `Path.read_text`)."""
    return utf8(read_inside(path, roots, limit))


def utf8(raw: bytes) -> str:
    """`raw.decode("utf-8-sig")`, in C: that codec's decode is Python code, and it runs once per file read."""
    return (raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw).decode("utf-8")


_OPEN = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)  # a FIFO never blocks the open, a tty never becomes ours


def read_bounded(path: "str | Path", limit: int = MAX_BYTES, flags: int = 0) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; OSError otherwise (checked before anything is read).
    `flags`: more for the open (O_NOFOLLOW)."""
    fd = os.open(path, _OPEN | flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(0, "not a regular file")
        if st.st_size > limit:
            raise OSError(0, f"too large ({st.st_size} bytes > {limit})")
        chunks, got = [], 0
        # os.read, not a file object: this runs for every file read; done at the size fstat gave (no read for the end).
        # Asked for what fstat said is left (os.read allocates what it is asked for: a 5 MiB buffer per file was most
        # of the read); a file that reports no size (procfs-like) or grows is read on in 64 KiB steps, to the limit.
        while got <= limit and not (0 < st.st_size <= got):
            chunk = os.read(fd, min(limit + 1 - got, st.st_size - got if st.st_size > got else 65536))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            raise OSError(0, f"too large (more than {limit} bytes)")
        return data
    finally:
        os.close(fd)


def _starts(paths: list[Path], root: Path, spec: Excludes, out: Discovered) -> list[Path]:
    """The places to walk: a file or folder inside a chart (a template, a values file, `Chart.yaml`)
    stands for its chart, which is what renders it; each place once, none inside another."""
    starts: list[Path] = []
    for p in paths:
        chart = chart_of(p if p.is_file() else p / "_", root)
        if chart is not None and spec.match_file(rel(chart, root) + "/"):
            out.skipped.append((rel(p, root), "excluded by config"))
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


def _classify_file(folder: Path, name: str, shown: str, root: Path, spec: Excludes, out: Discovered) -> None:
    """`shown`: the file's path as the report names it. The name decides first, with no system call: most files
    of a repository are no deployment file, and a link or device that is not read needs no refusing."""
    if spec.match_file(shown):
        out.skipped.append((shown, "excluded by config"))
        return
    kind = classify_name(name)
    if kind is None:
        out.skipped.append((shown, "not a deployment file"))
        return
    path = folder / name
    size = _plain_size(path, root)  # a regular file reached through no link: no resolving
    if size is None:
        why = refuse(path, root)
        if why:
            out.skipped.append((shown, why))
            return
        size = path.stat().st_size
    if size > MAX_BYTES:
        out.skipped.append((shown, f"too large ({size} bytes > {MAX_BYTES})"))
        return
    out.files.append((path, kind))


def _plain_size(path: Path, root: Path) -> int | None:
    """The size of a regular file that is no link, in a folder under the resolved root (the walk's folders are, and
    it follows no link); None for anything else, which `refuse` then decides."""
    folder, text = os.path.dirname(path), str(root)
    if not (folder == text or folder.startswith(text.rstrip(os.sep) + os.sep)) or ".." in folder:
        return None
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def classify_name(name: str) -> str | None:
    low = name.lower()
    if low.endswith((".yaml", ".yml")):
        return "yaml"
    if low in MODEL_CARD_NAMES:
        return "model-card"
    if low.endswith(".json"):
        return "json"
    # Podman and Buildah read a Containerfile first: the same instructions
    if low in ("dockerfile", "containerfile") or low.startswith(("dockerfile.", "dockerfile_", "containerfile.")) or low.endswith((".dockerfile", ".containerfile")):
        return "dockerfile"
    return None


def rel(path: Path, root: Path) -> str:
    """`path` as the report names it: relative to the root, with forward slashes (as given when outside it).

    Discovered paths are absolute under the resolved root: no system call for them (a path with `..`,
    such as a values file beside its chart, is resolved)."""
    text, base = str(path), str(root)
    # the common case on strings (this runs several times per file): a plain path under the root, nothing to normalize
    if text.startswith(base) and text[len(base):len(base) + 1] == "/" and "/." not in text and "//" not in text and base != "/":
        return text[len(base) + 1:]
    if ".." not in path.parts:
        try:
            return path.relative_to(root).as_posix() or "."
        except ValueError:
            pass
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
