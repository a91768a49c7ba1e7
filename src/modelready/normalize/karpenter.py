"""What a Karpenter NodePool tells of the nodes a pod lands on: its requirements are the labels those nodes
will carry (karpenter.k8s.aws/instance-gpu-name, instance-family, node.kubernetes.io/instance-type,
karpenter.sh/capacity-type), so the GPU and spot are read from them as from a pod's own node selector.

A pod lands on a pool it names (nodeSelector karpenter.sh/nodepool, or v1alpha5's karpenter.sh/provisioner-name),
else on the one tainted pool whose every taint it tolerates (a GPU pool's nvidia.com/gpu:NoSchedule is
how teams keep other pods off it); several such pools, or none, and the pool is not known. The EC2NodeClass
a pool refers to holds the AMI, subnets and roles: no GPU or capacity fact, so it is not read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

SELECTORS = ("karpenter.sh/nodepool", "karpenter.sh/provisioner-name")


@dataclass(frozen=True)
class Pool:
    name: str
    requirements: tuple[tuple[str, tuple[str, ...]], ...]  # (key, values) of each `In` requirement
    taints: tuple[dict[str, Any], ...]
    gpu_limit: tuple[str, int] | None = None  # spec.limits on an accelerator resource: the most the pool provisions

    def values(self, key: str) -> tuple[str, ...] | None:
        return next((v for k, v in self.requirements if k == key), None)


def pools(objects: Any) -> dict[str, Pool]:
    """Every NodePool (karpenter.sh/v1, v1beta1: spec.template.spec) and Provisioner (v1alpha5: spec) by name."""
    out: dict[str, Pool] = {}
    for o in objects:
        if o.kind in ("NodePool", "Provisioner") and str(o.api_version).startswith("karpenter.sh/"):
            spec = _node_spec(o.body, o.kind)
            reqs = tuple((str(r["key"]), tuple(str(v) for v in r["values"])) for r in _list(spec, "requirements") if _in(r))
            taints = tuple(t for t in _list(spec, "taints") if isinstance(t, dict) and t.get("key"))
            out[str(o.name)] = Pool(str(o.name), reqs, taints, _gpu_limit(o.body, o.kind))
    return out


def _node_spec(body: dict[str, Any], kind: str) -> dict[str, Any]:
    """Where the node requirements and taints are: a NodePool's spec.template.spec, a Provisioner's spec."""
    path = ("spec", "template", "spec") if kind == "NodePool" else ("spec",)
    node: Any = body
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def _gpu_limit(body: dict[str, Any], kind: str) -> tuple[str, int] | None:
    """(resource, count) of a pool's accelerator limit: NodePool spec.limits, Provisioner spec.limits.resources."""
    from .model import GPU_RESOURCES, as_int

    path = ("spec", "limits", "resources") if kind == "Provisioner" else ("spec", "limits")
    limits: Any = body
    for key in path:
        limits = limits.get(key) if isinstance(limits, dict) else None
    if not isinstance(limits, dict):
        return None
    for res in GPU_RESOURCES:
        n = as_int(limits.get(res))
        if n is not None and n >= 0:
            return res, n
    return None


def _list(spec: dict[str, Any], key: str) -> list[Any]:
    v = spec.get(key)
    return v if isinstance(v, list) else []


def _in(r: Any) -> bool:
    return isinstance(r, dict) and r.get("operator") == "In" and isinstance(r.get("values"), list) and bool(r.get("key"))


def pool_of(pod: Any, known: dict[str, Pool]) -> Pool | None:
    """The pool `pod` lands on: the one it names, else the only tainted pool whose taints it all tolerates."""
    for key in SELECTORS:
        if key in pod.node_selector:
            return known.get(str(pod.node_selector[key]))
    tolerated = [p for p in known.values() if p.taints and all(_tolerates(pod.tolerations or [], t) for t in p.taints)]
    return tolerated[0] if len(tolerated) == 1 else None


def labels(pool: Pool) -> Iterator[tuple[str, tuple[str, ...]]]:
    yield from pool.requirements


def _tolerates(tolerations: list[Any], taint: dict[str, Any]) -> bool:
    """Kubernetes' rule: Exists matches the key (an empty key, every taint), Equal the key and value; an
    empty effect matches every effect."""
    for t in tolerations:
        if not isinstance(t, dict) or (t.get("effect") and t.get("effect") != taint.get("effect")):
            continue
        if t.get("operator") == "Exists" and (not t.get("key") or t.get("key") == taint.get("key")):
            return True
        if t.get("key") == taint.get("key") and str(t.get("value") or "") == str(taint.get("value") or ""):
            return True
    return False
