"""
## What it does
Reports GPUs requested beyond what tensor × pipeline × data parallelism uses.

## Why it matters
vLLM, TGI and SGLang use exactly TP × PP × DP GPUs; the rest sit idle but are billed and block other
pods from the node. A manifest asking for 4 GPUs with no `--tensor-parallel-size` serves from one.

## Example
```yaml
args: ["--model", "google/gemma-2-9b-it"]
resources: {limits: {nvidia.com/gpu: 2}}
```

## Instead
```yaml
args: ["--model", "google/gemma-2-9b-it", "--tensor-parallel-size", "2"]
resources: {limits: {nvidia.com/gpu: 2}}
```

## References
- vLLM distributed serving: https://docs.vllm.ai/en/latest/serving/distributed_serving.html
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare, given, has_engine_args
from .parallelism_exceeds_gpus import ranks


def _applies(d: Deployment) -> bool:
    # TGI shards over all visible GPUs when --num-shard is absent; only explicit settings count there.
    if d.engine is None or not has_engine_args(d) or not d.engine.capability("llm_args"):
        return False
    return not d.engine.capability("shards_over_all_gpus") or d.engine.setting("tensor_parallel") is not None


@declare("gpus-exceed-parallelism", "warning", ["gpu-count-matches"],
         "every GPU requested is used by a parallel rank", "GPUs are requested that no rank uses",
         doc=__doc__, applies=_applies)
def check(d: Deployment) -> Iterator[Hit]:
    need, text, _where = ranks(given(d.engine))
    have = d.gpus_per_group()
    if have > need:
        loc = d.engine_container.resources_loc if d.engine_container else d.loc
        yield Hit(f"the group requests {have} GPUs but {text} uses {need}; {have - need} would sit idle", loc)


CHECKS = [check]
