"""OME (ome.io): an `InferenceService` names a `ClusterBaseModel` and a `ClusterServingRuntime` whose
engine (SGLang, vLLM) the operator matches to the model; the pods are assembled from all three. Until the
runtime is read beside it, it is said as not analysed, never passed silently."""

from __future__ import annotations

from ...load.k8s import K8sObject
from ...load.yamlsrc import YMap
from . import Group, Kind, Near
from .operators import read_generic


def _isvc(obj: K8sObject, spec: YMap, near: Near) -> list[Group]:
    return read_generic(obj, spec)  # an inline engine/decoder pod template, where one is written


KINDS = [
    Kind("InferenceService", "ome.io", _isvc,
         unread="OME assembles its pods from the ClusterServingRuntime and ClusterBaseModel it matches; neither is read"),
    Kind("ClusterBaseModel", "ome.io", None, creates_pods=False),
    Kind("BaseModel", "ome.io", None, creates_pods=False),
]
