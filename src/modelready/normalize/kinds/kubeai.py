"""KubeAI (kubeai.org) `Model`: the operator starts the engine `spec.engine` names on the model at
`spec.url`, with `spec.args` and `spec.env`, on the accelerators of `spec.resourceProfile` ("name:count").

KubeAI's vLLM server gets `--model=<url path> --served-model-name=<name>` before the Model's args
(internal/modelcontroller/engine_vllm.go); the image is KubeAI's configured default, so the release is
not in the files. Probes, volumes and the Service are the operator's.
"""

from __future__ import annotations

from ... import data
from ...findings import Loc
from ...load.k8s import K8sObject
from ...load.yamlsrc import YList, YMap
from ..model import Image, Traits, Value, as_int
from ..pods import env_list, operator_pod
from . import Group, Kind, Near

_ENGINES = {"vllm": "vllm", "ollama": "ollama", "sglang": "sglang"}  # KubeAI's spec.engine -> engines.yaml (case-insensitive)
_ACCELERATORS = (("nvidia-", "nvidia.com/gpu"), ("amd-", "amd.com/gpu"), ("google-tpu", "google.com/tpu"))


def _model(obj: K8sObject, spec: YMap, _near: Near) -> list[Group]:
    L = obj.loc
    engine = _ENGINES.get(str(spec.get("engine", "")).lower())
    url = str(spec.get("url") or "")
    image = Image.parse(str(spec["image"]), L("spec", "image")) if isinstance(spec.get("image"), str) else None
    limits, selector = _profile(obj, spec)
    command = list(data.engines().get(engine, {}).get("image_entrypoint") or []) if engine in ("vllm", "sglang") else []
    pod = operator_pod(L("metadata", "name"), image, command, _args(obj, spec, engine, url), env_list(obj, spec.get("env")), limits, selector,
                       name="server")
    group = Group([pod], as_int(spec.get("replicas", spec.get("minReplicas", 1))), L("spec", "minReplicas") if "minReplicas" in spec else L("spec"),
                  model=Value(url, L("spec", "url")) if url and not url.startswith("hf://") else None,
                  model_uri=Value(url, L("spec", "url")) if url else None,
                  resources_by_operator=f"KubeAI's resource profile {spec.get('resourceProfile')!s:.40} sets the pod's cpu, memory and nodes")
    for key, attr in (("minReplicas", "min_replicas"), ("maxReplicas", "max_replicas")):
        if key in spec:
            setattr(group, attr, Value(spec[key], L("spec", key)))
    if engine is None:
        group.notes.append(f"KubeAI engine {spec.get('engine')!s:.30} is not one modelready reads")
    return [group]


def _args(obj: K8sObject, spec: YMap, engine: str | None, url: str) -> list[tuple[str, Loc]]:
    """KubeAI's own vLLM arguments (the model, its served name), then the Model's args, each at its line."""
    L = obj.loc
    args: list[tuple[str, Loc]] = []
    if engine == "vllm":
        path = url.split("://", 1)[1] if url.startswith("hf://") else "/model" if url else ""
        args = [(f"--model={path}", L("spec", "url")), (f"--served-model-name={obj.name}", L("metadata", "name"))]
    items = spec.get("args")
    return args + ([(str(a), L(i, at=items)) for i, a in enumerate(items)] if isinstance(items, YList) else [])


def _profile(obj: K8sObject, spec: YMap) -> tuple[dict[str, Value], dict[str, str]]:
    """`nvidia-gpu-h100:2` -> 2 × nvidia.com/gpu, on the nodes the profile selects (named by the profile)."""
    profile = str(spec.get("resourceProfile") or "")
    name, _, count = profile.partition(":")
    res = next((r for prefix, r in _ACCELERATORS if name.startswith(prefix)), None)
    loc = obj.loc("spec", "resourceProfile")
    limits = {res: Value(as_int(count) or 1, loc, profile)} if res else {}
    return limits, ({"kubeai.org/resource-profile": name} if name else {})


KINDS = [Kind("Model", "kubeai.org", _model, Traits(managed_service=True, partial=True, completed_by_operator=True),
              unread="its engine or model could not be read")]
