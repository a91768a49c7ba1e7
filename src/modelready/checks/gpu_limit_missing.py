"""
## What it does
Checks accelerator resources: they must be in `limits`, and when also in `requests` the two must be
equal whole numbers.

## Why it matters
GPUs are extended resources: Kubernetes rejects a pod that requests `nvidia.com/gpu` without a
limit, and one whose request differs from its limit. The error surfaces at apply time in the cluster,
not in review.

## Example
```yaml
resources: {requests: {nvidia.com/gpu: 1}}
```

## Instead
```yaml
resources: {limits: {nvidia.com/gpu: 1}}
```

## References
- Kubernetes: schedule GPUs: https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, asks_gpus, declare


@declare("gpu-limit-missing", "error", ["gpu-resources-correct"],
         "GPU resources are set in limits (requests, if any, equal them)", "GPU resources the scheduler will reject",
         doc=__doc__, applies=asks_gpus)
def check(d: Deployment) -> Iterator[Hit]:
    for _pod, c in d.containers():
        g = c.gpu()
        if not g:
            continue
        res, lim, req = g
        if res not in c.limits:
            yield Hit(f"container {c.name} requests {res}: {req} but sets no limit; GPUs must be set in limits", c.requests[res].loc)
        elif res in c.requests and str(c.requests[res].value) != str(c.limits[res].value):
            yield Hit(f"container {c.name} requests {c.requests[res].value} {res} but limits {c.limits[res].value}; they must be equal", c.requests[res].loc)


CHECKS = [check]
