"""Which GPU a serving deployment lands on, read from what schedules it: a MIG resource name, node
selectors and required node affinity (NVIDIA GPU Feature Discovery, GKE, Karpenter and instance-type
labels), else a ModelSpec's hardware.gpu.type (attached by the resolver)."""

from __future__ import annotations

import re
from typing import Any, Iterator

from .. import data
from .model import Deployment, Gpu as Gpu  # Gpu re-exported: its home is model.py

_MIG = re.compile(r"^nvidia\.com/mig-(\d+)g\.(\d+)gb$")
_MEMORY_LABELS = ("nvidia.com/gpu.memory", "karpenter.k8s.aws/instance-gpu-memory")  # MiB
_INSTANCE_LABELS = ("node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type", "karpenter.k8s.aws/instance-family",
                    "cloud.google.com/machine-family")


def from_table(name: str, source: str) -> Gpu | None:
    found = data.gpu_by_name(name)
    if not found:
        return None
    key, spec = found
    return Gpu(key, float(spec.get("usable_gib") or spec["memory_gib"]), source)


def gpu_of(d: Deployment) -> Gpu | None:
    c = d.engine_container
    res = c.gpu() if c is not None else None
    if res and (m := _MIG.match(res[0])):
        # a MIG slice: 3g.40gb has 40192 MiB, about 0.98 GiB for each GB in the profile's name
        return Gpu(f"MIG {m.group(1)}g.{m.group(2)}gb", int(m.group(2)) * 0.98, f"resource {res[0]}")
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
    if key in _MEMORY_LABELS and value.isdigit():
        return Gpu(f"{int(value) // 1024} GiB GPU", int(value) / 1024, f"node label {key}={value}")
    g = from_table(value, f"node label {key}={value}")
    if g:
        return g
    if key in _INSTANCE_LABELS:
        family = value.split(".")[0].lower()
        for name, spec in data.gpus().items():
            if any(family == i or family.startswith(i + "-") or value.lower().startswith(i + "-") for i in spec.get("instances", [])):
                return Gpu(name, float(spec.get("usable_gib") or spec["memory_gib"]), f"instance type {key}={value}")
    return None


def _required_affinity(affinity: dict[str, Any] | None) -> Iterator[tuple[str, list[str]]]:
    node = (affinity or {}).get("nodeAffinity") or {}
    req = node.get("requiredDuringSchedulingIgnoredDuringExecution") or {}
    for term in req.get("nodeSelectorTerms") or []:
        for expr in (term or {}).get("matchExpressions") or []:
            if isinstance(expr, dict) and expr.get("operator") == "In" and isinstance(expr.get("values"), list):
                yield str(expr.get("key")), [str(v) for v in expr["values"]]
