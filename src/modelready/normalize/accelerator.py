"""Which GPU a serving deployment lands on, read from what schedules it: a MIG resource name, node
selectors and required node affinity (NVIDIA GPU Feature Discovery product labels, GKE accelerator, EKS /
Karpenter instance-gpu-name, AMD GPU operator product names and device ids, cloud instance types of AWS,
GCP, Azure/AKS and OCI), else a ModelSpec's hardware.gpu.type (attached by the resolver).

`gpu_type(d)` is the one resolution every consumer shares (memory fit, cost): the GPU type and where it came from."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterator

from .. import data
from .model import Deployment, Gpu as Gpu  # Gpu re-exported: its home is model.py

if TYPE_CHECKING:
    from .karpenter import Pool

_MIG = re.compile(r"^nvidia\.com/mig-(\d+)g\.(\d+)gb$")
_MEMORY_LABELS = ("nvidia.com/gpu.memory", "karpenter.k8s.aws/instance-gpu-memory")  # MiB
# AMD GPU operator node labeller (amd.com/ and beta.amd.com/ prefixes): product names and PCI device ids are labels in the table
_INSTANCE_LABELS = ("node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type", "karpenter.k8s.aws/instance-family",
                    "karpenter.k8s.aws/instance-type", "cloud.google.com/machine-family")


@lru_cache(maxsize=1024)  # a Gpu is frozen: one value per name and source (a memory check asks for seven per deployment)
def from_table(name: str, source: str) -> Gpu | None:
    found = data.gpu_by_name(name)
    if not found:
        return None
    key, spec = found
    return Gpu(key, float(spec.get("usable_gib") or spec["memory_gib"]), source)


def gpu_type(d: Deployment) -> tuple[str, str] | None:
    """(the GPU table's name, or a MIG profile / memory label's name; where it came from) for deployment `d`,
    from what schedules its pods; None when the files do not say."""
    g = gpu_of(d) or d.gpu
    return (g.name, g.source) if g is not None else None


def gpu_of(d: Deployment) -> Gpu | None:
    c = d.engine_container
    res = c.gpu() if c is not None else None
    if res and (m := _MIG.match(res[0])):
        # a MIG slice: 3g.40gb has 40192 MiB, about 0.98 GiB for each GB in the profile's name
        return Gpu(f"MIG {m.group(1)}g.{m.group(2)}gb", int(m.group(2)) * 0.98, f"resource {res[0]}")
    return labelled(d)


def pooled(d: Deployment, pools: "dict[str, Pool]") -> Gpu | None:
    """The GPU the requirements of the Karpenter NodePool `d`'s pods land on name (karpenter.py): one value
    is the GPU; several that all name GPUs, the roomiest, as with node affinity."""
    from dataclasses import replace

    from .karpenter import pool_of

    for pod in d.pods:
        pool = pool_of(pod, pools)
        for key, values in pool.requirements if pool is not None else ():
            gpus = [g for v in values if (g := _by_label(key, v))]
            if gpus and len(gpus) == len(values):
                best = max(gpus, key=lambda g: g.usable_gib)
                return replace(best, source=f"Karpenter NodePool {pool.name} requires {key} in {list(values)}"  # type: ignore[union-attr]
                               + (" (the largest)" if len(values) > 1 else ""))
    return None


def labelled(d: Deployment) -> Gpu | None:
    """The GPU the node selectors and required node affinity of `d`'s pods name (a MIG slice's whole GPU too)."""
    for pod in d.pods:
        labels = dict(pod.node_selector)
        for key, values in _required_affinity(pod.affinity):
            if len(values) == 1:
                labels.setdefault(key, values[0])
            elif values:
                gpus = [g for v in values if (g := _by_label(key, v))]
                if gpus and len(gpus) == len(values):  # several allowed: the roomiest, so a misfit is certain
                    best = max(gpus, key=lambda g: g.usable_gib)
                    return Gpu(best.name, best.usable_gib, f"node affinity {key} in {values} (the largest)")
        for key, value in labels.items():
            g = _by_label(key, value)
            if g:
                return g
    return None


def _by_label(key: str, value: str) -> Gpu | None:
    value = str(value)
    if key in _MEMORY_LABELS and value.isascii() and value.isdigit() and len(value) <= 12:  # int() refuses "²" and 4,300 digits
        return Gpu(f"{int(value) // 1024} GiB GPU", int(value) / 1024, f"node label {key}={value}")
    g = from_table(value, f"node label {key}={value}")
    if g:
        return g
    if key in _INSTANCE_LABELS:
        low = value.lower()
        family = low.split(".")[0]
        for name, spec in data.gpus().items():
            if any(family == i or family.startswith(i + "-") or low.startswith(i + "-") or low == i or low.startswith(i + ".")
                   for i in spec.get("instances", [])):
                return Gpu(name, float(spec.get("usable_gib") or spec["memory_gib"]), f"instance type {key}={value}")
    return None


def _required_affinity(affinity: dict[str, Any] | None) -> Iterator[tuple[str, list[str]]]:
    node = affinity.get("nodeAffinity") if isinstance(affinity, dict) else None  # any shape: the schema check says what is wrong
    req = node.get("requiredDuringSchedulingIgnoredDuringExecution") if isinstance(node, dict) else None
    terms = req.get("nodeSelectorTerms") if isinstance(req, dict) else None
    for term in terms if isinstance(terms, list) else []:
        exprs = term.get("matchExpressions") if isinstance(term, dict) else None
        for expr in exprs if isinstance(exprs, list) else []:
            if isinstance(expr, dict) and expr.get("operator") == "In" and isinstance(expr.get("values"), list):
                yield str(expr.get("key")), [str(v) for v in expr["values"]]
