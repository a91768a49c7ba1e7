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

    def values(self, key: str) -> tuple[str, ...] | None:
        return next((v for k, v in self.requirements if k == key), None)


def pools(objects: Any) -> dict[str, Pool]:
    """Every NodePool (karpenter.sh/v1, v1beta1: spec.template.spec) and Provisioner (v1alpha5: spec) by name."""
    out: dict[str, Pool] = {}
    for o in objects:
        if o.kind not in ("NodePool", "Provisioner") or not str(o.api_version).startswith("karpenter.sh/"):
            continue
        spec = o.body.get("spec") if isinstance(o.body.get("spec"), dict) else {}
        if o.kind == "NodePool":
            spec = ((spec.get("template") or {}).get("spec") or {}) if isinstance(spec.get("template"), dict) else {}
        reqs = tuple((str(r["key"]), tuple(str(v) for v in r["values"])) for r in spec.get("requirements") or []
                     if isinstance(r, dict) and r.get("operator") == "In" and isinstance(r.get("values"), list) and r.get("key"))
        taints = tuple(t for t in spec.get("taints") or [] if isinstance(t, dict) and t.get("key"))
        out[str(o.name)] = Pool(str(o.name), reqs, taints)
    return out


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
