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

from functools import cache
from typing import Iterator

from ..normalize.accelerator import from_table
from ..normalize.model import Deployment, Gpu
from . import Hit, declare, given
from ._fit import Fit, fits_on


def _gpu_resource(d: Deployment) -> bool:
    """NVIDIA or AMD GPUs are asked for (a TPU or Neuron deployment is another memory question)."""
    res = d.engine_container.gpu() if d.engine_container is not None else None
    return res is not None and res[0].startswith(("nvidia.com/", "amd.com/gpu"))


COMMON = ("L4", "A10G", "L40S", "A100-40GB", "A100-80GB", "H100-80GB", "H200-141GB")


@cache
def _common() -> tuple[Gpu | None, ...]:
    return tuple(from_table(name, "common GPU") for name in COMMON)


@declare("gpu-memory-unchecked", "info", ["gpu-memory-fit"],
         "the GPU the model runs on is known", "the GPU is not named, so the memory fit is unchecked",
         doc=__doc__,
         applies=lambda d: d.engine is not None and bool(d.engine.capability("memory_profiled_at_start")) and d.resolved is not None
         and d.resolved.arch is not None and _gpu_resource(d))
def check(d: Deployment) -> Iterator[Hit]:
    e, r = given(d.engine), given(d.resolved)
    if d.gpu is not None:
        return
    said = _said(fits_on(d, _common()))
    if said is not None:
        yield Hit(f"{r.label}: {said}", (e.setting("model") or d.model).loc or d.loc)


def _said(fits: tuple[Fit | None, ...]) -> str | None:
    """What the GPUs of the table say of one deployment's fits (None where one cannot be worked out): alike units share
    their fits, and so this sentence (made once per fits, held with them)."""
    held = _SAID.get(id(fits))
    if held is not None and held[0] is fits:
        return held[1]
    known = [f for f in fits if f is not None]
    said = _sentence(known) if len(known) == len(fits) else None
    if len(_SAID) > 10_000:
        _SAID.clear()
    _SAID[id(fits)] = (fits, said)
    return said


def _sentence(fits: list[Fit]) -> str:
    sample = fits[0]
    ok = [name for name, f in zip(COMMON, fits) if not f.likely_misfit]
    misses = [name for name in COMMON if name not in ok]
    ranks = f"TP {sample.tp}" + (f" × PP {sample.pp}" if sample.pp > 1 else "")
    return (f"no GPU type in the files (node selector, affinity, MIG resource or ModelSpec); at {ranks} with "
            f"{sample.weights:.1f} GiB of weights and {sample.seq:.2f} GiB of KV cache per GPU for one {sample.max_len}-token sequence, "
            f"it fits on {', '.join(ok) or 'none of ' + ', '.join(COMMON)}" + (f" and not on {', '.join(misses)}" if ok and misses else ""))


_SAID: dict[int, tuple[tuple[Fit | None, ...], str | None]] = {}


CHECKS = [check]
