"""kustomize overlays, rendered by `kubectl kustomize` when kubectl is there (said so when it is not)."""

from __future__ import annotations

import shutil
import subprocess
from typing import TYPE_CHECKING

from ..discover import Discovered, rel
from ..findings import FileRecord
from .files import unreadable
from .k8s import parse_objects

if TYPE_CHECKING:
    from . import Loaded


def load(found: Discovered, out: Loaded) -> None:
    kubectl = shutil.which("kubectl")
    for kdir in found.kustomizations:
        name = rel(kdir, out.root)
        if not kubectl:
            out.files.append(FileRecord(name + "/", "kustomize", "skipped", "kubectl not found: overlay not rendered (its plain YAML files were checked as they are)"))
            continue
        proc = subprocess.run([kubectl, "kustomize", str(kdir)], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            unreadable(out, name, f"kubectl kustomize failed: {proc.stderr.strip()[:500]}", 0)
            continue
        objects, _ = parse_objects(proc.stdout, name + "/kustomization.yaml", origin=f"{name}@kustomize")
        out.objects += objects
        out.files.append(FileRecord(name + "/", "kustomize", "checked", "rendered with kubectl kustomize", objects=len(objects)))
