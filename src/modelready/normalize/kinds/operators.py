"""Any other kind: an operator's CR whose pod templates sit somewhere in its spec.

Each mapping with a `containers` list of images is a pod template. Ray head and worker groups form one
serving group (ray.py); other templates (prefill and decode roles of one object) are separate serving
units, named after the nearest `name` above them. Operators whose CRs name a model and an engine
without a pod template have their own file (nim.py, kubeai.py, kaito.py, llmaz.py).
"""

from __future__ import annotations

from ...load.k8s import K8sObject
from ...load.yamlsrc import YList, YMap
from ..model import PodSpec, Volume, as_int
from ..pods import read_pod
from . import Group, Near


def read_generic(obj: K8sObject, _spec: YMap | None = None, _near: Near | None = None) -> list[Group]:
    found: list[tuple[PodSpec, str]] = []
    replicas: int | None = None
    replicas_loc = obj.loc("metadata")

    def walk(node: object, depth: int, role: str, count: int, label: str) -> None:
        nonlocal replicas, replicas_loc
        if depth > 12:
            return
        if isinstance(node, YMap):
            label = str(node["name"]) if isinstance(node.get("name"), str) and "containers" not in node else label
            if isinstance(node.get("containers"), list) and any(isinstance(c, dict) and "image" in c for c in node["containers"]):
                pod = read_pod(obj, role, count, node)
                if role in ("head", "worker"):
                    _kuberay_shm(pod)
                found.append((pod, label))
                return
            if replicas is None and isinstance(node.get("replicas"), int):
                replicas, replicas_loc = node["replicas"], obj.loc("replicas", at=node)
            for k, v in node.items():
                if k == "workerGroupSpecs" and isinstance(v, list):
                    for g in v:
                        if isinstance(g, dict):
                            walk(g, depth + 1, "worker", as_int(g.get("replicas", g.get("minReplicas", 1))) or 1, label)
                elif k == "headGroupSpec":
                    walk(v, depth + 1, "head", 1, label)
                elif k != "status":
                    walk(v, depth + 1, role, count, label)
        elif isinstance(node, YList):
            for v in node:
                walk(v, depth + 1, role, count, label)

    walk(obj.body.get("spec"), 0, "main", 1, "")
    ray = [p for p, _ in found if p.role in ("head", "worker")]
    if ray or len(found) <= 1:
        return [Group([p for p, _ in found], replicas, replicas_loc)]
    return [Group([p], replicas, replicas_loc, suffix=f"/{label or i}") for i, (p, label) in enumerate(found)]


def _kuberay_shm(pod: PodSpec) -> None:
    """KubeRay mounts a memory-backed /dev/shm into every Ray container unless one is given."""
    if any("/dev/shm" in c.mounts for c in pod.containers):
        return
    pod.volumes["kuberay-shared-mem"] = Volume("kuberay-shared-mem", "emptyDir", "Memory", None, pod.loc)
    for c in pod.containers:
        c.mounts["/dev/shm"] = "kuberay-shared-mem"


