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
    cfg = m(spec.get("backendRuntimeConfig") or spec.get("backendConfig"))  # backendConfig before llmaz 0.1
    backend = _BACKENDS.get(str(cfg.get("backendName") or cfg.get("name") or "vllm").lower())
    claim = _claim(spec)
    model, om = _open_model(obj, near, claim) if claim else (None, None)
    args: list[tuple[str, Loc]] = []
    if model is not None and backend in ("vllm", "sglang"):
        args.append((f"--model={model.value}", model.loc))
    items = cfg.get("args")
    if isinstance(items, YMap):  # v1alpha1 before 0.1: args: {name: default, flags: [...]}
        items = items.get("flags")
    args += [(str(a), obj.loc(i, at=items)) for i, a in enumerate(items)] if isinstance(items, YList) else []
    limits = _limits(obj, cfg, om)
    entry = data.engines().get(backend or "", {}).get("image_entrypoint") if backend in ("vllm", "sglang", "tgi") else None
    pod = operator_pod(obj.loc("metadata", "name"), None, list(entry or []), args, env_list(obj, cfg.get("envs")), limits, name="model-runner")
    group = Group([pod], as_int(spec.get("replicas", 1)), obj.loc("spec", "replicas") if "replicas" in spec else obj.loc("spec"),
                  model=model, partial=True, claimed=model, more_args="llmaz's BackendRuntime adds the arguments of its recommended config")
    group.notes.append(f"llmaz's {backend or cfg.get('backendName')} BackendRuntime starts the engine; its image and release are not in the files")
    return [group]


def _limits(obj: K8sObject, cfg: YMap, om: K8sObject | None) -> dict[str, Value]:
    """The backend config's resource limits, else the OpenModel's first inference flavor's."""
    res = m(cfg.get("resources"))
    limits = {str(k): Value(v, obj.loc("limits", k, at=res)) for k, v in m(res.get("limits")).items()}
    if limits or om is None:
        return limits
    flavors = m(m(om.body.get("spec")).get("inferenceConfig")).get("flavors")
    first = m(flavors[0]) if isinstance(flavors, list) and flavors else m(None)
    return {str(k): Value(v, om.loc("limits", k, at=first)) for k, v in m(first.get("limits")).items()}


def _claim(spec: YMap) -> str | None:
    """The (target) model a Playground claims: modelClaim, modelClaims.models[0] or multiModelsClaim.modelNames[0]."""
    one = m(spec.get("modelClaim")).get("modelName")
    models = m(spec.get("modelClaims")).get("models")
    names = m(spec.get("multiModelsClaim")).get("modelNames")
    first = one or (m(models[0]).get("name") if isinstance(models, list) and models else None) or (
        names[0] if isinstance(names, list) and names else None)
    return str(first) if first else None


def _open_model(obj: K8sObject, near: Near, name: str) -> tuple[Value | None, K8sObject | None]:
    om = near.get(obj, "OpenModel", name)
    if om is None:
        return Value(name, obj.loc("spec")), None  # the claim's name, when the OpenModel is not beside it
    source = m(m(om.body.get("spec")).get("source"))
    hub = m(source.get("modelHub"))
    if hub.get("modelID"):
        return Value(str(hub["modelID"]), om.loc("modelID", at=hub)), om
    if source.get("uri"):
        return Value(str(source["uri"]), om.loc("uri", at=source)), om
    return None, om


def _service(obj: K8sObject, spec: YMap, near: Near) -> list[Group]:
    """An llmaz Service: its own LeaderWorkerSet template, whose containers start the engine themselves, and
    the models it claims, which llmaz's model loader fetches into the pods."""
    groups = read_generic(obj, spec)
    claim = _claim(spec)
    model = _open_model(obj, near, claim)[0] if claim else None
    for g in groups:
        g.model, g.claimed = g.model or model, model
    return groups


_OPERATED = Traits(managed_service=True, partial=True, completed_by_operator=True)
KINDS = [
    Kind("Playground", "inference.llmaz.io", _playground, _OPERATED),
    Kind("Service", "inference.llmaz.io", _service, _OPERATED),
    Kind("OpenModel", "llmaz.io", None, creates_pods=False),
]
