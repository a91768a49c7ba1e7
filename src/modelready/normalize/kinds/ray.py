"""Ray (ray.io): RayService, RayCluster, RayJob; AIBrix's RayClusterFleet. Read as their controllers run them.

- Head and worker groups are one serving group (the generic template walk, operators.py).
- Ray Serve (`serveConfigV2` of a RayService, YAML inside a string whose lines are mapped back onto the
  file): a Ray Serve LLM `llm_configs` entry is a vLLM engine whose arguments are `engine_kwargs`, whose
  model is `model_loading_config.model_source` (else model_id) and whose env is the application's
  `runtime_env.env_vars`; an application that passes vLLM's own argument names (`model`,
  `tensor_parallel_size`) in its `args` is read as a vLLM engine too, with a note saying so.
- KubeRay injects liveness and readiness probes into the Ray containers of a RayService (KubeRay 0.5+,
  ray.io/v1alpha1 and v1) and of any ray.io/v1 RayCluster (KubeRay 1.1+): missing probes prove nothing.
"""

from __future__ import annotations

from typing import Any

from ...findings import Loc
from ...load.k8s import K8sObject
from ...load.yamlsrc import YamlError, YMap, load_one
from ..model import Engine, EnvVar, Invocation, Traits, Value
from . import Group, Kind, Near
from .operators import read_generic

# engine_kwargs key -> normalized setting (vLLM's own argument names, as Ray Serve passes them)
KWARGS = {"tensor_parallel_size": "tensor_parallel", "pipeline_parallel_size": "pipeline_parallel", "max_model_len": "max_model_len",
          "dtype": "dtype", "quantization": "quantization", "kv_cache_dtype": "kv_cache_dtype", "max_num_seqs": "max_num_seqs",
          "gpu_memory_utilization": "gpu_memory_utilization", "max_num_batched_tokens": "max_num_batched_tokens",
          "trust_remote_code": "trust_remote_code", "revision": "revision", "model": "model", "served_model_name": "served_model_name"}


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


def _ray(obj: K8sObject, spec: YMap, _near: Near) -> list[Group]:
    groups = read_generic(obj, spec)
    for g in groups:
        if any(p.role in ("head", "worker") for p in g.pods):
            g.injected_probes = probes_injected(obj)
        g.engine = serve_engine(obj, spec)
    return groups


def serve_engine(obj: K8sObject, spec: YMap) -> Engine | None:
    """The first model of a Ray Serve config as a vLLM engine (a multi-model app is read by its first entry)."""
    if not isinstance(spec.get("serveConfigV2"), str):
        return None
    offset = spec.lines.get("serveConfigV2", 0)  # a block scalar's first line is the line after its key
    try:
        conf = load_one(spec["serveConfigV2"])
    except (YamlError, ValueError):
        return None
    apps = [a for a in (conf.get("applications") or []) if isinstance(a, YMap)] if isinstance(conf, dict) else []
    found = next((e for a in apps if (e := _args_engine(obj, offset, a)) is not None), None)
    return found or next((e for a in apps if (e := _env_configured(obj, offset, a)) is not None), None)


def _args_engine(obj: K8sObject, offset: int, app: YMap) -> Engine | None:
    """Ray Serve LLM's llm_configs, or vLLM's own argument names in the application's args."""
    args = app.get("args")
    if not isinstance(args, YMap):
        return None
    env = _runtime_env(obj, offset, app)
    configs = args.get("llm_configs")
    llm = next((x for x in configs if isinstance(x, YMap)), None) if isinstance(configs, list) else None
    if llm is not None:
        return _llm_config(obj, offset, llm, env)
    if "model" in args and any(k in args for k in KWARGS if k != "model"):
        eng = _kwargs_engine(obj, offset, args, env)
        eng.assumed = f"Ray Serve application {app.get('name') or app.get('import_path')!s:.60} passes vLLM's argument names: read as vLLM"
        return _pinned(eng, app)
    return None


def _env_configured(obj: K8sObject, offset: int, app: YMap) -> Engine | None:
    env = _runtime_env(obj, offset, app)
    if "vllm" in str(app.get("import_path", "")).lower() and any(e.name in ENV_SETTINGS for e in env):
        return _pinned(_env_engine(app, env), app)
    return None


# runtime_env variables a vLLM Serve application reads (KubeRay's samples/vllm/serve.py) -> setting
ENV_SETTINGS = {"MODEL_ID": "model", "TENSOR_PARALLELISM": "tensor_parallel", "PIPELINE_PARALLELISM": "pipeline_parallel",
                "MAX_MODEL_LEN": "max_model_len", "DTYPE": "dtype"}


def _env_engine(app: YMap, env: list[EnvVar]) -> Engine:
    eng = Engine(name="vllm", version=None, version_loc=None)
    for e in env:
        if e.name in ENV_SETTINGS and e.value is not None and "$" not in e.value:
            eng.settings[ENV_SETTINGS[e.name]] = Value(e.value, e.loc, f"{e.name}={e.value}")
    eng.invocation = Invocation("Ray Serve application runtime_env", [], env, env[0].loc if env else None)
    eng.assumed = (f"Ray Serve application {app.get('name') or app.get('import_path')!s:.60} imports a vLLM deployment configured by "
                   f"runtime_env variables ({', '.join(sorted(e.name for e in env if e.name in ENV_SETTINGS))}): read as vLLM")
    return eng


def _pinned(eng: Engine, app: YMap) -> Engine:
    """The vLLM release a `runtime_env.pip: [vllm==X]` installs."""
    renv = app.get("runtime_env")
    pip = renv.get("pip") if isinstance(renv, YMap) else None
    for spec in pip if isinstance(pip, list) else []:
        name, _, version = str(spec).partition("==")
        if name.strip().lower() == "vllm" and version:
            eng.version = version.strip()
    return eng


def _llm_config(obj: K8sObject, offset: int, llm: YMap, env: list[EnvVar]) -> Engine:
    kw, src = llm.get("engine_kwargs"), llm.get("model_loading_config")
    eng = _kwargs_engine(obj, offset, kw if isinstance(kw, YMap) else YMap(), env)
    source = src if isinstance(src, YMap) else YMap()
    for key in ("model_source", "model_id"):
        if isinstance(source.get(key), str):
            eng.settings["model"] = Value(source[key], _loc(obj, offset, source.lines.get(key, 0)), source[key])
            break
    return eng


def _kwargs_engine(obj: K8sObject, offset: int, kwargs: YMap, env: list[EnvVar]) -> Engine:
    # argv_seen stays False: Ray Serve places several replicas on a cluster's GPUs (deployment_config), and
    # settings it does not pass are Ray Serve LLM's defaults, not vLLM's; absence proves nothing here
    eng = Engine(name="vllm", version=None, version_loc=None)
    for key, setting in KWARGS.items():
        if key in kwargs:
            eng.settings[setting] = Value(kwargs[key], _loc(obj, offset, kwargs.lines.get(key, 0)), f"{key}: {kwargs[key]}")
    eng.invocation = Invocation("Ray Serve application (serveConfigV2)", [], env, _loc(obj, offset, 0))
    return eng


def _runtime_env(obj: K8sObject, offset: int, app: Any) -> list[EnvVar]:
    renv = app.get("runtime_env") if isinstance(app, YMap) else None
    env_vars = renv.get("env_vars") if isinstance(renv, YMap) else None
    if not isinstance(env_vars, YMap):
        return []
    return [EnvVar(str(k), str(v), None, _loc(obj, offset, env_vars.lines.get(k, 0))) for k, v in env_vars.items()]


def _loc(obj: K8sObject, offset: int, inner: int) -> Loc:
    line = offset + inner if offset and inner else offset
    return obj.locator(line) if obj.locator else Loc(obj.file, line)


KINDS = ([Kind(k, "ray.io", _ray) for k in ("RayService", "RayCluster")] + [Kind("RayJob", "ray.io", _ray, Traits(batch=True))]
         + [Kind("RayClusterFleet", "orchestration.aibrix.ai", _ray)])
