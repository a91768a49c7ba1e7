"""OME (ome.io): an `InferenceService` names a `ClusterBaseModel` and a `ClusterServingRuntime` whose
engine (SGLang, vLLM) the operator matches to the model; the pods are assembled from all three.

A (Cluster)ServingRuntime's `engineConfig` and `decoderConfig` (prefill/decode disaggregation) are pod
specs whose container is `runner`, or a `leader` and `worker` (`size` pods) for a multi-node engine:
each is read as a serving group of the template. The operator adds the model (`$(MODEL_PATH)`), its
volume and the Service. An InferenceService is read through the runtime it names when that runtime is
beside it; otherwise it says so, never passing silently.
"""

from __future__ import annotations

from typing import Any

from ...load.k8s import K8sObject
from ...load.yamlsrc import YMap
from ..model import PodSpec, Traits, Value, as_int
from ..pods import m, read_pod
from . import Group, Kind, Near
from .operators import read_generic

_CONFIGS = (("engineConfig", ""), ("decoderConfig", "-decoder"))


def _runtime(obj: K8sObject, spec: YMap, _near: Near) -> list[Group]:
    groups = []
    for key, suffix in _CONFIGS:
        cfg = spec.get(key)
        if not isinstance(cfg, YMap):
            continue
        pods = _config_pods(obj, cfg, f"spec.{key}")
        if pods:
            groups.append(Group(pods, None, obj.loc(key, at=spec), suffix=suffix, partial=True))
    return groups or read_generic(obj, spec)  # an older runtime's KServe-style `containers`


def _config_pods(obj: K8sObject, cfg: YMap, where: str) -> list[PodSpec]:
    """The pods of one config: its runner, or its leader's and its workers' (`size` of them)."""
    out = []
    for part, role in ((cfg, "main"), (m(cfg.get("leader")), "leader"), (m(cfg.get("worker")), "worker")):
        runner = part.get("runner")
        if isinstance(runner, YMap):
            count = as_int(part.get("size")) or 1 if role == "worker" else 1
            out.append(read_pod(obj, role, count, _pod_fields(cfg, part), containers=[runner], where=where))
    return out


def _pod_fields(cfg: YMap, part: YMap) -> YMap:
    """The pod-level fields (volumes, tolerations, node selector) of a leader or worker, else of the config."""
    return part if part is cfg or any(k in part for k in ("volumes", "tolerations", "nodeSelector")) else cfg


def _isvc(obj: K8sObject, spec: YMap, near: Near) -> list[Group]:
    name = m(spec.get("runtime")).get("name")
    rt = (near.get(obj, "ClusterServingRuntime", str(name)) or near.get(obj, "ServingRuntime", str(name))) if name else None
    if rt is None:
        return read_generic(obj, spec)  # an inline engine/decoder pod template, where one is written
    groups = _runtime(rt, m(rt.body.get("spec")), near)
    engine = m(spec.get("engine"))
    model = m(spec.get("model")).get("name")
    for g in groups:
        _instance(obj, g, engine, model)
    return groups


def _instance(obj: K8sObject, g: Group, engine: YMap, model: Any) -> None:
    """The runtime's group as this InferenceService runs it: its replicas and the base model it names."""
    g.replicas = as_int(engine.get("minReplicas", 1))
    g.replicas_loc = obj.loc("minReplicas", at=engine) if "minReplicas" in engine else obj.loc("spec")
    for key, attr in (("minReplicas", "min_replicas"), ("maxReplicas", "max_replicas")):
        if key in engine:
            setattr(g, attr, Value(engine[key], obj.loc(key, at=engine)))
    if model:
        g.model = Value(str(model), obj.loc("spec", "model"))


_TEMPLATE = Traits(managed_service=True, template_only=True, partial=True)
KINDS = [
    Kind("InferenceService", "ome.io", _isvc, Traits(completed_by_operator=True, managed_service=True, partial=True),
         unread="OME assembles its pods from the ClusterServingRuntime and ClusterBaseModel it matches; neither is beside it in the files"),
    Kind("ClusterServingRuntime", "ome.io", _runtime, _TEMPLATE),
    Kind("ServingRuntime", "ome.io", _runtime, _TEMPLATE),
    Kind("ClusterBaseModel", "ome.io", None, creates_pods=False),
    Kind("BaseModel", "ome.io", None, creates_pods=False),
]
