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

import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from ..discover import Discovered, rel
from ..findings import FileRecord, Loc
from .files import unreadable
from .k8s import K8sObject, parse_objects
from .yamlsrc import YamlError, YList, YMap, load_one

if TYPE_CHECKING:
    from . import Loaded

NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def load(found: Discovered, out: Loaded) -> None:
    kubectl = shutil.which("kubectl")
    patches = set().union(*(patch_files(k) for k in found.kustomizations)) if found.kustomizations else set()
    covered: set[int] = {id(o) for o in out.objects if (out.root / o.file).resolve() in patches and not o.origin}
    for kdir in found.kustomizations:
        name = rel(kdir, out.root)
        if not kubectl:
            out.files.append(FileRecord(name + "/", "kustomize", "skipped", "kubectl not found: overlay not rendered (its plain YAML files were checked as they are)"))
            covered.clear()
            continue
        proc = subprocess.run([kubectl, "kustomize", str(kdir)], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            unreadable(out, name, f"kubectl kustomize failed: {_said(proc.stderr, out.root)[:500]}", 0)
            continue
        objects, _ = parse_objects(proc.stdout, name + "/kustomization.yaml", origin=f"{name}@kustomize")
        covered |= reconcile(objects, [o for o in out.objects if not o.origin and id(o) not in covered], kdir, out.root)
        out.objects += objects
        out.files.append(FileRecord(name + "/", "kustomize", "checked", "rendered with kubectl kustomize", objects=len(objects)))
    # a source object read through its overlay is not read again on its own (nor is a patch)
    out.objects = [o for o in out.objects if id(o) not in covered]


def _said(stderr: str, root: Path) -> str:
    """kubectl's message as it reads in any checkout at any time: paths repository-relative, no klog header
    (its time and process id), so the same broken overlay reads the same in the base's worktree."""
    import re

    for prefix in sorted({str(root.resolve()), str(root)}, key=len, reverse=True):
        stderr = stderr.replace(prefix + "/", "").replace(prefix, ".")
    return re.sub(r"[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ [^\]\s]+\]\s*", "", stderr).strip()


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


def reconcile(rendered: list[K8sObject], raw: list[K8sObject], kdir: Path, root: Path) -> set[int]:
    """Point each rendered object at its source; the ids of raw objects it stands for."""
    k = config(kdir)
    prefix, suffix = str(k.get("namePrefix") or ""), str(k.get("nameSuffix") or "")
    kdir = kdir.resolve()
    index: dict[tuple[str, str], K8sObject] = {}
    # sources under the overlay first, then its project's bases (../../base)
    for scope in (kdir, kdir.parent.parent):
        for o in raw:
            try:
                (root / o.file).resolve().relative_to(scope)
            except ValueError:
                continue
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
