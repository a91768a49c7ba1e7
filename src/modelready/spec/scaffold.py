"""`modelready init`: a ModelSpec scaffold from a deployment, filled with what the files say.

What cannot be inferred is left as TODO comments, not placeholder values, so the scaffold validates
and every gap shows as an undeclared field on the checklist until someone fills it in.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..normalize.model import Deployment, as_int

TODO = {
    "model": "family, task, license, lineage, modalities, format, loading, maxGenerationTokens",
    "slo": "latency per operation (ttft, itl, e2e: p50Ms/p95Ms/p99Ms), throughput, loadProfile",
    "observability": "metrics provider, logging level and request IDs, tracing, GPU metrics, alerts, drift",
    "processing": "pre- and post-processing steps, each with enabled:",
    "dependencies": "guardrails, retrievers, rerankers: name, specRef, input/output contracts, latencyBudgetMs, optional",
    "security": "auth, inputValidation, networkPolicy",
    "governance": "owner, pii, retention, approval, guardrails, safetyConstraints, dataGovernance",
    "cost": "target per request or per 1k tokens, instanceTypes, spotAllowed, maxReplicas, attribution",
    "release": "rollout strategy, rollback procedure, shadow evaluation, canaryPrompts, criteria",
}


def scaffold(d: Deployment, params: float | None = None) -> str:
    spec: dict[str, Any] = {"deploymentRef": {"kind": d.kind, "name": d.name}}
    for section, build in SECTIONS.items():
        spec[section] = build(d, params)
    doc = {"apiVersion": "modelready.io/v1alpha1", "kind": "ModelSpec", "metadata": {"name": d.name.removeprefix("release-")}, "spec": spec}
    text = yaml.safe_dump(doc, sort_keys=False, width=120)
    lines = [f"# ModelSpec scaffolded by `modelready init` from {d.kind} {d.name} ({d.origin}).",
             "# Filled from the files; every TODO below is a field the checklist still waits for.", text.rstrip()]
    lines += [f"  # TODO {section}: {what}" for section, what in TODO.items()]
    return "\n".join(lines) + "\n"


def _setting(d: Deployment, name: str):  # type: ignore[no-untyped-def]
    v = d.engine.setting(name) if d.engine else None
    return v.value if v is not None else None


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _model(d: Deployment, params: float | None) -> dict[str, Any]:
    model = _present({"id": d.model.id, "revision": d.model.revision, "uri": d.model.uri,
                      "maxContextTokens": as_int(_setting(d, "max_model_len"))})
    if params:
        model["parameters"] = f"{params / 1e9:.1f}B"
    return model or {"id": "TODO"}


def _precision(d: Deployment, _params: float | None) -> dict[str, Any]:
    return _present({"dtype": _dtype(_setting(d, "dtype")), "quantization": _setting(d, "quantization") or "none"})


def _runtime(d: Deployment, _params: float | None) -> dict[str, Any]:
    e, c = d.engine, d.engine_container
    return _present({"engine": e.name if e else "other", "version": e.version if e else None, "image": c.image.ref if c and c.image else None})


def _hardware(d: Deployment, _params: float | None) -> dict[str, Any]:
    gpu = d.gpu_type()
    hardware: dict[str, Any] = {"gpu": _present({"type": gpu[0] if gpu else None, "count": d.gpus_per_group()})}
    if d.engine:
        hardware["tensorParallel"] = d.engine.int_setting("tensor_parallel", 1)
        hardware["pipelineParallel"] = d.engine.int_setting("pipeline_parallel", 1)
    return hardware


def _serving(d: Deployment, _params: float | None) -> dict[str, Any]:
    e, c = d.engine, d.engine_container
    serving: dict[str, Any] = {"protocol": "http"}
    if e and e.capability("llm_args"):
        serving["api"] = "openai"
        serving["port"] = e.port
    probe = c.probes.get("readiness") if c else None
    if probe is not None and probe.path:
        serving["healthPath"] = probe.path
    return serving


def _scaling(d: Deployment, _params: float | None) -> dict[str, Any]:
    return _present({"minReplicas": as_int(d.min_replicas.value) if d.min_replicas else d.replicas,
                     "maxReplicas": as_int(d.max_replicas.value) if d.max_replicas else d.replicas})


# spec section -> what the files say of it, in the order the scaffold writes them
SECTIONS = {"model": _model, "precision": _precision, "runtime": _runtime, "hardware": _hardware, "serving": _serving, "scaling": _scaling}


def _dtype(x: object) -> str | None:
    return {"half": "float16", "float": "float32", "auto": None}.get(str(x), str(x)) if x is not None else None
