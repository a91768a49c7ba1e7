"""
## What it does
Requires CPU and memory requests on a container that takes GPUs.

## Why it matters
Tokenization, detokenization, the HTTP server and weight loading run on the CPU; model weights pass
through host memory. Without requests the pod is scheduled as BestEffort on CPU and memory: it is
the first evicted under node pressure, and it can land beside pods that starve it of CPU.

## Example
```yaml
resources: {limits: {nvidia.com/gpu: 1}}
```

## Instead
```yaml
resources:
  requests: {cpu: "4", memory: 32Gi}
  limits: {nvidia.com/gpu: 1, memory: 32Gi}
```

## References
- Kubernetes resource management: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, asks_gpus, declare


@declare("gpu-pod-without-cpu-memory-requests", "warning", ["cpu-memory-allocated"],
         "GPU containers request CPU and memory", "a GPU container requests no CPU or no memory",
         doc=__doc__, applies=lambda d: asks_gpus(d) and not d.resources_by_operator)
def check(d: Deployment) -> Iterator[Hit]:
    for _pod, c in d.containers():
        if not c.gpu():
            continue
        # A limit alone implies an equal request.
        missing = [r for r in ("cpu", "memory") if r not in c.requests and r not in c.limits]
        if missing:
            yield Hit(f"container {c.name} takes GPUs but requests no {' and no '.join(missing)}", c.resources_loc if c.resources_loc.line else c.loc)


CHECKS = [check]
