"""
## What it does
When the model is known (its config.json, the Hub or the bundled table) but nothing in the files says
which GPU the pods land on, works out vLLM's start-up arithmetic on common data-centre GPUs at the
deployment's tensor-parallel size and context, and says which of them would hold it.

## Why it matters
Without a node selector, affinity or MIG resource the scheduler may place the pod on any GPU node; the
memory question is then unanswered in review. Knowing which GPUs fit tells the reviewer what to pin.

## Example
```yaml
args: ["--model", "Qwen/Qwen3-32B", "--max-model-len", "32768"]
resources: {limits: {nvidia.com/gpu: 1}}     # any GPU node
```

## Instead
```yaml
nodeSelector: {nvidia.com/gpu.product: NVIDIA-H100-80GB-HBM3}
args: ["--model", "Qwen/Qwen3-32B", "--max-model-len", "32768"]
resources: {limits: {nvidia.com/gpu: 1}}
```

## References
- NVIDIA GPU Feature Discovery labels: https://github.com/NVIDIA/k8s-device-plugin/tree/main/docs/gpu-feature-discovery
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.accelerator import from_table
from ..normalize.model import Deployment
from . import Hit, declare, given
from ._fit import Fit, fit


def _gpu_resource(d: Deployment) -> bool:
    """NVIDIA or AMD GPUs are asked for (a TPU or Neuron deployment is another memory question)."""
    res = d.engine_container.gpu() if d.engine_container is not None else None
    return res is not None and res[0].startswith(("nvidia.com/", "amd.com/gpu"))


COMMON = ("L4", "A10G", "L40S", "A100-40GB", "A100-80GB", "H100-80GB", "H200-141GB")


@declare("gpu-memory-unchecked", "info", ["gpu-memory-fit"],
         "the GPU the model runs on is known", "the GPU is not named, so the memory fit is unchecked",
         doc=__doc__,
         applies=lambda d: d.engine is not None and bool(d.engine.capability("memory_profiled_at_start")) and d.resolved is not None
         and d.resolved.arch is not None and _gpu_resource(d))
def check(d: Deployment) -> Iterator[Hit]:
    e, r = given(d.engine), given(d.resolved)
    if d.gpu is not None:
        return
    fits: list[str] = []
    misses: list[str] = []
    sample: Fit | None = None
    for name in COMMON:
        f = fit(d, gpu=from_table(name, "common GPU"))
        if f is None:
            return
        sample = sample or f
        (misses if f.likely_misfit else fits).append(name)
    if sample is None:
        return
    ranks = f"TP {sample.tp}" + (f" × PP {sample.pp}" if sample.pp > 1 else "")
    where = (e.setting("model") or d.model).loc or d.loc
    yield Hit(f"{r.label}: no GPU type in the files (node selector, affinity, MIG resource or ModelSpec); at {ranks} with "
              f"{sample.weights:.1f} GiB of weights and {sample.seq:.2f} GiB of KV cache per GPU for one {sample.max_len}-token sequence, "
              f"it fits on {', '.join(fits) or 'none of ' + ', '.join(COMMON)}"
              + (f" and not on {', '.join(misses)}" if fits and misses else ""), where)


CHECKS = [check]
