"""Kustomize overlays, rendered by `kubectl kustomize` when kubectl is there (said so when it is not),
and read as one thing with their sources.

`kubectl kustomize` prints the overlay's objects as one stream; read alone, its line numbers are those
of that stream (a 12-line kustomization.yaml "at line 66"). Each rendered object is matched to the
source object it came from (same kind, name without the overlay's namePrefix/nameSuffix, in a file
under the overlay or a base it lists) and its locations are mapped key by key onto that source; a
key only a patch adds points at the nearest source key above it. The source object is then not read
a second time on its own: raw and kustomized, it is one deployment. Files that are patches of an
overlay are not read as objects of their own.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..discover import Discovered, rel
from ..findings import FileRecord, Loc
from .charts import not_analysed
from .files import unreadable
from .k8s import K8sObject, parse_objects
from .yamlsrc import YamlError, YList, YMap, load_one

if TYPE_CHECKING:
    from . import Loaded

NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


# One budget for every overlay, rendered in parallel (kubectl is a process each: the GIL is not held).
BUDGET_S = 120.0
WORKERS = max(1, min(4, os.cpu_count() or 1))
_KLOG = re.compile(r"^[EWIF]\d{4} [\d:.]+\s+\d+ [\w.]+:\d+\] (\"command failed\" err=)?<?", re.M)


def load(found: Discovered, out: Loaded) -> None:
    kubectl = shutil.which("kubectl")
    patches = set().union(*(patch_files(k) for k in found.kustomizations)) if found.kustomizations else set()
    patch_ids = {id(o) for o in out.objects if (out.root / o.file).resolve() in patches and not o.origin}
    covered = set(patch_ids)
    if not kubectl:
        for kdir in found.kustomizations:
            out.files.append(FileRecord(rel(kdir, out.root) + "/", "kustomize", "skipped", "kubectl not found: overlay not rendered (its plain YAML files were checked as they are)"))
        return  # every plain file stays: nothing was rendered in its place
    todo = _buildable(found, out)
    deadline = time.monotonic() + BUDGET_S
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        jobs = [(kdir, name, pool.submit(_build, kubectl, kdir, deadline)) for kdir, name in todo]
        for kdir, name, job in jobs:  # joined in discovery order: the report does not depend on which finished first
            objects = _read(kdir, name, job.result(), out)
            # every overlay of a base reads the same source objects; a patch is never one
            covered |= reconcile(objects, [o for o in out.objects if not o.origin and id(o) not in patch_ids], kdir, out.root)
            out.objects += objects
    # a source object read through its overlay is not read again on its own (nor is a patch)
    out.objects = [o for o in out.objects if id(o) not in covered]


def _buildable(found: Discovered, out: Loaded) -> list[tuple[Path, str]]:
    """The kustomizations to build; a Component (a mixin kustomize refuses to build alone) is recorded instead."""
    used = set().union(*(components(k) for k in found.kustomizations))
    todo = []
    for kdir in found.kustomizations:
        name = rel(kdir, out.root)
        if str(config(kdir).get("kind") or "") != "Component":
            todo.append((kdir, name))
        elif kdir.resolve() in used:
            out.files.append(FileRecord(name + "/", "kustomize", "checked", "kustomize Component: rendered through the kustomizations that list it"))
        else:
            out.files.append(FileRecord(name + "/", "kustomize", "skipped", "kustomize Component: no kustomization of the repository lists it: "
                                        "not rendered (a Component renders only through one)"))
    return todo


def _read(kdir: Path, name: str, built: tuple[int | None, str, str], out: Loaded) -> list[K8sObject]:
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
    out.files.append(FileRecord(name + "/", "kustomize", "checked", "rendered with kubectl kustomize", objects=len(objects)))
    return objects


def _build(kubectl: str, kdir: Path, deadline: float) -> tuple[int | None, str, str]:
    """(exit status, stdout, stderr) of `kubectl kustomize`; status None when the budget ran out (stderr says so)."""
    left = deadline - time.monotonic()
    if left <= 1:
        return None, "", f"the {BUDGET_S:.0f} s budget for rendering overlays was spent on the others"
    try:
        proc = subprocess.run([kubectl, "kustomize", str(kdir)], capture_output=True, text=True, timeout=left)
    except subprocess.TimeoutExpired:
        return None, "", f"kubectl kustomize ran past the {BUDGET_S:.0f} s budget for rendering overlays"
    return proc.returncode, proc.stdout, proc.stderr


def clean(stderr: str, root: Path) -> str:
    """kubectl's message without its log prefix (`E1206 22:45:13.52 19625 run.go:72] "command failed" err=`)
    and with paths relative to the repository: no machine's folders in a report."""
    text = "\n".join(line for line in stderr.strip().splitlines() if not line.startswith("# Warning:"))  # deprecation notes
    text = _KLOG.sub("", text).strip().removesuffix(">").strip()
    for prefix in sorted({str(root), str(root.resolve())}, key=len, reverse=True):
        text = text.replace(prefix + "/", "").replace(prefix, ".")
    return " ".join(text.split())[:500]


def _file_name(kdir: Path) -> str:
    return next((n for n in NAMES if (kdir / n).is_file()), NAMES[0])


def components(kdir: Path) -> set[Path]:
    """The Component folders a kustomization lists (resolved)."""
    return {(kdir / c).resolve() for c in config(kdir).get("components") or [] if isinstance(c, str) and "://" not in c}


def config(kdir: Path) -> dict:
    for n in NAMES:
        try:
            data = load_one((kdir / n).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, YamlError):
            continue
        return data if isinstance(data, dict) else {}
    return {}


def patch_files(kdir: Path) -> set[Path]:
    """Files the overlay applies as patches (strategic merge or JSON 6902), resolved."""
    k = config(kdir)
    out = set()
    for key in ("patchesStrategicMerge", "patches", "patchesJson6902"):
        for p in k.get(key) or []:
            path = p.get("path") if isinstance(p, dict) else p
            if isinstance(path, str) and "\n" not in path:
                out.add((kdir / path).resolve())
    return out


@lru_cache(maxsize=65536)
def _resolved(root: Path, file: str) -> str:
    """A source file's resolved path, once per run and file (every overlay looks at every source)."""
    return str((root / file).resolve())


def reconcile(rendered: list[K8sObject], raw: list[K8sObject], kdir: Path, root: Path) -> set[int]:
    """Point each rendered object at its source; the ids of raw objects it stands for."""
    k = config(kdir)
    prefix, suffix = str(k.get("namePrefix") or ""), str(k.get("nameSuffix") or "")
    kdir = kdir.resolve()
    index: dict[tuple[str, str], K8sObject] = {}
    # sources under the overlay first, then its project's bases (../../base)
    for scope in (kdir, kdir.parent.parent, *sorted(components(kdir))):
        under = str(scope) + "/"
        for o in raw:
            if _resolved(root, o.file).startswith(under):
                index.setdefault((o.kind, o.name), o)
    covered = set()
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
        o.locator = _locator(src.file, lines)
    return covered


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
        here = src.line if isinstance(src, YList) else parent
        for i, val in enumerate(out):
            ok = isinstance(src, YList) and i < len(src)
            sline = src.lines[i] if ok else here
            lines.setdefault(out.lines[i], sline)
            _pair(val, src[i] if ok else None, lines, sline)


def _locator(file: str, lines: dict[int, int]):
    def locate(line: int) -> Loc:
        return Loc(file, lines.get(line, 0))
    return locate
# An object no source file holds (a generator's ConfigMap, a remote base's) is located at the kustomization
# itself, without a line: the rendered stream's line numbers mean nothing in the repository.
