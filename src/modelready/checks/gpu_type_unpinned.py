"""
## What it does
Looks for any statement of which accelerator the pods need: a node selector or node affinity on a
GPU label (`nvidia.com/gpu.product`, `cloud.google.com/gke-accelerator`,
`karpenter.k8s.aws/instance-gpu-name`, an instance type), or a toleration for a GPU taint.

## Why it matters
`nvidia.com/gpu: 1` fits a T4 (16 GB, no bfloat16) as well as an H100. In a mixed cluster the pod
lands on whatever is free, and the same manifest OOMs or falls back to float16 depending on the node.

## Example
```yaml
resources: {limits: {nvidia.com/gpu: 1}}
```

## Instead
```yaml
nodeSelector: {cloud.google.com/gke-accelerator: nvidia-l4}
resources: {limits: {nvidia.com/gpu: 1}}
```

## References
- GPU Feature Discovery labels: https://github.com/NVIDIA/k8s-device-plugin/tree/main/docs/gpu-feature-discovery
"""

from __future__ import annotations

import json
from typing import Iterator

from ..normalize.model import Deployment, PodSpec
from . import Hit, declare

HINTS = ("gpu", "accelerator", "instance-type", "instance_type", "nodepool", "nodegroup", "agentpool", "tpu", "node.kubernetes.io/instance-type")


def states_gpu_type(pod: PodSpec) -> bool:
    if not (pod.node_selector or pod.affinity or pod.tolerations):
        return False  # nothing to name a GPU with (most pods): no JSON of three empty values
    text = json.dumps([pod.node_selector, pod.affinity, pod.tolerations], default=str).lower()
    return any(h in text for h in HINTS)


@declare("gpu-type-unpinned", "info", ["gpu-type-matches"],
         "the pods state which GPU type they need", "any GPU type may be used",
         doc=__doc__, applies=lambda d: d.gpus_per_group() > 0 and not d.template_only)
def check(d: Deployment) -> Iterator[Hit]:
    for pod in d.pods:
        if any(c.gpu() for c in pod.containers) and not states_gpu_type(pod):
            yield Hit(f"{pod.role} pods ask for GPUs but no node selector, affinity or toleration names a GPU type", pod.loc)


CHECKS = [check]
