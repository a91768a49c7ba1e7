"""
## What it does
Requires a memory-backed `/dev/shm` (an `emptyDir` with `medium: Memory`, or `hostIPC`) when the
engine runs more than one GPU rank in a pod.

## Why it matters
Containers get a 64 MiB `/dev/shm`. NCCL and PyTorch's multiprocessing exchange tensors there between
tensor-parallel workers; with the default size the engine dies with `Bus error` or hangs in NCCL
initialisation as soon as TP > 1.

## Example
```yaml
args: ["--model", "meta-llama/Llama-3.1-70B-Instruct", "--tensor-parallel-size", "4"]
# no /dev/shm volume
```

## Instead
```yaml
volumeMounts: [{name: dshm, mountPath: /dev/shm}]
volumes: [{name: dshm, emptyDir: {medium: Memory, sizeLimit: 16Gi}}]
```

## References
- vLLM on Kubernetes: https://docs.vllm.ai/en/latest/deployment/k8s.html
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare, given


NCCL_RESOURCES = ("nvidia.com/gpu", "amd.com/gpu")  # NCCL / RCCL exchange through /dev/shm


def _applies(d: Deployment) -> bool:
    if d.engine_container is None or d.partial:
        return False
    g = d.engine_container.gpu()
    if not g or g[0] not in NCCL_RESOURCES:
        return False
    gpus = g[1]
    tp = d.engine.int_setting("tensor_parallel", 1) * d.engine.int_setting("pipeline_parallel", 1) if d.engine else 1
    return gpus > 1 or tp > 1


@declare("dev-shm-missing", "error", ["shm-configured"],
         "/dev/shm is memory-backed for multi-GPU serving", "multi-GPU serving without a memory-backed /dev/shm",
         doc=__doc__, applies=_applies)
def check(d: Deployment) -> Iterator[Hit]:
    c = given(d.engine_container)
    pod = d.pod_of(c)
    if pod.host_ipc:
        return
    vol = pod.volume_at(c, "/dev/shm")
    if vol is None:
        yield Hit(f"container {c.name} uses several GPUs but mounts nothing at /dev/shm (the default is 64 MiB)", c.loc)
    elif vol.kind != "emptyDir" or str(vol.medium) != "Memory":
        yield Hit(f"/dev/shm of container {c.name} is volume {vol.name} ({vol.kind}), not an emptyDir with medium: Memory", vol.loc)


CHECKS = [check]
