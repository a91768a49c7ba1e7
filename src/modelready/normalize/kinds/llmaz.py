"""llmaz (llmaz.io, inference.llmaz.io): a `Playground` serves the `OpenModel` its `modelClaim` names with
the backend its `backendRuntimeConfig` picks (vLLM by default), with that config's args, envs and
resources; the model is the OpenModel's `source.modelHub.modelID` (or `source.uri`). llmaz's
BackendRuntime starts vLLM as `python3 -m vllm.entrypoints.openai.api_server --model <model path>`, then
the Playground's args, so a `--model` among them replaces the claimed model. A `Service`
(inference.llmaz.io) holds its pod template in `workloadTemplate`: read by the generic walk.
"""

from __future__ import annotations

from ... import data
from ...findings import Loc
from ...load.k8s import K8sObject
from ...load.yamlsrc import YList, YMap
from ..model import Traits, Value, as_int
from ..pods import env_list, m, operator_pod
from . import Group, Kind, Near
from .operators import read_generic

_BACKENDS = {"vllm": "vllm", "sglang": "sglang", "tgi": "tgi", "ollama": "ollama", "llamacpp": "llamacpp"}


def _playground(obj: K8sObject, spec: YMap, near: Near) -> list[Group]:
    cfg = m(spec.get("backendRuntimeConfig"))
    backend = _BACKENDS.get(str(cfg.get("backendName") or cfg.get("name") or "vllm").lower())
    claim = m(spec.get("modelClaim")).get("modelName") or next(
        (x.get("modelName") for x in m(spec.get("modelClaims")).get("models") or [] if isinstance(x, YMap)), None)
    model = _open_model(obj, near, str(claim)) if claim else None
    args: list[tuple[str, Loc]] = []
    if model is not None and backend in ("vllm", "sglang"):
        args.append((f"--model={model.value}", model.loc))
    items = cfg.get("args")
    if isinstance(items, YMap):  # v1alpha1 before 0.1: args: {name: default, flags: [...]}
        items = items.get("flags")
    args += [(str(a), obj.loc(i, at=items)) for i, a in enumerate(items)] if isinstance(items, YList) else []
    res = m(cfg.get("resources"))
    limits = {str(k): Value(v, obj.loc("limits", k, at=res)) for k, v in m(res.get("limits")).items()}
    entry = data.engines().get(backend or "", {}).get("image_entrypoint") if backend in ("vllm", "sglang", "tgi") else None
    pod = operator_pod(obj.loc("metadata", "name"), None, list(entry or []), args, env_list(obj, cfg.get("envs")), limits, name="model-runner")
    group = Group([pod], as_int(spec.get("replicas", 1)), obj.loc("spec", "replicas") if "replicas" in spec else obj.loc("spec"),
                  model=model, partial=True, more_args="llmaz's BackendRuntime adds the arguments of its recommended config")
    group.notes.append(f"llmaz's {backend or cfg.get('backendName')} BackendRuntime starts the engine; its image and release are not in the files")
    return [group]


def _open_model(obj: K8sObject, near: Near, name: str) -> Value | None:
    om = near.get(obj, "OpenModel", name)
    if om is None:
        return Value(name, obj.loc("spec", "modelClaim"))  # the claim's name, when the OpenModel is not beside it
    source = m(m(om.body.get("spec")).get("source"))
    hub = m(source.get("modelHub"))
    if hub.get("modelID"):
        return Value(str(hub["modelID"]), om.loc("modelID", at=hub))
    if source.get("uri"):
        return Value(str(source["uri"]), om.loc("uri", at=source))
    return None


_OPERATED = Traits(managed_service=True, partial=True, completed_by_operator=True)
KINDS = [
    Kind("Playground", "inference.llmaz.io", _playground, _OPERATED),
    Kind("Service", "inference.llmaz.io", read_generic, _OPERATED),
    Kind("OpenModel", "llmaz.io", None, creates_pods=False),
]
