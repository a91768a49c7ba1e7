"""
## What it does
Requires a PodDisruptionBudget for a serving deployment that runs, or can scale to, more than one
replica.

## Why it matters
A node drain (upgrade, autoscaler scale-down) evicts every replica it can. Without a budget, all GPU
replicas can be evicted at once and the model is unavailable for the whole reload, often many
minutes for a large model.

## Example
```yaml
kind: Deployment
spec: {replicas: 3}
# no PodDisruptionBudget selects the pods
```

## Instead
```yaml
kind: PodDisruptionBudget
spec: {maxUnavailable: 1, selector: {matchLabels: {app: vllm}}}
```

## References
- Kubernetes disruptions: https://kubernetes.io/docs/concepts/workloads/pods/disruptions/
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare


def _replicas(d: Deployment) -> int:
    vals = [d.replicas or 0]
    for v in (d.min_replicas, d.max_replicas):
        try:
            vals.append(int(str(v.value)) if v else 0)
        except ValueError:
            pass
    return max(vals)


@declare("pdb-missing", "warning", ["disruption-budget"],
         "a PodDisruptionBudget protects the replicas", "no PodDisruptionBudget for a multi-replica deployment",
         doc=__doc__, applies=lambda d: d.serving and d.owns_pods and _replicas(d) > 1)
def check(d: Deployment) -> Iterator[Hit]:
    if not d.disruption_budgets:
        yield Hit(f"{d.kind} {d.name} runs up to {_replicas(d)} replicas and no PodDisruptionBudget selects its pods", d.replicas_loc)


CHECKS = [check]
