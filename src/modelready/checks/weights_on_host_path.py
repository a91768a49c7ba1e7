"""
## What it does
Finds model weights or the model cache of the engine container on a `hostPath` volume, or on a
PersistentVolumeClaim bound to a `hostPath` PersistentVolume (the claim and volume in the same files).

## Why it matters
A hostPath is one node's disk. The weights are there only on the node someone prepared; on any other
node the pod starts on an empty (or `DirectoryOrCreate`-made) folder and fails to load, or downloads
again into the node's root disk. Rescheduling, autoscaling and node replacement all break it.

## Example
```yaml
volumes: [{name: llm, hostPath: {path: /llm-folder, type: DirectoryOrCreate}}]
```

## Instead
```yaml
volumes: [{name: llm, persistentVolumeClaim: {claimName: llama-weights}}]   # ReadOnlyMany, or a model cache operator
```

## References
- Kubernetes hostPath caveats: https://kubernetes.io/docs/concepts/storage/volumes/#hostpath
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare, given
from ._weights import mounts_under, weight_paths


@declare("weights-on-host-path", "warning", ["model-loading-strategy"],
         "model weights live on shared storage", "model weights live on one node's disk (hostPath)",
         doc=__doc__, applies=lambda d: d.engine_container is not None and d.serving)
def check(d: Deployment) -> Iterator[Hit]:
    c = given(d.engine_container)
    pod = d.pod_of(c)
    on_node = {r.claim: r for r in d.storage if r.kind == "PersistentVolume" and r.host_path}
    for mount, vol in mounts_under(c, weight_paths(d)):
        volume = pod.volumes.get(vol)
        if vol in pod.host_paths:
            yield Hit(f"container {c.name} reads weights or its model cache at {mount} from hostPath {pod.host_paths[vol]}: "
                      "present only on the node someone prepared", volume.loc if volume else c.loc)
        elif volume is not None and volume.claim in on_node:
            pv = on_node[volume.claim]
            yield Hit(f"container {c.name} reads weights or its model cache at {mount} from claim {volume.claim}, bound to "
                      f"PersistentVolume {pv.name} on hostPath {pv.host_path}: present only on the node someone prepared", pv.loc)


CHECKS = [check]
