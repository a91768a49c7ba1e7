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

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare


def resource_only(signals: tuple[str, ...]) -> bool:
    # autoscaling/v1, or v2 with no metrics, scales on 80 % CPU
    return all(s in ("Resource", "ContainerResource") for s in signals)


@declare("hpa-cpu-only", "warning", ["scaling-ml-metrics"],
         "autoscaling follows an ML load signal", "autoscaling follows CPU or memory only",
         doc=__doc__, applies=lambda d: bool(d.autoscalers) or (d.completed_by_operator and d.serving))
def check(d: Deployment) -> Iterator[Hit]:
    for a in d.autoscalers:
        if a.kind == "HorizontalPodAutoscaler" and resource_only(a.signals):
            yield Hit(f"HorizontalPodAutoscaler {a.name} scales {d.name} on CPU/memory only", a.loc)
        if a.kind == "ScaledObject" and a.signals and all(t in ("cpu", "memory") for t in a.signals):
            yield Hit(f"ScaledObject {a.name} scales {d.name} on CPU/memory only", a.loc)
    metric = d.annotations.get("serving.kserve.io/metric")
    if d.completed_by_operator and metric in ("cpu", "memory"):
        yield Hit(f"InferenceService scales on {metric}", d.loc)


CHECKS = [check]
