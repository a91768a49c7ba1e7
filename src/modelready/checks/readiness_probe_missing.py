"""
## What it does
Requires a readiness probe on the serving container, or a startup probe that calls the engine
(HTTP, gRPC or a command): kubelet marks the pod ready only once that succeeds.

Ray containers of a RayService (and of a ray.io/v1 RayCluster) are exempt: KubeRay injects probes
into them (KubeRay 0.5+ for RayService, 1.1+ for every v1 RayCluster).

## Why it matters
Without one, a pod is sent traffic as soon as its container starts, minutes before the model is
loaded: clients get connection errors or 503s on every scale-up and rollout.

## Example
```yaml
containers: [{name: vllm, image: "vllm/vllm-openai:v0.10.2", args: [...]}]
```

## Instead
```yaml
readinessProbe: {httpGet: {path: /health, port: 8000}, periodSeconds: 5}
```

## References
- Kubernetes readiness probes: https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare, given


@declare("readiness-probe-missing", "warning", ["readiness-probe-health", "readiness-waits-for-load"],
         "the serving container has a readiness probe", "the serving container has no readiness probe",
         doc=__doc__, applies=lambda d: d.engine_container is not None and not d.completed_by_operator and not d.injected_probes
         and not d.partial)  # an operator merges probes in (LLMInferenceServiceConfig templates, KServe runtimes, KubeRay)
def check(d: Deployment) -> Iterator[Hit]:
    c = given(d.engine_container)
    startup = c.probes.get("startup")
    if startup is not None and startup.handler in ("httpGet", "grpc", "exec"):
        return  # kubelet holds readiness until the startup probe passes: the model is loaded before traffic arrives
    if "readiness" not in c.probes:
        yield Hit(f"container {c.name} has no readinessProbe: traffic arrives before the model is loaded", c.loc)


CHECKS = [check]
