"""Kustomize overlays, rendered by `kubectl kustomize` when kubectl is there (said so when it is not),
and read as one thing with their sources.

`kubectl kustomize` prints the overlay's objects as one stream; read alone, its line numbers are those
of that stream (a 12-line kustomization.yaml "at line 66"). Each rendered object is matched to the
source object it came from (same kind, name without the overlay's namePrefix/nameSuffix, in a file
under the overlay or a base it lists) and its locations are mapped key by key onto that source; a
key a patch writes points at the patch's line: in its file, or in the kustomization for a patch written
inline there. The source object is then not read a second time on its own: raw and kustomized, it is
one deployment. Files that are patches of an overlay are not read as objects of their own; what is read
but not whole (a patch, when kubectl is absent; a base rendered alone) is marked `partial`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..discover import Discovered, Refused, inside, read_text_inside, real, refuse, rel
from ..findings import FileRecord, Loc
from .budget import Budget
from .charts import not_analysed
from .files import unreadable
from .k8s import K8sObject, parse_objects
from .yamlsrc import YamlError, YList, YMap, load_all, load_one

if TYPE_CHECKING:
    from . import Loaded

NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


# Overlays render in parallel (kubectl is a process each: the GIL is not held), under the run's one budget (load/budget.py).
WORKERS = max(1, min(4, os.cpu_count() or 1))
_KLOG = re.compile(r"^[EWIF]\d{4} [\d:.]+\s+\d+ [\w.]+:\d+\] (\"command failed\" err=)?<?", re.M)


def _patch_ids(out: Loaded, patches: set[Path]) -> set[int]:
    """The plain objects that are an overlay's patch files (not workloads of their own)."""
    if not patches:
        return set()
    return {id(o) for o in out.objects if not o.origin and (out.root / o.file).resolve() in patches}


def _mark_partial(out: Loaded, patches: set[Path], resources: set[Path]) -> None:
    """Plain objects that are not whole as written (`K8sObject.partial`): an overlay's patch, a file named as a patch
    (`kubectl patch --patch-file`, a GitOps tool's), or a resource of an overlay, whose `labels`, `images` and patches
    may add what it lacks (read as it is when the overlay is not rendered)."""
    for o in out.objects:
        if o.origin:
            continue
        if "patch" in o.file.rsplit("/", 1)[-1].lower():
            o.partial = "a patch"
            continue
        if not patches and not resources:  # no overlay in the run: nothing to resolve the file against
            continue
        where = Path(_resolved(out.root, o.file))
        if where in patches:
            o.partial = "a patch"
        elif where in resources:
            o.partial = "a kustomize resource"


def load(found: Discovered, out: Loaded, budget: Budget) -> None:
    kubectl = shutil.which("kubectl")
    patches = set().union(*(patch_files(k, out.root) for k in found.kustomizations)) if found.kustomizations else set()
    patch_ids = _patch_ids(out, patches)
    resources = set().union(*(listed(k, out.root) for k in found.kustomizations)) if found.kustomizations else set()
    _mark_partial(out, patches, resources)
    covered = set(patch_ids)
    if not kubectl:
        for kdir in found.kustomizations:
            out.files.append(FileRecord(rel(kdir, out.root) + "/", "kustomize", "skipped", "kubectl not found: overlay not rendered (its plain YAML files were checked as they are)"))
        return  # every plain file stays: nothing was rendered in its place
    todo = _buildable(found, out)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        jobs = [(kdir, name, pool.submit(_build, kubectl, kdir, budget)) for kdir, name in todo]
        for kdir, name, job in jobs:  # joined in discovery order: the report does not depend on which finished first
            objects = _read(kdir, name, job.result(), out, base=kdir.resolve() in resources)
            # every overlay of a base reads the same source objects; a patch is never one
            covered |= reconcile(objects, [o for o in out.objects if not o.origin and id(o) not in patch_ids], kdir, out.root)
            out.objects += objects
    # a source object read through its overlay is not read again on its own (nor is a patch)
    out.objects = [o for o in out.objects if id(o) not in covered]


def _buildable(found: Discovered, out: Loaded) -> list[tuple[Path, str]]:
    """The kustomizations to build; a Component (a mixin kustomize refuses to build alone) is recorded instead."""
    used = set().union(*(components(k, out.root) for k in found.kustomizations))
    todo = []
    for kdir in found.kustomizations:
        name = rel(kdir, out.root)
        # checked before kubectl starts: it would fetch a remote base (git, http) or read an outside one itself
        refused = confine(kdir, out.root)
        if refused:
            why = "; ".join(refused[:5]) + (f"; and {len(refused) - 5} more" if len(refused) > 5 else "")
            out.files.append(FileRecord(name + "/", "kustomize", "skipped", f"overlay not rendered: {why}"))
            if all(MISSING in r for r in refused):  # a local file the overlay names is not there: it does not build
                unreadable(out, name, f"kustomize overlay {name} does not build: {why}", 0)
            else:
                not_analysed(out, f"kustomize overlay {name}: not rendered (nothing is fetched or read outside the repository): {why}",
                             Loc(f"{name}/{_file_name(kdir)}"), name)
            continue
        if str(config(kdir, out.root).get("kind") or "") != "Component":
            todo.append((kdir, name))
        elif kdir.resolve() in used:
            out.files.append(FileRecord(name + "/", "kustomize", "checked", "kustomize Component: rendered through the kustomizations that list it"))
        else:
            out.files.append(FileRecord(name + "/", "kustomize", "skipped", "kustomize Component: no kustomization of the repository lists it: "
                                        "not rendered (a Component renders only through one)"))
    return todo


def _read(kdir: Path, name: str, built: tuple[int | None, str, str], out: Loaded, base: bool = False) -> list[K8sObject]:
    """The rendered objects; those of a base (an overlay lists it) are partial: rendered alone, they are applied through
    the overlays that complete them (a selector from `labels`, a patch)."""
    rc, stdout, stderr = built
    if rc is None:
        out.files.append(FileRecord(name + "/", "kustomize", "skipped", f"not rendered: {stderr}"))
        not_analysed(out, f"kustomization {name}: not rendered: {stderr}", Loc(name + "/" + _file_name(kdir)), name)
        return []
    if rc != 0:
        unreadable(out, name, f"kubectl kustomize failed: {clean(stderr, out.root)}", 0)
        return []
    kfile = name + "/" + _file_name(kdir)
    objects, _ = parse_objects(stdout, kfile, origin=f"{name}@kustomize", locator=lambda _line: Loc(kfile))
    for o in objects:
        o.partial = "a kustomize base" if base else ""
    out.files.append(FileRecord(name + "/", "kustomize", "checked", "rendered with kubectl kustomize", objects=len(objects)))
    return objects


def _build(kubectl: str, kdir: Path, budget: Budget) -> tuple[int | None, str, str]:
    """(exit status, stdout, stderr) of `kubectl kustomize`; status None when the budget ran out (stderr says so)."""
    why = budget.spent() or (budget.left_s() <= 1 and f"the run's {budget.seconds:.0f} s budget for rendering charts, values sets and overlays was spent")
    if why:
        return None, "", str(why)
    proc = _kustomize(kubectl, kdir, budget.left_s())
    if proc.returncode is None:
        return None, "", f"kubectl kustomize ran past the run's {budget.seconds:.0f} s budget for rendering charts, values sets and overlays"
    budget.charge(len(proc.stdout))
    return proc.returncode, proc.stdout, proc.stderr


def clean(stderr: str, root: Path) -> str:
    """kubectl's message without its log prefix (`E1206 22:45:13.52 19625 run.go:72] "command failed" err=`)
    and with paths relative to the repository: no machine's folders in a report."""
    text = "\n".join(line for line in stderr.strip().splitlines() if not line.startswith("# Warning:"))  # deprecation notes
    text = _KLOG.sub("", text).strip().removesuffix(">").strip()
    for prefix in sorted({str(root), str(root.resolve())}, key=len, reverse=True):
        text = text.replace(prefix + "/", "").replace(prefix, ".")
    return " ".join(text.split())[:500]


def components(kdir: Path, root: Path | None = None) -> set[Path]:
    """The Component folders a kustomization lists (resolved)."""
    return {real(kdir / c) for c in config(kdir, root).get("components") or [] if isinstance(c, str) and "://" not in c}


def _kustomize(kubectl: str, kdir: Path, timeout: float = 120) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    """`kubectl kustomize` with plugins, exec functions, Helm and the network off (its defaults, said
    anyway), and an environment that could not reach anything if it tried: a PATH holding only kubectl
    (no git to clone with), proxies pointing at a closed port, a scratch HOME."""
    with tempfile.TemporaryDirectory(prefix="modelready-kustomize-") as tmp:
        (Path(tmp) / "kubectl").symlink_to(kubectl)
        closed = "http://127.0.0.1:9"
        env = {"PATH": tmp, "HOME": tmp, "HTTP_PROXY": closed, "HTTPS_PROXY": closed, "http_proxy": closed, "https_proxy": closed,
               "NO_PROXY": "", "GIT_ALLOW_PROTOCOL": "none", "KUSTOMIZE_PLUGIN_HOME": str(Path(tmp) / "no-plugins")}
        try:
            return subprocess.run([str(Path(tmp) / "kubectl"), "kustomize", str(kdir)], capture_output=True, text=True, timeout=timeout,
                                  env=env, cwd=tmp, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess([], None, "", "")  # type: ignore[arg-type]
        except OSError as e:
            return subprocess.CompletedProcess([], 1, "", f"{type(e).__name__}: {e}")


# kustomization fields naming files or folders (kubectl.docs.kubernetes.io, "kustomization" reference)
_PATH_LISTS = ("resources", "bases", "components", "crds", "configurations", "generators", "transformers", "validators",
               "patchesStrategicMerge")
_PATH_ENTRIES = ("patches", "patchesJson6902", "replacements")
_GENERATORS = ("configMapGenerator", "secretGenerator")
MISSING = "not in the repository"
MAX_OVERLAYS = 200  # kustomizations one overlay may reach through its bases and components


def confine(kdir: Path, root: Path) -> list[str]:
    """What makes the overlay unsafe to give kubectl, one sentence each: a kustomization that is no regular
    file, a base or file that is remote (a URL, a git address, or a path that does not exist here, which
    kustomize would try as a remote) or that resolves outside the repository, Helm charts kustomize would
    fetch. Empty when everything it names is a local file or folder inside the repository."""
    root = root.resolve()
    out: list[str] = []
    todo, seen = [kdir], set[Path]()
    while todo and len(seen) < MAX_OVERLAYS:
        here = todo.pop()
        if here in seen:
            continue
        seen.add(here)
        k = _config_or_refusal(here, root, out)
        if k is None:
            continue
        shown = rel(here, root)
        if k.get("helmCharts") or k.get("helmChartInflationGenerator"):
            out.append(f"{shown}: helmCharts (kustomize would fetch and run Helm): not rendered")
        for ref in _references(k):
            where = _local(here, ref, root)
            if isinstance(where, str):
                out.append(f"{shown}: {ref[:200]!r} is {where}")
            elif where.is_dir():
                todo.append(where)
    if todo:
        out.append(f"{rel(kdir, root)}: more than {MAX_OVERLAYS} kustomizations reached: not rendered")
    return out


def _config_or_refusal(kdir: Path, root: Path, out: list[str]) -> dict[str, Any] | None:
    for n in NAMES:
        path = kdir / n
        if not os.path.lexists(path):
            continue
        why = refuse(path, root)
        if why:
            out.append(f"{rel(path, root)}: {why}")
            return None
        return config(kdir, root)
    return None  # a plain folder of resources


def _references(k: dict[str, Any]) -> list[str]:
    """Every path a kustomization names: its lists, its entries' `path`, its generators' files, its openapi schema."""
    refs: list[str] = []
    for key in _PATH_LISTS:
        refs += [v for v in _list(k.get(key)) if isinstance(v, str) and "\n" not in v]
    for key in _PATH_ENTRIES:
        refs += [v["path"] for v in _list(k.get(key)) if isinstance(v, dict) and isinstance(v.get("path"), str)]
    refs += _generated_from(k)
    openapi = k.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        refs.append(openapi["path"])
    return refs


def _generated_from(k: dict[str, Any]) -> list[str]:
    """The files ConfigMap and Secret generators read: `files` (where `key=path` names the key first), `envs`, `env`."""
    gens = [g for key in _GENERATORS for g in _list(k.get(key)) if isinstance(g, dict)]
    files = [f for g in gens for f in _list(g.get("files")) + _list(g.get("envs")) + [g.get("env")] if isinstance(f, str)]
    return [f.split("=", 1)[1] if "=" in f else f for f in files]


def _list(v: object) -> list[Any]:
    return list(v) if isinstance(v, list) else []


_REMOTE = re.compile(r"(?i)^(?:[a-z][a-z0-9+.-]*://|git@|[\w.-]+\.[a-z]{2,}/[^/]+/|.*\?(?:ref|version|timeout|submodules)=|.*\.git(?:/|$|//))")


def _local(kdir: Path, ref: str, root: Path) -> Path | str:
    """The resolved local path `ref` names, or why it is refused."""
    try:
        where = inside(kdir / ref, (root,))
    except Refused as e:  # outside, or a loop of links or a NUL in the name: said as it is
        said = str(e.strerror)
        return "outside the repository: not rendered" if "outside" in said else f"not readable ({said.removesuffix(': not read')}): not rendered"
    if not where.exists():
        return "remote: not rendered (nothing is fetched)" if _REMOTE.match(ref) else \
            f"{MISSING} (kustomize would try it as a remote): not rendered"
    why = None if where.is_dir() else refuse(where, root)
    return f"{why}: not rendered" if why else where


def _file_name(kdir: Path) -> str:
    return next((n for n in NAMES if os.path.lexists(kdir / n)), NAMES[0])


def config(kdir: Path, root: Path | None = None) -> dict[str, Any]:
    for n in NAMES:
        try:
            data = load_one(read_text_inside(kdir / n, root or kdir))
        except (OSError, UnicodeDecodeError, YamlError):
            continue
        return data if isinstance(data, dict) else {}
    return {}


def patch_files(kdir: Path, root: Path) -> set[Path]:
    """Files the overlay applies as patches (strategic merge or JSON 6902), resolved."""
    k = config(kdir, root)
    out = set()
    for key in ("patchesStrategicMerge", "patches", "patchesJson6902"):
        for p in k.get(key) or []:
            path = p.get("path") if isinstance(p, dict) else p
            if isinstance(path, str) and "\n" not in path:
                out.add(real(kdir / path))
    return out


def listed(kdir: Path, root: Path) -> set[Path]:
    """The local files and folders (bases) the overlay lists as its resources, resolved."""
    k = config(kdir, root)
    return {real(kdir / r) for key in ("resources", "bases", "crds") for r in _list(k.get(key))
            if isinstance(r, str) and "\n" not in r and "://" not in r}


@lru_cache(maxsize=65536)
def _resolved(root: Path, file: str) -> str:
    """A source file's resolved path, once per run and file (every overlay looks at every source)."""
    return str((root / file).resolve())


def reconcile(rendered: list[K8sObject], raw: list[K8sObject], kdir: Path, root: Path) -> set[int]:
    """Point each rendered object at its source; the ids of raw objects it stands for."""
    k = config(kdir, root)
    prefix, suffix = str(k.get("namePrefix") or ""), str(k.get("nameSuffix") or "")
    kdir = kdir.resolve()
    index: dict[tuple[str, str], K8sObject] = {}
    # sources under the overlay first, then its project's bases (../../base)
    for scope in (kdir, kdir.parent.parent, *sorted(components(kdir, root))):
        under = str(scope) + "/"
        for o in raw:
            if _resolved(root, o.file).startswith(under):
                index.setdefault((o.kind, o.name), o)
    covered = set()
    patches = _patches(kdir, root)
    for o in rendered:
        name = o.name
        if prefix and name.startswith(prefix):
            name = name[len(prefix):]
        if suffix and name.endswith(suffix):
            name = name[: -len(suffix)]
        src = index.get((o.kind, name))
        if src is None:
            continue
        covered.add(id(src))
        lines: dict[int, int] = {}
        _pair(o.body, src.body, lines, src.body.line)
        patched: dict[int, Loc] = {}
        for file, target, patch in patches:
            try:
                if _targets(target, patch, o.kind, name):
                    _pair_patch(o.body, src.body, patch, file, patched)
            except (AttributeError, TypeError, ValueError, IndexError, KeyError, RecursionError):
                continue  # a patch shape not followed here: its keys keep the base's lines
        o.locator = _locator(src.file, lines, patched)
    return covered


def _patches(kdir: Path, root: Path) -> list[tuple[str, dict[str, Any], object]]:
    """(repository path, target, parsed patch) of each patch the overlay and its Components apply: strategic merge
    patches (a map) and JSON 6902 ones (a list of operations), from a file or written inline in the kustomization
    (`patches: - patch: |`, an inline `patchesStrategicMerge` string), whose lines are then the kustomization's."""
    out: list[tuple[str, dict[str, Any], object]] = []
    for where in (kdir, *sorted(components(kdir, root))):
        k = config(where, root)
        for key in ("patchesStrategicMerge", "patches", "patchesJson6902"):
            items = k.get(key)
            for i, e in enumerate(_list(items)):
                entry = e if isinstance(e, dict) else {"path": e}
                target = entry.get("target")
                found = _patch_file(where, root, entry.get("path")) or _inline_patch(where, root, entry, items, i)
                if found:
                    out += [(found[0], target if isinstance(target, dict) else {}, doc) for doc in found[1]]
    return out


def _patch_file(where: Path, root: Path, path: object) -> tuple[str, list[object]] | None:
    """(its repository path, its documents) of a patch file the kustomization names."""
    if not isinstance(path, str) or "\n" in path or "://" in path:
        return None
    try:
        docs = load_all(read_text_inside(where / path, root))
    except (OSError, UnicodeDecodeError, YamlError, Refused):
        return None
    return rel(where / path, root), [doc for doc, _line in docs if isinstance(doc, (YMap, YList))]


# a block literal (`patch: |`, `- |-`): its text starts on the next line, one line of the kustomization per line
_LITERAL = re.compile(r"^\s*(?:-\s+)?(?:patch\s*:\s*)?\|[1-9]?[-+]?[1-9]?\s*(?:#.*)?$")


def _inline_patch(where: Path, root: Path, entry: dict[str, Any], items: object, i: int) -> tuple[str, list[object]] | None:
    """(the kustomization's repository path, the documents) of a patch written inline, each key at its kustomization
    line: line by line in a block literal, else (a quoted or folded string) every key at the line the patch starts."""
    inline = entry.get("patch") if isinstance(entry.get("patch"), str) else entry.get("path")
    if not isinstance(inline, str) or (entry.get("patch") is None and "\n" not in inline):
        return None
    line = entry.lines.get("patch", 0) if isinstance(entry, YMap) else items.lines[i] if isinstance(items, YList) else 0
    name = _file_name(where)
    try:
        text = read_text_inside(where / name, root).splitlines()
        literal = 0 < line <= len(text) and _LITERAL.search(text[line - 1]) is not None
        docs: list[object] = [doc for doc, _l in load_all("\n" * line + inline if literal else inline) if isinstance(doc, (YMap, YList))]
    except (OSError, UnicodeDecodeError, YamlError, Refused):
        return None
    for doc in docs if not literal else []:
        _all_at(doc, line)
    return rel(where / name, root), docs


def _all_at(node: object, line: int) -> None:
    """Every key and item of a parsed patch at one line."""
    if isinstance(node, (YMap, YList)):
        node.line = line
        for key in node.lines if isinstance(node, YMap) else range(len(node.lines)):
            node.lines[key] = line
        for child in node.values() if isinstance(node, YMap) else node:
            _all_at(child, line)


def _targets(target: dict[str, Any], patch: object, kind: str, name: str) -> bool:
    """Whether a patch applies to the source object `kind`/`name`: its target's kind and name (a regex, as kustomize
    reads it), else the strategic merge patch's own kind and name."""
    if target:
        named = not target.get("name") or _name_matches(str(target["name"]), name)
        return named and (not target.get("kind") or str(target["kind"]) == kind) and bool(target.get("name") or target.get("kind"))
    if not isinstance(patch, YMap) or not isinstance(patch.get("metadata"), dict):
        return False
    return str(patch.get("kind")) == kind and str(patch["metadata"].get("name")) == name


def _name_matches(pattern: str, name: str) -> bool:
    """kustomize's target name: a Go regexp, anchored at both ends. Go's regexp is RE2, matched here by RE2 itself: in
    linear time (Python's backtracking `re` ran for ever on `(a|aa)+$` against a long name: the gate never reported),
    in RE2's syntax, within its memory bound. A pattern RE2 refuses matches nothing, as kustomize fails on it."""
    from .. import linear

    try:
        return linear.compile(pattern).fullmatch(name) is not None
    except linear.error:
        return False


def _pair_patch(out: object, base: object, patch: object, file: str, patched: dict[int, Loc]) -> None:
    """Rendered line -> the patch's line for each key the patch writes: a value it changes, or a key the base lacks.
    A strategic merge patch's list items pair with the rendered ones by `name` (containers, env, volumes)."""
    if isinstance(patch, YList) and isinstance(out, YMap) and all(isinstance(op, YMap) and "op" in op for op in patch):
        _pair_ops(out, patch, file, patched)
    elif isinstance(out, YMap) and isinstance(patch, YMap):
        for key, val in patch.items():
            if key in out:
                _pair_key(out, base if isinstance(base, YMap) else None, patch, key, file, patched)
    elif isinstance(out, YList) and isinstance(patch, YList):
        _pair_items(out, base, patch, file, patched)


def _pair_items(out: YList, base: object, patch: YList, file: str, patched: dict[int, Loc]) -> None:
    # a list of scalars the patch replaces whole (args, command), unless it only restates the base's
    replaced = list(out) == list(patch) and not (isinstance(base, YList) and list(base) == list(patch))
    if replaced and not any(isinstance(x, (YMap, YList)) for x in patch):
        for k in range(len(out)):
            patched.setdefault(_at(out, k), Loc(file, _at(patch, k) or patch.line))
        return
    for j, item in enumerate(patch):
        i = _same_item(out, item)
        if i is None:
            continue
        b = _same_item(base, item)
        if b is None:  # an item the patch adds
            patched.setdefault(_at(out, i), Loc(file, _at(patch, j) or patch.line))
        _pair_patch(out[i], base[b] if b is not None else None, item, file, patched)  # type: ignore[index]


def _pair_key(out: YMap, base: YMap | None, patch: YMap, key: object, file: str, patched: dict[int, Loc]) -> None:
    val = patch[key]
    # what the patch only restates (kind, metadata.name, a container's name) stays the base's
    if base is None or key not in base or not isinstance(val, (YMap, YList)) and base[key] != val:
        patched.setdefault(out.lines.get(key, 0), Loc(file, patch.lines.get(key, patch.line)))
    _pair_patch(out[key], base.get(key) if base is not None else None, val, file, patched)


def _pair_ops(out: YMap, ops: YList, file: str, patched: dict[int, Loc]) -> None:
    """JSON 6902: the key at each operation's path is the operation's, and what its value holds is the value's."""
    for op in ops:
        node, key = _pointer(out, str(op.get("path") or ""))
        if node is None:
            continue
        patched.setdefault(_at(node, key), Loc(file, op.line))
        if "value" in op and isinstance(node, YMap):
            _pair_patch(node.get(key), None, op["value"], file, patched)


def _at(node: YMap | YList, key: object) -> int:
    """The line of a map's key or a list's item (YList keeps a list of lines, YMap a map)."""
    if isinstance(node, YList):
        return node.lines[key] if isinstance(key, int) and 0 <= key < len(node.lines) else 0
    return int(node.lines.get(key, 0))


def _same_item(items: object, item: object) -> int | None:
    name = item.get("name") if isinstance(item, YMap) else None
    if not isinstance(items, YList) or name is None:
        return None
    return next((i for i, x in enumerate(items) if isinstance(x, YMap) and x.get("name") == name), None)


def _pointer(obj: YMap, path: str) -> tuple[YMap | YList | None, object]:
    """The container of the key a JSON pointer names, and the key (an index in a list; `-`, the end, its last item)."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in path.lstrip("/").split("/")] if path else []
    node: object = obj
    for part in parts[:-1]:
        node = _child(node, part)
    if not parts or not isinstance(node, (YMap, YList)):
        return None, None
    key: object = parts[-1]
    if isinstance(node, YList):
        key = len(node) - 1 if key == "-" else int(str(key)) if str(key).isdigit() else -1
    return (node, key) if _child(node, key) is not None else (None, None)


def _child(node: object, part: object) -> object:
    if isinstance(node, YMap):
        return node.get(part)
    if isinstance(node, YList) and str(part).isdigit() and 0 <= int(str(part)) < len(node):
        return node[int(str(part))]
    return None


def _pair(out: object, src: object, lines: dict[int, int], parent: int) -> None:
    """Rendered line -> source line for every key path both trees have."""
    if isinstance(out, YMap):
        here = src.line if isinstance(src, YMap) else parent
        lines.setdefault(out.line, here)
        for key, val in out.items():
            s = src.get(key) if isinstance(src, YMap) else None
            sline = src.lines.get(key, here) if isinstance(src, YMap) and key in src else here
            lines.setdefault(out.lines.get(key, 0), sline)
            _pair(val, s, lines, sline)
    elif isinstance(out, YList):
        _pair_list(out, src if isinstance(src, YList) else None, lines, parent)


def _pair_list(out: YList, src: YList | None, lines: dict[int, int], parent: int) -> None:
    here = src.line if src is not None else parent
    for i, val in enumerate(out):
        ok = src is not None and i < len(src)
        sline = src.lines[i] if src is not None and ok else here
        lines.setdefault(out.lines[i], sline)
        _pair(val, src[i] if src is not None and ok else None, lines, sline)


def _locator(file: str, lines: dict[int, int], patched: dict[int, Loc] | None = None) -> Callable[[int], Loc]:
    def locate(line: int) -> Loc:
        return (patched or {}).get(line) or Loc(file, lines.get(line, 0))
    return locate
# An object no source file holds (a generator's ConfigMap, a remote base's) is located at the kustomization
# itself, without a line: the rendered stream's line numbers mean nothing in the repository.
