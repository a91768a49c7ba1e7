"""Helm charts rendered by Helm itself: the helm-python-sdk (Helm v4 in-process), else the helm CLI.

Each values set (the chart's defaults, each `ci/*.yaml` the chart ships, or what config names) is
rendered separately; rendered objects point back at their template file, and at the values key when
the template line reads one.

Renders are content-addressed: (the chart's files, the merged values, release and namespace) -> Helm's
output, kept for the process, so the base run of a pull request (`check --baseline`, the Action) renders
only the charts the change altered, and two values sets that merge to the same values render once.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .. import cache
from ..discover import read_text_inside, rel, utf8
from ..findings import Loc
from ..masking import is_secret_name
from .k8s import K8sObject, LoadProblem, parse_objects
from .yamlsrc import YamlError, load_shared

RELEASE, NAMESPACE = "release", "default"
_VALUES_REF = re.compile(r"\.Values((?:\.[A-Za-z_][\w-]*)+)")
# a line of at most 9 digits: Helm's message quotes the template (`include "(x:<5,000 digits>:1)"`), and int() of that
# raised ValueError (an internal error, the chart's failure unreported)
_HELM_POS = re.compile(r"\(([^():\s]+):(\d{1,9}):(\d{1,9})\)")


@dataclass
class Rendered:
    values_set: str
    objects: list[K8sObject] = field(default_factory=list)
    error: str | None = None
    error_loc: Loc | None = None
    hooks_skipped: int = 0
    # (template path, rendered text, line locator) for scanners
    texts: list[tuple[str, str, Callable[[int], Loc]]] = field(default_factory=list)
    values: list[object] = field(default_factory=list)  # the chart's defaults and this set's values, as read
    # (Loc, key, Loc of the first, same value) for each key a rendered mapping repeats
    duplicates: list[tuple[Loc, str, Loc, bool]] = field(default_factory=list)


class Assembly(Protocol):
    """What rendering needs of load.chart_deps.Assembled (which imports this module: named here by its shape)."""

    chart_dir: Path  # the chart as the repository holds it
    sources: dict[str, str]  # rendered template prefix -> the dependency's folder relative to the repository
    copy: dict[str, bytes] | None  # the chart as it renders (a path in it -> bytes), made in memory; None: the chart itself

    def where(self) -> Path:
        """The folder Helm renders (the copy written out first)."""


class _Unrendered(Exception):
    """Why a values set renders nothing more, and where to say so."""

    def __init__(self, error: str, loc: Loc):
        super().__init__(error)
        self.error, self.loc = error, loc


def engine_name() -> str:
    """The engine's name and version, asked of a Helm worker (the Go runtime is never loaded in this process); from
    the cache across runs when no worker is running (every render came from it), so none starts only to say it."""
    from . import helm_worker

    store, key = cache.active(), _engine()
    name = None
    if store is not None and not helm_worker.running():  # every render came from the cache: no worker to ask
        name = store.get("helm-engine", key, lambda v: v if isinstance(v, str) else None)
    if name is None:
        try:
            name = helm_worker.engine_name()
        except helm_worker.RenderFailed:
            name = None
        if name is not None and store is not None:
            store.put("helm-engine", key, name)
    return name or ("helm CLI" if shutil.which("helm") else "none")


class ChartFiles:
    """What a chart's values sets share of what renders: its digest, its templates as read. Of the copy in memory when
    the chart renders as one (its files are not read again), else of the chart's folder."""

    def __init__(self, render: Assembly | Path):
        self.copy = None if isinstance(render, Path) else render.copy
        self.render_dir = render if isinstance(render, Path) else render.chart_dir
        self.digest = chart_digest(self.render_dir) if self.copy is None else copy_digest(self.copy)
        self.templates: dict[str, _Template] = {}

    def template(self, tpl_name: str) -> _Template:
        if tpl_name not in self.templates:
            self.templates[tpl_name] = _Template(self._lines(tpl_name))
        return self.templates[tpl_name]

    def _lines(self, tpl_name: str) -> list[str]:
        """The template's lines ("<chart>/templates/x.yaml" as Helm names it: the part after the chart's name)."""
        parts = tpl_name.split("/", 1)
        if len(parts) < 2:
            return []
        try:
            if self.copy is not None:
                data = self.copy.get(parts[1])
                return utf8(data).splitlines() if data is not None else []
            return read_text_inside(self.render_dir / parts[1], self.render_dir).splitlines()
        except (OSError, UnicodeDecodeError):
            return []


def render(chart_dir: Path, rel_chart: str, values_files: list[str], root: Path, assembled: Assembly | None = None,
           files: ChartFiles | None = None, engine: bool = True) -> Rendered:
    """Render one values set. `values_files` are relative to the chart (or absolute). `assembled`
    (load.chart_deps.Assembled) is the chart with its local dependencies in place, when it has any; `files`
    what its values sets share of it (a new one when not given). Without `engine`, only what a cache holds:
    NotCached where Helm would have to render it.
    What rendered before a failure is kept, with the failure."""
    label = "+".join(values_files) or "values.yaml"
    out = Rendered(values_set=label)
    sources = assembled.sources if assembled else {}
    files = files or ChartFiles(assembled or chart_dir)
    where: Callable[[], Path] = assembled.where if assembled else (lambda: chart_dir)
    try:
        values, read = _values(chart_dir, rel_chart, values_files, root)
        out.values = [_defaults(chart_dir), *read]  # the trees as parsed (shared: yamlsrc.load_shared), not their merge
        manifests = _helm(where, rel_chart, sources, values, [str((chart_dir / v).resolve()) for v in values_files], out.values,
                          files.digest, engine)
        for tpl_name, text in sorted(manifests.items()):
            if text.strip() and tpl_name.endswith((".yaml", ".yml", ".json", ".tpl")):
                _read_template(out, files, rel_chart, sources, tpl_name, text)
    except _Unrendered as e:
        out.error, out.error_loc = e.error, e.loc
    return out


def _values(chart_dir: Path, rel_chart: str, values_files: list[str], root: Path) -> tuple[dict[str, Any], list[object]]:
    """(the values files merged in order, as Helm merges `-f` files; each file's tree as read). Raises _Unrendered."""
    values: dict[str, Any] = {}
    read: list[object] = []
    for vf in values_files:
        path = (chart_dir / vf) if not Path(vf).is_absolute() else Path(vf)
        try:
            loaded = load_shared(read_text_inside(path, root))
        except (OSError, UnicodeDecodeError) as e:
            why = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            raise _Unrendered(f"values file {vf} cannot be read: {why}", Loc(f"{rel_chart}/Chart.yaml")) from None
        except YamlError as e:
            raise _Unrendered(f"values file {vf} does not parse: {e}", Loc(rel(path, root), e.line)) from None
        read.append(loaded)
        if isinstance(loaded, dict):
            merge_values(values, loaded)
    return values, read


def _helm(where: Callable[[], Path], rel_chart: str, sources: dict[str, str], values: dict[str, Any], values_paths: list[str],
          seen: list[object], digest: str, engine: bool) -> dict[str, str]:
    """Helm's output (template name -> text). Raises _Unrendered with Helm's message, at the template line it names."""
    try:
        return _cached_render(where, values, values_paths, digest, engine)
    except _HelmFailed as e:
        error = _masked(_in_order(str(e)), seen)  # a `fail` message may quote a secret from the values
        m = _HELM_POS.search(error)
        loc = Loc(_template_path(m.group(1), rel_chart, sources), int(m.group(2))) if m else Loc(f"{rel_chart}/Chart.yaml")
        raise _Unrendered(error, loc) from None


def _read_template(out: Rendered, files: ChartFiles, rel_chart: str, sources: dict[str, str], tpl_name: str, text: str) -> None:
    """The objects of one rendered template into `out`, each pointing at its template line. Raises _Unrendered."""
    rel_tpl = _template_path(tpl_name, rel_chart, sources)
    locate = _Locator(files.template(tpl_name), rel_tpl, text)
    repeated: list[tuple[str, int, int, bool]] = []
    try:
        objects, _ = parse_objects(text, rel_tpl, origin=f"{rel_chart}@{out.values_set}", locator=locate, duplicates=repeated)
    except LoadProblem as e:
        raise _Unrendered(f"template {tpl_name} renders to invalid YAML: {e}", Loc(rel_tpl, locate(e.line).line)) from None
    kept = [o for o in objects if "test" not in o.hook.split(",")]  # helm test hooks are not workloads
    out.hooks_skipped += len(objects) - len(kept)
    out.objects += kept
    if kept:
        out.duplicates += [(locate(line), key, locate(first), same) for key, line, first, same in repeated]
        out.texts.append((rel_tpl, text, locate))


def _in_order(message: str) -> str:
    """Helm's schema errors (`- at '/model': missing property 'name'`) sorted within each chart's block: Helm lists
    them in Go's map order, which changes from run to run, and a finding's fingerprint must not."""
    out: list[str] = []
    run: list[str] = []
    for line in message.split("\n") + [""]:
        if line.lstrip(" ").startswith("- at "):
            run.append(line)
            continue
        out += sorted(run, key=_schema_error_key) + [line]
        run = []
    return "\n".join(out[:-1])


def _schema_error_key(line: str) -> tuple[str, str]:
    """By the path the error is at, so that `/gpu` comes just before `/gpu/count` (its indented detail)."""
    path, _, rest = line.lstrip(" ")[len("- at "):].partition(": ")
    return path.strip("'"), rest


def _defaults(chart_dir: Path) -> object:
    try:
        return load_shared(read_text_inside(chart_dir / "values.yaml", chart_dir))
    except (OSError, UnicodeDecodeError, YamlError):
        return None


def _masked(message: str, values: object) -> str:
    """`message` with the value of every secret-named values key masked (tokens of known formats and URL
    credentials are masked later, with everything else, by `report.inert.redact`)."""
    def walk(node: object, secret: bool = False) -> Iterator[str]:
        if isinstance(node, dict):
            for k, v in node.items():
                yield from walk(v, secret or is_secret_name(str(k)))
        elif isinstance(node, list):
            for v in node:
                yield from walk(v, secret)
        elif secret and isinstance(node, str) and len(node) >= 4:
            yield node
    for value in sorted(set(walk(values)), key=len, reverse=True):
        message = message.replace(value, "[redacted]")
    return message


class _NoEngine(Exception):
    pass


class NotCached(Exception):
    """A render no cache holds, asked for without the engine."""


class _HelmFailed(Exception):
    pass


class _Stopped(Exception):
    """Stopped by a limit: Helm gave no answer (its message becomes the values set's, for this process only)."""


CACHE_BYTES = 64 * 1024 * 1024  # rendered text the process keeps; beyond it the oldest go
_CACHE: dict[str, dict[str, str] | str] = {}  # key -> manifests, or Helm's error message
_CACHE_LOCK = threading.Lock()
_cached_bytes = 0


def chart_digest(chart_dir: Path) -> str:
    """sha256 over every file of the chart as Helm sees it (paths, link targets and contents)."""
    h = hashlib.sha256()
    for folder, dirs, files in sorted(os.walk(chart_dir)):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            h.update(path.relative_to(chart_dir).as_posix().encode() + b"\0")
            try:
                h.update(os.readlink(path).encode() if path.is_symlink() else path.read_bytes())
            except OSError as e:
                h.update(f"unreadable {e.errno}".encode())
            h.update(b"\0")
    return h.hexdigest()


def copy_digest(copy: dict[str, bytes]) -> str:
    """`chart_digest` of a chart's copy in memory: what the folder it is written to would digest to."""
    h = hashlib.sha256()
    # os.walk's order, sorted as chart_digest sorts it: by folder path ("" before "/x"), then by name in the folder
    for path in sorted(copy, key=lambda p: (("/" + p.rpartition("/")[0]) if "/" in p else "", p.rpartition("/")[2])):
        h.update(path.encode() + b"\0" + copy[path] + b"\0")
    return h.hexdigest()


def _cached_render(where: Callable[[], Path], values: dict[str, Any], values_paths: list[str], digest: str,
                   engine: bool = True) -> dict[str, str]:
    """Helm's output for this chart content (`digest`: its `chart_digest`) and these values: from the process's
    cache, else modelready's cache across runs (cache.py), else rendered from the folder `where` gives (NotCached
    without `engine`). Helm's error message is kept as its output is; a render a limit stopped is kept for the
    process only (another run may have the time)."""
    key = hashlib.sha256(json.dumps([digest, values, RELEASE, NAMESPACE], sort_keys=True, default=str).encode()).hexdigest()
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
    if hit is None:
        store = cache.active()
        if store is not None:
            hit = store.get("helm", [key, _engine()], _valid)
        if hit is None:
            if not engine:
                raise NotCached(key)
            try:
                hit = _rendered(where(), values, values_paths, digest)
                if store is not None:
                    store.put("helm", [key, _engine()], hit)
            except _Stopped as e:  # kept for this process only, as before: its base run would be stopped again
                hit = str(e)
        _memo(key, hit)
    if isinstance(hit, str):
        raise _HelmFailed(hit)
    return hit


def _rendered(render_dir: Path, values: dict[str, Any], values_paths: list[str], digest: str) -> dict[str, str] | str:
    """Helm's manifests, or its error message. Raises _Stopped."""
    try:
        try:
            return _render_sdk(render_dir, values, digest)
        except _NoEngine:
            return _render_cli(render_dir, values_paths)
    except _HelmFailed as e:
        return str(e)


def _memo(key: str, hit: dict[str, str] | str) -> None:
    global _cached_bytes
    with _CACHE_LOCK:
        _CACHE[key] = hit
        _cached_bytes += _size(hit)
        while _cached_bytes > CACHE_BYTES and len(_CACHE) > 1:
            _cached_bytes -= _size(_CACHE.pop(next(iter(_CACHE))))


def _size(hit: dict[str, str] | str) -> int:
    return len(hit) if isinstance(hit, str) else sum(len(k) + len(v) for k, v in hit.items())


def _valid(value: object) -> dict[str, str] | str | None:
    """A cached render (template name -> text, or Helm's message) when it has that shape, else None (a miss)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return value
    return None


@functools.cache
def _engine() -> list[object]:
    """What renders, as the cache knows it, found without loading it: helm-python-sdk's files (its module and native
    library), else the helm binary; and the worker's code, which decides how Helm is asked."""
    from . import helm_worker

    spec = importlib.util.find_spec("helm_python")
    engine: list[object] = ["none"]
    if spec is not None and spec.submodule_search_locations:
        lib = Path(list(spec.submodule_search_locations)[0]) / "lib"
        # its files as they are (a release changes them), not importlib.metadata's version: that import costs a run 16 ms
        engine = ["sdk", cache.identity(spec.origin or lib), *[cache.identity(p) for p in sorted(lib.glob("*"))]]
    elif helm := shutil.which("helm"):
        engine = ["cli", cache.identity(helm)]
    return [*engine, hashlib.sha256(Path(helm_worker.__file__).read_bytes()).hexdigest()]


def _render_sdk(chart_dir: Path, values: dict[str, Any], digest: str) -> dict[str, str]:
    """helm-python-sdk in a bounded worker process (load/helm_worker.py): wall, CPU and memory limits."""
    from . import helm_worker

    helm_worker.prestart()  # the first render no cache holds starts every worker: the next values set finds one warm
    try:
        return helm_worker.render(chart_dir, values, RELEASE, NAMESPACE, digest)
    except helm_worker.NoEngine as e:
        raise _NoEngine(str(e)) from None
    except helm_worker.Stopped as e:
        raise _Stopped(str(e)) from None
    except helm_worker.RenderFailed as e:
        raise _HelmFailed(str(e)) from None


def _render_cli(chart_dir: Path, values_files: list[str]) -> dict[str, str]:
    helm = shutil.which("helm")
    if not helm:
        raise _HelmFailed("no Helm engine: install helm-python-sdk or put helm on PATH")
    cmd = [helm, "template", RELEASE, str(chart_dir), "--namespace", NAMESPACE]
    for vf in values_files:
        cmd += ["-f", str(chart_dir / vf)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise _HelmFailed(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "helm template failed")
    out: dict[str, str] = {}
    current = None
    for line in proc.stdout.splitlines(keepends=True):
        if line.startswith("# Source: "):
            current = line[len("# Source: "):].strip()
            out.setdefault(current, "")
            out[current] += "---\n"
        elif current:
            out[current] += line
    return out


def _template_path(tpl_name: str, rel_chart: str, sources: dict[str, str] | None = None) -> str:
    """'vllm-stack/templates/x.yaml' -> '<chart dir>/templates/x.yaml' (subcharts: charts/<name>/...);
    a dependency assembled from elsewhere in the repository points at its own folder."""
    sources = sources or {}
    for prefix in sorted(sources, key=len, reverse=True):
        if tpl_name.startswith(prefix + "/"):
            return f"{sources[prefix]}/{tpl_name[len(prefix) + 1:]}"
    parts = tpl_name.split("/", 1)
    return f"{rel_chart}/{parts[1]}" if len(parts) == 2 else f"{rel_chart}/{tpl_name}"


class _Template:
    """A template file as the locator reads it: its lines, and where each stripped text and each `key:` first is."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        # the first template line of each stripped text, and of each `key:` (or `"key":`) a line starts with
        self.first: dict[str, int] = {}
        self.keyed: dict[str, int] = {}
        for i, line in enumerate(self.lines):
            t = line.strip()
            self.first.setdefault(t, i)
            body = t.lstrip("- ")
            if ":" in body:
                self.keyed.setdefault(body.split(":", 1)[0], i)


class _Locator:
    """Maps a line of rendered output to the template line that most likely produced it."""

    def __init__(self, template: _Template, rel_tpl: str, rendered: str) -> None:
        self.rel_tpl = rel_tpl
        self.rendered = rendered.splitlines()
        self.template = template.lines
        self._first, self._keyed = template.first, template.keyed
        self._cache: dict[int, Loc] = {}

    def __call__(self, line: int) -> Loc:
        if line not in self._cache:
            self._cache[line] = self._find(line)
        return self._cache[line]

    def _find(self, line: int) -> Loc:
        if not self.template or not (0 < line <= len(self.rendered)):
            return Loc(self.rel_tpl)
        text = self.rendered[line - 1].strip()
        if text in self._first:  # a literal line of the template
            return self._loc(self._first[text])
        templated = self._below_literal(line)
        if templated is not None:
            return self._loc(templated)
        key = text.lstrip("- ").split(":", 1)[0].strip()
        at = [self._keyed[k] for k in (key, f'"{key}"') if key and k in self._keyed]
        if at:
            return self._loc(min(at))
        # Produced by an include/toYaml block: blame the nearest parent key that the template spells out.
        parent = self._parent(line)
        return self._find(parent) if parent else Loc(self.rel_tpl)

    def _below_literal(self, line: int) -> int | None:
        """A templated line among literal ones (a list item such as `- {{ .Values.x | quote }}`): the nearest
        literal line above it (5 at most), stepped the same distance in the template, when that is a templated line."""
        for back in range(1, min(6, line)):
            anchor = self.rendered[line - back - 1].strip()
            if anchor in self._first:
                k = self._first[anchor] + back
                return k if k < len(self.template) and "{{" in self.template[k] else None
        return None

    def _parent(self, line: int) -> int:
        """The nearest line above, less indented than this one (0: none)."""
        indent = len(self.rendered[line - 1]) - len(self.rendered[line - 1].lstrip())
        for j in range(line - 2, -1, -1):
            raw = self.rendered[j]
            if raw.strip() and len(raw) - len(raw.lstrip()) < indent:
                return j + 1
        return 0

    def _loc(self, idx: int) -> Loc:
        keys = list(dict.fromkeys(m.group(1)[1:] for m in _VALUES_REF.finditer(self.template[idx])))
        return Loc(self.rel_tpl, idx + 1, ", ".join(keys) or None)


def merge_values(base: dict[str, Any], over: dict[str, Any]) -> None:
    """`over` merged into `base` as Helm merges values files: maps key by key, anything else replaced. A map of
    `over` is copied, never taken: `over` may be a shared parse (yamlsrc.load_shared) that a later merge would change."""
    for k, v in over.items():
        if isinstance(v, dict):
            if not isinstance(base.get(k), dict):
                base[k] = {}
            merge_values(base[k], v)
        else:
            base[k] = v
