"""
## What it does
Finds a GPU serving deployment whose autoscaler has no upper bound: an HPA without `maxReplicas`, a
KServe predictor or Knative Service without a maximum (`maxReplicas: 0`, no
`autoscaling.knative.dev/max-scale`: Knative's default is no limit), or a KEDA ScaledObject left at
its default `maxReplicaCount` of 100.

## Why it matters
Each replica is a whole set of GPUs. A traffic spike, a retry storm or a metric that never falls (a
queue gauge stuck high) keeps adding replicas until the cluster or the cloud quota stops it, and the
bill follows: the report shows the monthly cost at the bound, or says there is none. A Karpenter
NodePool in the files that the pods land on and that limits its GPUs (`spec.limits`) is a bound; the
warning assumes no cluster quota or other node-pool limit caps it, those being outside the files.

## Example
```yaml
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
spec:
  predictor:
    minReplicas: 1          # no maxReplicas: Knative sets no upper bound
    model: {modelFormat: {name: huggingface}, resources: {limits: {nvidia.com/gpu: 1}}}
```

## Instead
```yaml
  predictor:
    minReplicas: 1
    maxReplicas: 4
```

## References
- Knative max-scale: https://knative.dev/docs/serving/autoscaling/scale-bounds/
- KEDA ScaledObject spec (maxReplicaCount, default 100): https://keda.sh/docs/latest/reference/scaledobject-spec/
- KServe autoscaling: https://kserve.github.io/website/latest/modelserving/autoscaling/autoscaling/
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.cost import KEDA_MAX_DEFAULT
from ..normalize.model import Deployment
from . import Hit, declare, given


@declare("gpu-autoscale-unbounded", "warning", ["scaling-caps"],
         "the GPU autoscaler has an upper bound", "a GPU deployment autoscales with no upper bound",
         doc=__doc__, applies=lambda d: d.cost is not None and d.cost.autoscaled)
def check(d: Deployment) -> Iterator[Hit]:
    c = given(d.cost)
    per = f"{c.gpus_per_replica} × {c.gpu} per replica" if c.gpu else f"{c.gpus_per_replica} GPU(s) of a type not named per replica"
    usd = c.replica_usd_per_hour()
    each = f", ${usd * 730:,.0f}/month each at {c.price.label}" if usd is not None and c.price else ""
    loc = c.max_loc or d.loc
    if c.max is None:
        yield Hit(f"{d.kind} {d.name} autoscales {per} with {c.max_basis}: replicas are added until the cluster runs out of "
                  f"GPUs{each} (assuming no quota or node-pool limit caps it); set a maximum", loc)
    elif c.max_basis.startswith("KEDA's default") and c.max >= KEDA_MAX_DEFAULT:
        yield Hit(f"{d.kind} {d.name} autoscales {per} up to {c.max_basis}: {c.gpu_hours(c.max):,} GPU-hours a month at the "
                  f"bound{each}; set maxReplicaCount to what the budget allows", loc)


CHECKS = [check]
