"""KServe LLMInferenceService and LLMInferenceServiceConfig (serving.kserve.io, v1alpha1 and v1alpha2).

The controller merges the service with its LLMInferenceServiceConfig templates (the base configs and
`baseRefs`) and mounts `model.uri`: the pods in the files are partial. A `prefill` section is a second
serving unit (disaggregated prefill and decode).
"""

from __future__ import annotations

from ...load.k8s import K8sObject
from ...load.yamlsrc import YMap
from ..model import Traits, Value, as_int
from ..pods import m, read_pod
from . import Group, Kind, Near


def _llm_isvc(obj: K8sObject, spec: YMap, _near: Near) -> list[Group]:
    L = obj.loc
    out = []
    model = m(spec.get("model"))
    for suffix, part in (("", spec), ("/prefill", m(spec.get("prefill")))):
        group = Group([], as_int(part.get("replicas", 1)), L("replicas", at=part) if part else L("spec"), suffix=suffix, partial=True)
        if isinstance(part.get("template"), dict):
            group.pods.append(read_pod(obj, "main", 1, part["template"]))
        if isinstance(part.get("worker"), dict):
            group.pods.append(read_pod(obj, "worker", 1, part["worker"]))
        if model.get("uri"):
            group.model_uri = Value(model["uri"], L("uri", at=model))
        if not group.pods and suffix == "" and model.get("uri"):
            # no template: the well-known config (vLLM) runs the model; said as assumed, never an error
            group.notes.append("no pod template: the controller's default LLMInferenceServiceConfig (vLLM) starts the model")
        out.append(group)
    return out


_LLM = Traits(managed_service=True, partial=True)
KINDS = [
    Kind("LLMInferenceService", "serving.kserve.io", _llm_isvc, _LLM),
    Kind("LLMInferenceServiceConfig", "serving.kserve.io", _llm_isvc, Traits(managed_service=True, partial=True, template_only=True)),
]
