"""What an attestation covers: each deployment in a pull request's scope, named by its id and fixed by a
digest of what would be applied for it (its object as loaded or rendered, the objects linked to it, the
ModelSpecs describing it, the model it serves), and each touched deployment file that holds no deployment
(a Dockerfile, a model card, a model's config), by its bytes. An attestation holds for the subjects whose
digest still reads as when it was ticked: a change to another deployment leaves it, a change to its own
deployment drops it there (publish.attest.holding)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..discover import read_inside


def subjects(result: Any, root: Path, touched: list[str]) -> dict[str, str]:
    """subject (a deployment's id, or a touched file holding none) -> digest."""
    held: set[str] = set()  # files whose content a deployment's digest holds
    dirs: set[str] = set()  # folders rendered into deployments (charts, kustomize overlays)
    index = _index(result.objects)
    out = {d.id: _digest(_parts(index, root, result, d, held)) for d in result.deployments}
    for d in result.deployments:
        source = d.origin.split("@", 1)[0]
        (dirs if "@" in d.origin else held).add(source)  # a chart's or an overlay's folder, or the manifest's file
    held |= {f for f, chart in result.values_files.items() if chart in dirs}
    for f in sorted(set(touched)):
        if f not in held and not any(f.startswith(folder.rstrip("/") + "/") for folder in dirs):
            out[f] = _digest(["file", f, _bytes(root, f)])
    return out


def _parts(index: dict[tuple[str, ...], Any], root: Path, result: Any, d: Any, held: set[str]) -> list[Any]:
    """What is applied for deployment `d`: its object, those linked to it, its ModelSpecs, its model; the
    files these come from are added to `held`."""
    parts: list[Any] = [index.get(("own", d.kind, d.namespace, d.name, d.origin))]
    for r in [r for rel in (d.services, d.autoscalers, d.disruption_budgets, d.exposures, d.monitors, d.secrets) for r in rel]:
        file = r.loc.file if r.loc is not None else ""
        parts.append([r.kind, r.name, index.get(("linked", r.kind, r.name, file, d.origin)) or index.get(("linked", r.kind, r.name, file, file))])
        held.add(file)
    for v in result.spec_views:
        if any(x is d for x in v.deployments):
            parts.append(["spec", v.file, _bytes(root, v.file)])
            held.add(v.file)
    if d.resolved is not None:
        parts.append(["model", d.resolved.name, repr(d.resolved.arch)])
    return parts


def _index(objects: list[Any]) -> dict[tuple[str, ...], Any]:
    """Each object's body by (kind, namespace, name, origin) and by (kind, name, file, origin): a deployment
    names its own object by the first, an object linked to it by the second (a Related has no namespace)."""
    out: dict[tuple[str, ...], Any] = {}
    for o in objects:
        origin = o.origin or o.file
        out.setdefault(("own", o.kind, o.namespace, o.name, origin), o.body)
        out.setdefault(("linked", o.kind, o.name, o.file, origin), o.body)
    return out


def _bytes(root: Path, rel: str) -> str:
    """The digest of a touched file's bytes, read inside the repository: the pull request's file may be a link to any
    file of the runner (it was read whole, and its digest stood in the record)."""
    p = root / rel
    try:
        return hashlib.sha256(read_inside(p, root)).hexdigest() if p.is_file() else "-"
    except OSError:
        return "?"


def _digest(parts: list[Any]) -> str:
    raw = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:24]
