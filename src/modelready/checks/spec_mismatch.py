"""
## What it does
Holds what a ModelSpec declares against the deployment it describes (`deploymentRef`, else the
workload named like the spec): precision vs `--dtype`/`--quantization`, tensor/pipeline parallel vs
the engine's flags, GPU type vs the node selector, port vs the engine's port, health path vs the
readiness probe, replica bounds vs the autoscaler, engine version and image vs what runs.

## Why it matters
The spec is what was reviewed and approved; the manifest is what runs. When they disagree, either
the review was of fiction or the deployment drifted from the plan (checklist 002: "Runtime config
matches initial intent").

## Example
```yaml
# ModelSpec: precision: {dtype: bfloat16}, hardware: {tensorParallel: 2}
# Deployment: args: [--dtype, float16, --tensor-parallel-size, "4"]
```

## Instead
```yaml
# Deployment: args: [--dtype, bfloat16, --tensor-parallel-size, "2"]
```

## References
- ModelSpec schema: docs/modelspec-v1alpha1.schema.json
"""

from __future__ import annotations

from typing import Callable, Iterator

from .. import data
from ..findings import Severity
from ..normalize.model import as_int
from ..normalize.modelspec import ModelSpec
from ..normalize.specs import SpecView
from . import Check, Hit
from ._spec import engines

DTYPE_ALIASES = {"half": "float16", "float16": "float16", "bfloat16": "bfloat16", "float": "float32", "float32": "float32"}


def precision(v: SpecView) -> Iterator[Hit]:
    want = v.spec.dtype
    for d, e in engines(v):
        dt = e.setting("dtype")
        if dt is not None and DTYPE_ALIASES.get(str(dt.value)) not in (None, want) and want in DTYPE_ALIASES.values():
            yield Hit(f"spec precision.dtype is {want} but {d.kind} {d.name} runs --dtype {dt.value}", dt.loc)
    q = v.spec.quantization
    for d, e in engines(v):
        got = e.setting("quantization")
        if q in (None, "none") and got is not None:
            yield Hit(f"spec declares no quantization but {d.name} runs --quantization {got.value}", got.loc)
        elif q not in (None, "none") and (got is None or str(got.value) != str(q)):
            yield Hit(f"spec precision.quantization is {q} but {d.name} runs {got.value if got else 'without quantization'}", got.loc if got else d.loc)


def parallelism(v: SpecView) -> Iterator[Hit]:
    for key, setting, flag, want in (("tensorParallel", "tensor_parallel", "tensor parallel", v.spec.tensor_parallel),
                                     ("pipelineParallel", "pipeline_parallel", "pipeline parallel", v.spec.pipeline_parallel)):
        if want is None:
            continue
        for d, e in engines(v):
            got = e.int_setting(setting, 1)
            if got != want:
                val = e.setting(setting)
                yield Hit(f"spec hardware.{key} is {want} but {d.name} runs {flag} {got}", val.loc if val else d.loc)


def gpu_type(v: SpecView) -> Iterator[Hit]:
    want = data.gpu_by_name(v.spec.gpu_type)
    for d, _e in engines(v):
        for pod in d.pods:
            for key, value, named in pod.selected_gpus():
                if want and named[0] != want[0]:
                    yield Hit(f"spec hardware.gpu.type is {want[0]} but nodeSelector {key}: {value} selects {named[0]}", pod.loc)


def port(v: SpecView) -> Iterator[Hit]:
    want = v.spec.port
    for d, e in engines(v):
        if e.known:
            got = e.port
            if got is not None and got != want:
                where = e.setting("port")
                yield Hit(f"spec serving.port is {want} but {d.name} listens on {got}", where.loc if where else d.loc)


def health(v: SpecView) -> Iterator[Hit]:
    want = str(v.spec.health_path)
    for d, _e in engines(v):
        probe = d.engine_container.probes.get("readiness") if d.engine_container else None
        if probe is not None and probe.handler == "httpGet" and str(probe.path) != want:
            yield Hit(f"spec serving.healthPath is {want} but the readiness probe of {d.name} calls {probe.path}", probe.loc)


def replicas(v: SpecView) -> Iterator[Hit]:
    for key, attr, want in (("minReplicas", "min_replicas", v.spec.min_replicas), ("maxReplicas", "max_replicas", v.spec.max_replicas)):
        if want is None:
            continue
        for d, _e in engines(v):
            got = getattr(d, attr)
            if got is None and key == "minReplicas" and not d.autoscalers and d.replicas is not None:
                if d.replicas != want:
                    yield Hit(f"spec scaling.minReplicas is {want} but {d.name} runs a fixed {d.replicas} replicas", d.replicas_loc)
            elif got is not None and as_int(got.value) != want:
                yield Hit(f"spec scaling.{key} is {want} but the autoscaler of {d.name} says {got.value}", got.loc)


def version(v: SpecView) -> Iterator[Hit]:
    want_v, want_img = v.spec.version, v.spec.image
    for d, e in engines(v):
        if want_v is not None and str(e.version) != str(want_v).lstrip("v"):
            yield Hit(f"spec runtime.version is {want_v} but {d.name} runs {e.name} {e.version or '(unknown version)'}", e.version_loc or d.loc)
        img = d.engine_container.image if d.engine_container else None
        if want_img is not None and img is not None and img.ref != want_img:
            yield Hit(f"spec runtime.image is {want_img} but {d.name} runs {img.ref}", img.loc)


def _check(id: str, sev: str, items: list[str], declared: Callable[[ModelSpec], bool], passed: str, failed: str,
           fn: Callable[[SpecView], Iterator[Hit]]) -> Check[SpecView]:
    """`declared`: the spec states what `fn` compares; it applies to specs that describe a deployment with an engine."""
    return Check[SpecView](id, Severity.parse(sev), tuple(items) + ("config-matches-intent",), __doc__, passed, failed, fn,
                           applies=lambda v: declared(v.spec) and bool(engines(v)), scope="spec")


CHECKS = [
    _check("spec-precision-mismatch", "error", ["precision-explicit"], lambda s: "precision" in s.sections, "precision matches the spec", "precision differs from the spec", precision),
    _check("spec-parallelism-mismatch", "error", ["parallelism-valid"], lambda s: "hardware" in s.sections, "parallelism matches the spec", "parallelism differs from the spec", parallelism),
    _check("spec-gpu-type-mismatch", "error", ["gpu-type-matches"], lambda s: s.gpu_type is not None, "node selection picks the spec's GPU", "node selection picks another GPU than the spec", gpu_type),
    _check("spec-port-mismatch", "error", ["port-configured"], lambda s: s.port is not None, "the engine listens on the spec's port", "the engine's port differs from the spec", port),
    _check("spec-health-path-mismatch", "warning", ["readiness-probe-health"], lambda s: s.health_path is not None, "the readiness probe calls the spec's health path", "the readiness probe calls another path than the spec", health),
    _check("spec-replicas-mismatch", "warning", ["min-max-replicas"], lambda s: "scaling" in s.sections, "replica bounds match the spec", "replica bounds differ from the spec", replicas),
    _check("spec-version-mismatch", "error", ["runtime-version-pinned"], lambda s: "runtime" in s.sections, "the engine version and image match the spec", "the engine version or image differs from the spec", version),
]
