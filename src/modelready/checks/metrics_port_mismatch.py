"""
## What it does
Follows each metrics scraper of a serving deployment (ServiceMonitor through its Service, PodMonitor,
GMP PodMonitoring) to the container port it scrapes, and compares it with the port the engine serves
`/metrics` on.

## Why it matters
vLLM, SGLang and TGI serve `/metrics` on their API port. A monitor pointed at another port (a
leftover `metrics: 8080`, a sidecar's port) scrapes nothing, or the wrong process: dashboards and
autoscalers on queue depth stay flat while the engine saturates.

## Example
```yaml
ports: [{name: http, containerPort: 8000}, {name: metrics, containerPort: 8080}]   # vLLM serves /metrics on 8000
podMetricsEndpoints: [{port: metrics, path: /metrics}]
```

## Instead
```yaml
podMetricsEndpoints: [{port: http, path: /metrics}]
```

## References
- vLLM metrics: https://docs.vllm.ai/en/latest/design/metrics.html
- Prometheus Operator PodMonitor: https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PodMetricsEndpoint
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Container, Deployment
from . import Hit, declare, given


def _container_port(c: Container, port: int | str) -> int | None:
    if isinstance(port, int):
        return port
    if isinstance(port, str):
        # not str.isdigit alone: int() refuses "²" and 4,300 digits (ValueError), and a port has at most five
        return int(port) if port.isascii() and port.isdigit() and len(port) <= 5 else c.ports.get(port)
    return None


@declare("metrics-port-mismatch", "warning", ["metrics-scraped"],
         "the metrics scraper reaches the engine's /metrics port", "the metrics scraper points at a port the engine does not serve /metrics on",
         doc=__doc__, applies=lambda d: d.engine is not None and bool(d.engine.capability("metrics_on_serving_port")) and d.engine.port is not None
         and any(m.scrapes for m in d.monitors))
def check(d: Deployment) -> Iterator[Hit]:
    c, e = d.engine_container, given(d.engine)
    if c is None:  # not what applies= tested: an engine may be known without its container
        return
    for m in d.monitors:
        ports = [p for p in (_container_port(c, s) for s in m.scrapes) if p is not None]
        if ports and e.port not in ports:
            yield Hit(f"{m.kind} {m.name} scrapes port {', '.join(str(p) for p in sorted(set(ports)))}; {e.name} serves /metrics on "
                      f"{e.port}", m.loc)


CHECKS = [check]
