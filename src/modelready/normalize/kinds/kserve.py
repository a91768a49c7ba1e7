"""KServe (serving.kserve.io): InferenceService, ServingRuntime, ClusterServingRuntime.

An InferenceService's predictor either spells out its containers or names a model (`model:` with a
modelFormat and a runtime, or a legacy framework key); then the ServingRuntime supplies the image,
command and probes, and KServe appends the predictor's args and env to the runtime container's.
"""

from __future__ import annotations

from ...load.k8s import K8sObject
from ...load.yamlsrc import YMap
from ..model import Traits, Value, as_int
from ..pods import m, read_pod
from . import Group, Kind, Near

_FRAMEWORKS = ("model", "huggingface", "pytorch", "tensorflow", "sklearn", "xgboost", "onnx", "triton", "lightgbm", "paddle", "pmml")


def _serving_runtime(obj: K8sObject, spec: YMap, _near: Near) -> list[Group]:
    pods = [read_pod(obj, "main", 1, spec)]
    if isinstance(spec.get("workerSpec"), dict):
        pods.append(read_pod(obj, "worker", 1, spec["workerSpec"]))
    return [Group(pods, None, obj.loc("spec"))]


def _isvc(obj: K8sObject, spec: YMap, _near: Near) -> list[Group]:
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
                group.pods.append(read_pod(obj, "main", 1, pred, containers=[part]))
                group.partial = True  # image, probes and volumes come from the ServingRuntime
                break
    if isinstance(pred.get("workerSpec"), dict):
        group.pods.append(read_pod(obj, "worker", 1, pred["workerSpec"]))
    return [group]


_RUNTIME = Traits(managed_service=True, template_only=True)
KINDS = [
    Kind("InferenceService", "serving.kserve.io", _isvc, Traits(completed_by_operator=True, managed_service=True)),
    Kind("ServingRuntime", None, _serving_runtime, _RUNTIME),
    Kind("ClusterServingRuntime", None, _serving_runtime, _RUNTIME),
]
