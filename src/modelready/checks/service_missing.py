"""
## What it does
Requires a Service whose selector matches the serving pods (KServe and other operators that create
their own Service are exempt).

## Why it matters
Without a Service, clients must address pods by IP, which changes on every restart; rollouts and
scaling break every client. The Service is also what a ServiceMonitor and an Ingress attach to.

## Example
```yaml
kind: Deployment   # labels app: vllm; no Service selects app: vllm
```

## Instead
```yaml
kind: Service
spec: {selector: {app: vllm}, ports: [{port: 8000, targetPort: 8000}]}
```

## References
- Kubernetes Services: https://kubernetes.io/docs/concepts/services-networking/service/
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare


@declare("service-missing", "warning", ["service-defined"],
         "a Service selects the serving pods", "no Service selects the serving pods",
         doc=__doc__, applies=lambda d: not d.managed_service and d.owns_pods and d.engine is not None)
def check(d: Deployment) -> Iterator[Hit]:
    if not d.services:
        labels = ", ".join(f"{k}={v}" for k, v in sorted(d.pod_labels.items())) or "no labels"
        yield Hit(f"no Service selects the pods of {d.kind} {d.name} ({labels})", d.loc)


CHECKS = [check]
