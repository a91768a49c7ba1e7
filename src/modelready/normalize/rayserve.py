"""What Ray runs, read as its controllers run it.

- Ray Serve LLM (`serveConfigV2` of a RayService): each `llm_configs` entry is a vLLM engine whose
  arguments are `engine_kwargs` and whose model is `model_loading_config.model_source` (else model_id).
  The serve config is YAML inside a string; its lines are mapped back onto the file.
- KubeRay injects liveness and readiness probes into the Ray containers of a RayService (KubeRay 0.5+,
  ray.io/v1alpha1 and v1) and of any ray.io/v1 RayCluster (KubeRay 1.1+): Serve routes only to healthy
  replicas. Missing probes on those containers prove nothing.
"""

from __future__ import annotations

from ..findings import Loc
from ..load.k8s import K8sObject
from ..load.yamlsrc import YamlError, YMap, load_one
from .model import Deployment, Engine, Value

# engine_kwargs key -> normalized setting (vLLM's own argument names, as Ray Serve passes them)
_KWARGS = {"tensor_parallel_size": "tensor_parallel", "pipeline_parallel_size": "pipeline_parallel", "max_model_len": "max_model_len",
           "dtype": "dtype", "quantization": "quantization", "kv_cache_dtype": "kv_cache_dtype", "max_num_seqs": "max_num_seqs",
           "gpu_memory_utilization": "gpu_memory_utilization", "max_num_batched_tokens": "max_num_batched_tokens",
           "trust_remote_code": "trust_remote_code", "revision": "revision"}


def probes_injected(obj: K8sObject) -> str | None:
    """Why the Ray containers of `obj` get probes they do not spell out, or None."""
    group = obj.api_version.split("/")[0]
    if obj.kind == "RayService" and group == "ray.io":
        return "KubeRay injects liveness and readiness probes into RayService pods (KubeRay 0.5+)"
    if obj.kind == "RayCluster" and obj.api_version == "ray.io/v1":
        return "KubeRay injects liveness and readiness probes into ray.io/v1 RayCluster pods (KubeRay 1.1+)"
    if obj.kind == "RayClusterFleet" and group == "orchestration.aibrix.ai":
        return "AIBrix creates ray.io/v1 RayClusters from the fleet, and KubeRay injects their probes (KubeRay 1.1+)"
    return None


def serve_engine(obj: K8sObject, dep: Deployment) -> None:
    """A Ray Serve LLM config becomes the deployment's engine (vLLM) and model."""
    spec = obj.body.get("spec")
    if not isinstance(spec, YMap) or not isinstance(spec.get("serveConfigV2"), str):
        return
    offset = spec.lines.get("serveConfigV2", 0)  # a block scalar's first line is the line after its key
    try:
        conf = load_one(spec["serveConfigV2"])
    except (YamlError, ValueError):
        return
    for app in (conf.get("applications") or []) if isinstance(conf, dict) else []:
        args = app.get("args") if isinstance(app, dict) else None
        configs = args.get("llm_configs") if isinstance(args, dict) else None
        for llm in configs or []:
            if not isinstance(llm, YMap):
                continue
            eng = Engine(name="vllm", version=None, version_loc=dep.loc)
            kw, src = llm.get("engine_kwargs"), llm.get("model_loading_config")
            kwargs = kw if isinstance(kw, YMap) else YMap()
            for key, setting in _KWARGS.items():
                if key in kwargs:
                    eng.settings[setting] = Value(kwargs[key], _loc(obj, offset, kwargs.lines.get(key, 0)), f"{key}: {kwargs[key]}")
            source = src if isinstance(src, YMap) else YMap()
            for key in ("model_source", "model_id"):
                if isinstance(source.get(key), str):
                    eng.settings["model"] = Value(source[key], _loc(obj, offset, source.lines.get(key, 0)), source[key])
                    break
            dep.engine = eng
            if dep.engine_container is None:
                dep.engine_container = next((c for _p, c in dep.containers()), None)
            return  # the first model; a multi-model app is read by its first entry


def _loc(obj: K8sObject, offset: int, inner: int) -> Loc:
    line = offset + inner if offset and inner else offset
    return obj.locator(line) if obj.locator else Loc(obj.file, line)
