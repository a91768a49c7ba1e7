"""
## What it does
Finds a multi-node serving group (a LeaderWorkerSet, or an engine spanning the pods of a Deployment)
whose rolling update surges: it starts new pods, whole groups for a LeaderWorkerSet, before it stops
old ones.

## Why it matters
A surge on a group of 2 × 8 GPUs needs 16 idle accelerators for the rollout. Clusters sized for the
service rarely hold them: the new group stays Pending and the rollout never finishes; on a
Deployment the surge pod joins a group with the wrong rank.

## Example
```yaml
kind: LeaderWorkerSet
spec: {rolloutStrategy: {rollingUpdateConfiguration: {maxSurge: 1}}}
```

## Instead
```yaml
spec: {rolloutStrategy: {rollingUpdateConfiguration: {maxSurge: 0, maxUnavailable: 1}}}
```

## References
- LeaderWorkerSet rollout: https://lws.sigs.k8s.io/docs/concepts/rollout-strategy/
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare, given


def _applies(d: Deployment) -> bool:
    return d.max_surge is not None and sum(p.count for p in d.pods) > 1 and d.gpus_per_group() > 0


@declare("rollout-surge-multi-node", "warning", ["rollout-strategy"],
         "a multi-node group rolls out without surging", "a rollout surges a whole multi-node group of accelerators",
         doc=__doc__, applies=_applies)
def check(d: Deployment) -> Iterator[Hit]:
    ms = given(d.max_surge)
    surge = str(ms.value).strip()
    if surge in ("0", "0%"):
        return
    pods = sum(p.count for p in d.pods)
    default = " (the Deployment default)" if ms.raw == "default" else ""
    yield Hit(f"maxSurge {surge}{default} on a group of {pods} pods and {d.gpus_per_group()} accelerators: the rollout needs that many "
              "idle accelerators; set maxSurge 0 and maxUnavailable 1", ms.loc)


CHECKS = [check]
