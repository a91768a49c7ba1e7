"""
## What it does
Finds a GPU serving deployment whose autoscaler may scale it to zero replicas (KServe
`minReplicas: 0`, an HPA or KEDA minimum of 0).

## Why it matters
From zero, the first request waits for a GPU node, an image pull of several GB, the model download
and the engine's warm-up: minutes, not the milliseconds a client's timeout allows. Keep a warm
minimum unless cold starts are an accepted trade-off.

## Example
```yaml
predictor: {minReplicas: 0, model: {modelFormat: {name: huggingface}}}
```

## Instead
```yaml
predictor: {minReplicas: 1, model: {modelFormat: {name: huggingface}}}
```

## References
- KServe autoscaling: https://kserve.github.io/website/latest/modelserving/autoscaling/autoscaling/
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare, given


@declare("scale-to-zero-llm", "warning", ["warm-pool"],
         "a warm minimum of replicas is kept", "the deployment can scale to zero and cold-start",
         doc=__doc__, applies=lambda d: d.gpus_per_group() > 0 and d.min_replicas is not None)
def check(d: Deployment) -> Iterator[Hit]:
    low = given(d.min_replicas)
    if str(low.value) == "0":
        yield Hit("minimum replicas is 0: the first request after idle waits for a GPU node, the image and the model to load", low.loc)


CHECKS = [check]
