"""KServe (serving.kserve.io): InferenceService, ServingRuntime, ClusterServingRuntime.

An InferenceService's predictor either spells out its containers or names a model (`model:` with a
modelFormat and a runtime, or a legacy framework key); then the ServingRuntime supplies the image,
command and probes, and KServe appends the predictor's args and env to the runtime container's.
"""

from __future__ import annotations

from ...load.k8s import K8sObject
from ...load.yamlsrc import YMap
from ..model import Traits, Value, as_int
from ..model import Container
from ..pods import m, read_container, read_pod
from . import Group, Kind, Near

_FRAMEWORKS = ("model", "huggingface", "pytorch", "tensorflow", "sklearn", "xgboost", "onnx", "triton", "lightgbm", "paddle", "pmml")


def _serving_runtime(obj: K8sObject, spec: YMap, _near: Near) -> list[Group]:
    pods = [read_pod(obj, "main", 1, spec)]
    if isinstance(spec.get("workerSpec"), dict):
        pods.append(read_pod(obj, "worker", 1, spec["workerSpec"]))
    return [Group(pods, None, obj.loc("spec"))]


def _isvc(obj: K8sObject, spec: YMap, near: Near) -> list[Group]:
    L = obj.loc
    pred = m(spec.get("predictor"))
    group = Group([], as_int(pred.get("minReplicas", 1)), L("minReplicas", at=pred) if pred else L("spec"))
    for key, attr in (("minReplicas", "min_replicas"), ("maxReplicas", "max_replicas")):
        if key in pred:
            setattr(group, attr, Value(pred[key], L(key, at=pred)))
    if isinstance(pred.get("containers"), list):
        group.pods.append(read_pod(obj, "main", 1, pred))
    else:
        for key in _FRAMEWORKS:
            if isinstance(pred.get(key), dict):
                part = pred[key]
                if part.get("storageUri"):
                    group.model_uri = Value(part["storageUri"], L("storageUri", at=part))
                pod = read_pod(obj, "main", 1, pred, containers=[part])
                group.pods.append(pod)
                group.partial = True  # image, probes and volumes come from the ServingRuntime
                if pod.containers:
                    c = pod.containers[0]
                    c.model_format = str(m(part.get("modelFormat")).get("name") or (key if key != "model" else "")) or None
                    _with_runtime(obj, c, near, part.get("runtime"))
                break
    if isinstance(pred.get("workerSpec"), dict):
        group.pods.append(read_pod(obj, "worker", 1, pred["workerSpec"]))
    return [group]


def _with_runtime(obj: K8sObject, c: Container, near: Near, runtime: object) -> None:
    """The predictor's container as KServe builds it from the ServingRuntime the files hold beside it:
    the runtime container's image, command, args then the predictor's args, env (the predictor's wins)."""
    found = _runtime_container(obj, near, runtime)
    if found is None:
        return
    rt, r = found
    if c.image is None and r.image is not None:
        c.image, c.borrowed_from = r.image, f"{rt.kind} {rt.name}"
    c.name = c.name or r.name
    c.command = c.command or r.command
    c.arg_locs = {"command": c.arg_locs.get("command") or r.arg_locs.get("command", []),
                  "args": r.arg_locs.get("args", []) + c.arg_locs.get("args", [])}
    c.args = r.args + c.args
    have = {e.name for e in c.env}
    c.env = [e for e in r.env if e.name not in have] + c.env
    c.ports = c.ports or r.ports


def _runtime_container(obj: K8sObject, near: Near, runtime: object) -> tuple[K8sObject, Container] | None:
    """The first container of the (Cluster)ServingRuntime named `runtime` beside the object."""
    rt = (near.get(obj, "ServingRuntime", runtime) or near.get(obj, "ClusterServingRuntime", runtime)) if isinstance(runtime, str) else None
    containers = m(rt.body.get("spec")).get("containers") if rt is not None else None
    base = next((x for x in containers if isinstance(x, YMap)), None) if isinstance(containers, list) else None
    return (rt, read_container(rt, base, False, "spec.containers[0]")) if rt is not None and base is not None else None


_RUNTIME = Traits(managed_service=True, template_only=True)
KINDS = [
    Kind("InferenceService", "serving.kserve.io", _isvc, Traits(completed_by_operator=True, managed_service=True)),
    Kind("ServingRuntime", None, _serving_runtime, _RUNTIME),
    Kind("ClusterServingRuntime", None, _serving_runtime, _RUNTIME),
]
