"""
## What it does
Requires a liveness probe on the serving container.

Ray containers of a RayService (and of a ray.io/v1 RayCluster) are exempt: KubeRay injects probes
into them (KubeRay 0.5+ for RayService, 1.1+ for every v1 RayCluster).

## Why it matters
An engine whose worker died or hung (NCCL timeout, CUDA error) often keeps its HTTP port open.
Without a liveness probe, Kubernetes never restarts it and the replica fails every request routed
to it until someone notices.

## Example
```yaml
readinessProbe: {httpGet: {path: /health, port: 8000}}
```

## Instead
```yaml
readinessProbe: {httpGet: {path: /health, port: 8000}}
livenessProbe: {httpGet: {path: /health, port: 8000}, periodSeconds: 10, failureThreshold: 3}
```

## References
- Kubernetes liveness probes: https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare, given


@declare("liveness-probe-missing", "warning", ["liveness-probe"],
         "the serving container has a liveness probe", "the serving container has no liveness probe",
         doc=__doc__, applies=lambda d: d.engine_container is not None and not d.completed_by_operator and not d.injected_probes
         and not d.partial)  # an operator merges probes in (LLMInferenceServiceConfig templates, KServe runtimes, KubeRay)
def check(d: Deployment) -> Iterator[Hit]:
    c = given(d.engine_container)
    if "liveness" not in c.probes:
        yield Hit(f"container {c.name} has no livenessProbe: a hung engine is never restarted", c.loc)


CHECKS = [check]
