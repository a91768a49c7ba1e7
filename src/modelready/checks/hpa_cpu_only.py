"""
## What it does
Checks what the autoscaler of a serving deployment scales on: an HPA with only CPU or memory
metrics (or none, which means CPU), or a KServe `scaleMetric` of cpu or memory.

## Why it matters
LLM serving is bound by the GPU and the KV cache; the CPU sits near idle while requests queue.
A CPU-based autoscaler never adds replicas under load, or adds them for the wrong reason (tokenizer
bursts). Queue length (`vllm:num_requests_waiting`), KV-cache usage or concurrency track load.

## Example
```yaml
metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}]
```

## Instead
```yaml
metrics:
- type: Pods
  pods: {metric: {name: vllm_num_requests_waiting}, target: {type: AverageValue, averageValue: "5"}}
```

## References
- vLLM production metrics: https://docs.vllm.ai/en/latest/serving/metrics.html
"""

from __future__ import annotations

from . import Hit, declare


def resource_only(spec: dict) -> bool:
    metrics = spec.get("metrics")
    if not metrics:
        return True  # autoscaling/v1, or v2 with no metrics: 80 % CPU
    return all(isinstance(m, dict) and m.get("type") in ("Resource", "ContainerResource") for m in metrics)


@declare("hpa-cpu-only", "warning", ["scaling-ml-metrics"],
         "autoscaling follows an ML load signal", "autoscaling follows CPU or memory only",
         doc=__doc__, applies=lambda d: bool(d.autoscalers) or (d.kind == "InferenceService" and d.serving))
def check(d):
    for a in d.autoscalers:
        spec = a.body.get("spec") or {}
        if a.kind == "HorizontalPodAutoscaler" and resource_only(spec):
            yield Hit(f"HorizontalPodAutoscaler {a.name} scales {d.name} on CPU/memory only", a.loc)
        if a.kind == "ScaledObject":
            triggers = spec.get("triggers") or []
            if triggers and all(isinstance(t, dict) and t.get("type") in ("cpu", "memory") for t in triggers):
                yield Hit(f"ScaledObject {a.name} scales {d.name} on CPU/memory only", a.loc)
    metric = d.annotations.get("serving.kserve.io/metric")
    if d.kind == "InferenceService" and metric in ("cpu", "memory"):
        yield Hit(f"InferenceService scales on {metric}", d.loc)


CHECKS = [check]
