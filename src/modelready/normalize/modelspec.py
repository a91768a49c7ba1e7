"""What a ModelSpec declares, typed: the fields checks hold against the deployment, read once here so that
no check walks the document. A field the spec leaves out (or gives in a type the schema does not allow) is
None; `modelspec-invalid` reports the latter."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from .model import as_int


def _map(x: object) -> Mapping[str, Any]:
    return x if isinstance(x, Mapping) else {}


def _str(x: object) -> str | None:
    return None if x is None or isinstance(x, (dict, list)) else str(x)


def _float(x: object) -> float | None:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def parameters(text: object) -> float | None:
    """model.parameters as a count: 8030000000, "8B", "350M"."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    m = re.fullmatch(r"([0-9.]+)([BMbm])", str(text or ""))
    return float(m.group(1)) * (1e9 if m.group(2) in "Bb" else 1e6) if m else None


@dataclass(frozen=True)
class ModelSpec:
    sections: frozenset[str]  # the top-level sections of `spec` that are declared (precision, hardware, ...)
    parameters: float | None  # model.parameters
    max_context: int | None  # model.maxContextTokens
    loading: str | None  # model.loading: how the weights reach the pod (checks on weight storage respect it)
    dtype: str | None  # precision.dtype
    quantization: str | None  # precision.quantization ("none" when declared as none)
    gpu_type: str | None  # hardware.gpu.type
    gpu_memory_gib: float | None  # hardware.gpu.memoryGiB
    gpu_memory_utilization: float | None  # hardware.gpuMemoryUtilization
    overhead_gib: float | None  # hardware.overheadGiB
    tensor_parallel: int | None  # hardware.tensorParallel
    pipeline_parallel: int | None  # hardware.pipelineParallel
    port: int | None  # serving.port
    health_path: str | None  # serving.healthPath
    min_replicas: int | None  # scaling.minReplicas
    max_replicas: int | None  # scaling.maxReplicas
    version: str | None  # runtime.version
    image: str | None  # runtime.image
    latency_p95_ms: dict[str, float] = field(default_factory=dict)  # slo.latency.<operation>.p95Ms

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> ModelSpec:
        model, precision, hardware = _map(spec.get("model")), _map(spec.get("precision")), _map(spec.get("hardware"))
        gpu, serving, scaling, runtime = _map(hardware.get("gpu")), _map(spec.get("serving")), _map(spec.get("scaling")), _map(spec.get("runtime"))
        latency = _map(_map(spec.get("slo")).get("latency"))
        return cls(
            sections=frozenset(k for k, v in spec.items() if v is not None),
            parameters=parameters(model.get("parameters")),
            max_context=as_int(model.get("maxContextTokens")),
            loading=_str(model.get("loading")),
            dtype=_str(precision.get("dtype")),
            quantization=_str(precision.get("quantization")),
            gpu_type=_str(gpu.get("type")),
            gpu_memory_gib=_float(gpu.get("memoryGiB")),
            gpu_memory_utilization=_float(hardware.get("gpuMemoryUtilization")),
            overhead_gib=_float(hardware.get("overheadGiB")),
            tensor_parallel=as_int(hardware.get("tensorParallel")),
            pipeline_parallel=as_int(hardware.get("pipelineParallel")),
            port=as_int(serving.get("port")),
            health_path=_str(serving.get("healthPath")),
            min_replicas=as_int(scaling.get("minReplicas")),
            max_replicas=as_int(scaling.get("maxReplicas")),
            version=_str(runtime.get("version")),
            image=_str(runtime.get("image")),
            latency_p95_ms={str(op): p95 for op, t in latency.items() if (p95 := _float(_map(t).get("p95Ms"))) is not None},
        )
