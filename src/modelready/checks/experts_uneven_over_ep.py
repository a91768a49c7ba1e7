"""
## What it does
With vLLM's `--enable-expert-parallel`, the experts of each MoE layer are spread over TP × DP ranks
instead of being sliced by tensor parallelism. vLLM gives every rank `experts // EP` experts and the
last rank the remainder; this check warns when the expert count does not divide over that EP size,
naming how many experts the fullest rank holds. The expert count comes from the model's config.json
(repository or Hub) or a bundled table entry confirmed from one.

## Why it matters
With uneven experts the fullest rank holds more weights than the others and sets the memory and the
step time of the whole group: Mixtral's 8 experts over 16 ranks put all 8 on the last one.

## Example
```yaml
# Mixtral 8x7B: 8 experts per layer
args: ["--model", "mistralai/Mixtral-8x7B-Instruct-v0.1", "--tensor-parallel-size", "16", "--enable-expert-parallel"]
```

## Instead
```yaml
args: ["--model", "mistralai/Mixtral-8x7B-Instruct-v0.1", "--tensor-parallel-size", "8", "--enable-expert-parallel"]
```

## References
- vLLM expert parallel deployment: https://docs.vllm.ai/en/latest/serving/expert_parallel_deployment.html
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment, Engine
from . import Hit, declare, given

_FLAG = "--enable-expert-parallel"  # vLLM's switch: experts spread over TP × DP ranks


def _ep(e: Engine) -> int:
    return (e.int_setting("tensor_parallel", 1) or 1) * (e.int_setting("data_parallel", 1) or 1)


def _applies(d: Deployment) -> bool:
    e, r = d.engine, d.resolved
    return (e is not None and _FLAG in e.flags and r is not None and r.certain
            and r.arch is not None and r.arch.experts > 0)


@declare("experts-uneven-over-ep", "warning", ["parallelism-valid"],
         "the experts divide evenly over the expert-parallel ranks", "the experts do not divide evenly over the expert-parallel ranks",
         doc=__doc__, applies=_applies)
def check(d: Deployment) -> Iterator[Hit]:
    e, r = given(d.engine), given(d.resolved)
    experts, ep = given(r.arch).experts, _ep(e)
    if experts % ep == 0:
        return
    base = experts // ep
    last = experts - base * (ep - 1)
    yield Hit(f"{r.label}: {experts} experts per layer over {ep} expert-parallel ranks (TP × DP): {ep - 1} ranks hold {base} "
              f"and the last holds {last}, which sets the group's memory and step time; an EP size dividing {experts} balances them",
              e.flags[_FLAG].loc)


CHECKS = [check]
