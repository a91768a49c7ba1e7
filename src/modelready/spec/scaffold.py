"""`modelready init`: a ModelSpec scaffold from a deployment, filled with what the files say.

What cannot be inferred is left as TODO comments, not placeholder values, so the scaffold validates
and every gap shows as an undeclared field on the checklist until someone fills it in.
"""

from __future__ import annotations

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
    e = d.engine
    setting = (lambda name: e.setting(name).value if e and e.setting(name) is not None else None)
    spec: dict = {"deploymentRef": {"kind": d.kind, "name": d.name}}
    model = {k: v for k, v in {"id": d.model.id, "revision": d.model.revision, "uri": d.model.uri,
                               "maxContextTokens": as_int(setting("max_model_len"))}.items() if v is not None}
    if params:
        model["parameters"] = f"{params / 1e9:.1f}B"
    spec["model"] = model or {"id": "TODO"}
    precision = {"dtype": _dtype(setting("dtype")), "quantization": setting("quantization") or "none"}
    spec["precision"] = {k: v for k, v in precision.items() if v is not None}
    c = d.engine_container
    runtime = {"engine": e.name if e else "other", "version": e.version if e else None, "image": c.image.ref if c and c.image else None}
    spec["runtime"] = {k: v for k, v in runtime.items() if v is not None}
    gpu = d.gpu_type()
    hardware: dict = {"gpu": {k: v for k, v in {"type": gpu[0] if gpu else None, "count": d.gpus_per_group()}.items() if v is not None}}
    if e:
        hardware["tensorParallel"] = e.int_setting("tensor_parallel", 1)
        hardware["pipelineParallel"] = e.int_setting("pipeline_parallel", 1)
    spec["hardware"] = hardware
    serving: dict = {"protocol": "http"}
    if e and e.name in ("vllm", "sglang", "tgi"):
        serving["api"] = "openai"
        serving["port"] = e.port
    probe = c.probes.get("readiness") if c else None
    if probe is not None and probe.path:
        serving["healthPath"] = probe.path
    spec["serving"] = serving
    scaling = {"minReplicas": as_int(d.min_replicas.value) if d.min_replicas else d.replicas,
               "maxReplicas": as_int(d.max_replicas.value) if d.max_replicas else d.replicas}
    spec["scaling"] = {k: v for k, v in scaling.items() if v is not None}
    doc = {"apiVersion": "modelready.io/v1alpha1", "kind": "ModelSpec", "metadata": {"name": d.name.removeprefix("release-")}, "spec": spec}
    text = yaml.safe_dump(doc, sort_keys=False, width=120)
    lines = [f"# ModelSpec scaffolded by `modelready init` from {d.kind} {d.name} ({d.origin}).",
             "# Filled from the files; every TODO below is a field the checklist still waits for.", text.rstrip()]
    lines += [f"  # TODO {section}: {what}" for section, what in TODO.items()]
    return "\n".join(lines) + "\n"


def _dtype(x):
    return {"half": "float16", "float": "float32", "auto": None}.get(str(x), str(x)) if x is not None else None
