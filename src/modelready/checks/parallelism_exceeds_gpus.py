"""
## What it does
Compares tensor-parallel × pipeline-parallel × data-parallel size with the accelerators the serving
group requests. A multi-node group (LeaderWorkerSet, Ray worker groups) counts every pod of the
group: TP 8 × PP 2 over 2 pods of 8 GPUs is right.

## Why it matters
The engine needs one GPU per rank. With fewer GPUs than ranks, vLLM waits for placement and times
out, TGI fails to start its shards, and the pod crash-loops holding the GPUs it did get.

## Example
```yaml
args: ["--model", "meta-llama/Llama-3.1-70B-Instruct", "--tensor-parallel-size", "4"]
resources: {limits: {nvidia.com/gpu: 2}}
```

## Instead
```yaml
args: ["--model", "meta-llama/Llama-3.1-70B-Instruct", "--tensor-parallel-size", "4"]
resources: {limits: {nvidia.com/gpu: 4}}
```

## References
- vLLM distributed serving: https://docs.vllm.ai/en/latest/serving/distributed_serving.html
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment, Engine, Value
from . import Hit, declare, given


def ranks(e: Engine) -> tuple[int, str, Value | None]:
    tp, pp, dp = e.int_setting("tensor_parallel", 1), e.int_setting("pipeline_parallel", 1), e.int_setting("data_parallel", 1)
    where = e.setting("tensor_parallel") or e.setting("pipeline_parallel") or e.setting("data_parallel")
    parts = [f"TP {tp}"] + ([f"PP {pp}"] if pp > 1 else []) + ([f"DP {dp}"] if dp > 1 else [])
    return tp * pp * dp, " × ".join(parts), where


def _applies(d: Deployment) -> bool:
    if (d.resources_by_operator and d.gpus_per_group() == 0) or d.traits.image_only:
        return False  # the operator picks the GPUs (KAITO), or an image's own start has no pod: none in the files proves nothing
    return d.engine is not None and bool(d.engine.capability("llm_args")) and any(
        d.engine.setting(s) is not None for s in ("tensor_parallel", "pipeline_parallel", "data_parallel"))


@declare("parallelism-exceeds-gpus", "error", ["parallelism-valid", "gpu-count-matches"],
         "parallel ranks fit the GPUs requested", "the engine needs more GPUs than the group requests",
         doc=__doc__, applies=_applies)
def check(d: Deployment) -> Iterator[Hit]:
    need, text, where = ranks(given(d.engine))
    have = d.gpus_per_group()
    if need > have:
        pods = sum(p.count for p in d.pods)
        yield Hit(f"{text} needs {need} GPUs but the group requests {have} ({pods} pod{'s' if pods != 1 else ''})", where.loc if where else d.loc)


CHECKS = [check]
