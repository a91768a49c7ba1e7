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

from . import Hit, declare


def _container_port(c, port) -> int | None:
    if isinstance(port, int):
        return port
    if isinstance(port, str):
        return int(port) if port.isdigit() else c.ports.get(port)
    return None


def _scraped_ports(d, c, monitor) -> list[int | None]:
    spec = monitor.body.get("spec") if isinstance(monitor.body.get("spec"), dict) else {}
    if monitor.kind == "ServiceMonitor":
        out = []
        for ep in spec.get("endpoints") or []:
            if not isinstance(ep, dict):
                continue
            for svc in d.services:
                for sp in ((svc.body.get("spec") or {}).get("ports") or []) if svc.kind == "Service" else []:
                    if isinstance(sp, dict) and (sp.get("name") == ep.get("port") or str(sp.get("port")) == str(ep.get("targetPort", ""))):
                        out.append(_container_port(c, sp.get("targetPort", sp.get("port"))))
        return out
    endpoints = spec.get("podMetricsEndpoints") or spec.get("endpoints") or []
    return [_container_port(c, ep.get("port", ep.get("targetPort"))) for ep in endpoints if isinstance(ep, dict)]


@declare("metrics-port-mismatch", "warning", ["metrics-scraped"],
         "the metrics scraper reaches the engine's /metrics port", "the metrics scraper points at a port the engine does not serve /metrics on",
         doc=__doc__, applies=lambda d: d.engine is not None and d.engine.name in ("vllm", "sglang", "tgi") and d.engine.port is not None
         and any(m.kind != "annotation" for m in d.monitors))
def check(d):
    c = d.engine_container
    for m in d.monitors:
        if m.kind == "annotation":
            continue
        ports = [p for p in _scraped_ports(d, c, m) if p is not None]
        if ports and d.engine.port not in ports:
            yield Hit(f"{m.kind} {m.name} scrapes port {', '.join(str(p) for p in sorted(set(ports)))}; {d.engine.name} serves /metrics on "
                      f"{d.engine.port}", m.loc)


CHECKS = [check]
