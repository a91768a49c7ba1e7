"""
## What it does
Looks for something that scrapes the engine's metrics: a ServiceMonitor selecting the deployment's
Service, a PodMonitor or PodMonitoring selecting its pods, or `prometheus.io/scrape` annotations.

## Why it matters
vLLM, TGI and SGLang export queue length, time to first token, token throughput and KV-cache usage
on `/metrics`. Unscraped, those numbers exist only for the life of the pod: no latency SLO can be
watched, no autoscaler can use them, and an OOM or a stuck queue goes unseen.

## Example
```yaml
kind: Deployment   # engine on :8000, nothing scrapes /metrics
```

## Instead
```yaml
kind: ServiceMonitor
spec: {selector: {matchLabels: {app: vllm}}, endpoints: [{port: http, path: /metrics}]}
```

## References
- Prometheus Operator ServiceMonitor: https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.ServiceMonitor
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare


@declare("metrics-not-scraped", "warning", ["metrics-scraped"],
         "the engine's metrics are scraped", "nothing scrapes the engine's metrics",
         doc=__doc__, applies=lambda d: d.engine is not None and d.engine.name != "other" and d.owns_pods)
def check(d: Deployment) -> Iterator[Hit]:
    if not d.monitors:
        yield Hit(f"no ServiceMonitor, PodMonitor or prometheus.io/scrape annotation covers {d.kind} {d.name}", d.loc)


CHECKS = [check]
