"""
## What it does
Finds a GPU serving deployment scheduled on spot (or preemptible) capacity — a node selector or a
required node affinity on `karpenter.sh/capacity-type`, `eks.amazonaws.com/capacityType`,
`cloud.google.com/gke-spot` or `kubernetes.azure.com/scalesetpriority` — that runs a single replica
or has no PodDisruptionBudget.

## Why it matters
The cloud takes spot nodes back at short notice (two minutes on AWS, thirty seconds on GCP). With
one replica the model is down until a new node is found, the image pulled and the weights loaded;
without a disruption budget, the node termination handler's drain evicts every replica at once.

## Example
```yaml
spec:
  replicas: 1
  template:
    spec:
      nodeSelector: {karpenter.sh/capacity-type: spot}
```

## Instead
```yaml
spec:
  replicas: 2     # and a PodDisruptionBudget with maxUnavailable: 1
```

## References
- Karpenter disruption and spot interruption: https://karpenter.sh/docs/concepts/disruption/
- GKE Spot VMs: https://cloud.google.com/kubernetes-engine/docs/concepts/spot-vms
- Kubernetes disruptions: https://kubernetes.io/docs/concepts/workloads/pods/disruptions/
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare, given


@declare("spot-without-disruption-budget", "warning", ["spot-policy"],
         "a spot deployment keeps replicas through reclaims", "a spot deployment runs one replica or has no PodDisruptionBudget",
         doc=__doc__, applies=lambda d: d.cost is not None and d.cost.capacity == "spot")
def check(d: Deployment) -> Iterator[Hit]:
    c = given(d.cost)
    top = c.max if c.max is not None else None
    why = []
    if top is not None and top <= 1:
        why.append("a single replica: a reclaim takes the model down until a new node loads the weights")
    if not d.disruption_budgets and d.owns_pods:
        why.append("no PodDisruptionBudget: a drain evicts every replica at once")
    if why:
        yield Hit(f"{d.kind} {d.name} runs on spot capacity ({c.capacity_source}) with " + "; and ".join(why), d.replicas_loc)


CHECKS = [check]
