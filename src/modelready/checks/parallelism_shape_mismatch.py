"""
## What it does
Checks the model's shapes against the tensor-parallel size the engine is given, as vLLM's layers
require at load time: attention heads divisible by TP; KV heads divisible by TP, or TP a multiple of
the KV heads (each then replicated); the MLP's intermediate size divisible by TP; for GPTQ/AWQ
checkpoints the intermediate size on each GPU a multiple of the quantization group size; for
block-quantized FP8 checkpoints (DeepSeek V3/R1) a multiple of the weight block. The shapes come
from the model's own config.json (repository or Hub) or a bundled table entry confirmed from one.

## Why it matters
These fail only after the weights are downloaded: vLLM stops with "Total number of attention heads
must be divisible by tensor parallel size", "The input size is not aligned with the quantized weight
shape" or a block-quantization size error, and the pod crash-loops on its GPUs.

## Example
```yaml
# Qwen2.5-7B-Instruct: 28 attention heads, 4 KV heads
args: ["--model", "Qwen/Qwen2.5-7B-Instruct", "--tensor-parallel-size", "8"]
```

## Instead
```yaml
args: ["--model", "Qwen/Qwen2.5-7B-Instruct", "--tensor-parallel-size", "4"]
```

## References
- vLLM tensor parallel checks: https://github.com/vllm-project/vllm/blob/main/vllm/config/parallel.py
- "input size not aligned" with GPTQ/AWQ and TP: https://github.com/vllm-project/vllm/issues/2699
"""

from __future__ import annotations

from typing import Iterator

from ..findings import Loc
from ..normalize.architecture import ModelArch
from ..normalize.model import Deployment
from . import Hit, declare, given


def _applies(d: Deployment) -> bool:
    r, e = d.resolved, d.engine
    return (e is not None and bool(e.capability("kv_cache_at_start")) and r is not None and r.certain and r.arch is not None
            and (e.int_setting("tensor_parallel", 1) or 1) > 1)


@declare("parallelism-shape-mismatch", "error", ["parallelism-valid"],
         "the model's shapes divide over the tensor-parallel size", "the model's shapes do not divide over the tensor-parallel size",
         doc=__doc__, applies=_applies)
def check(d: Deployment) -> Iterator[Hit]:
    e, r = given(d.engine), given(d.resolved)
    setting = given(e.setting("tensor_parallel"))  # TP above 1 is set
    a, tp, name, where = given(r.arch), e.int_setting("tensor_parallel", 1), r.label, setting.loc
    if a.heads % tp:
        yield Hit(f"{name}: {a.heads} attention heads do not divide over TP {tp}; engines require heads divisible by TP "
                  f"(TP sizes that work: {_divisors(a.heads)})", where)
    elif not a.mla and (a.kv_heads % tp if a.kv_heads >= tp else tp % a.kv_heads):
        yield Hit(f"{name}: {a.kv_heads} KV heads and TP {tp}: TP must divide the KV heads or be a multiple of them", where)
    yield from _mlp(a, tp, name, where)


def _mlp(a: ModelArch, tp: int, name: str, where: Loc) -> Iterator[Hit]:
    """The MLP's (or the experts') intermediate size over TP, and the quantized groups or FP8 blocks in each shard."""
    inter = a.moe_intermediate if a.experts and a.moe_intermediate else a.intermediate
    label = "expert intermediate size" if a.experts and a.moe_intermediate else "intermediate size"
    if inter % tp:
        yield Hit(f"{name}: {label} {inter} does not divide over TP {tp}", where)
        return
    q = a.quant
    if q is None:
        return
    shard = inter // tp
    if q.method in ("gptq", "awq", "gptq_marlin", "awq_marlin") and q.group_size and q.group_size > 0 and shard % q.group_size:
        yield Hit(f"{name}: {q.method.upper()} group size {q.group_size} and TP {tp}: each GPU gets {shard} of the {label} {inter}, "
                  f"not a multiple of {q.group_size}; vLLM stops with \"input size is not aligned with the quantized weight shape\" "
                  f"(TP sizes that work: {_aligned(inter, q.group_size, a.heads)})", where)
    block = _fp8_block(a)
    if block and shard % block:
        yield Hit(f"{name}: FP8 weight blocks of {block} and TP {tp}: each GPU gets {shard} of the {label} {inter}, not a multiple of "
                  f"{block}; vLLM stops at load (TP sizes that work: {_aligned(inter, block, a.heads)})", where)


def _fp8_block(a: ModelArch) -> int | None:
    return a.quant.group_size if a.quant and a.quant.method == "fp8" and a.quant.group_size else None


def _divisors(n: int) -> str:
    return ", ".join(str(t) for t in (1, 2, 4, 8, 16) if n % t == 0)


def _aligned(inter: int, group: int, heads: int) -> str:
    return ", ".join(str(t) for t in (1, 2, 4, 8, 16) if inter % t == 0 and (inter // t) % group == 0 and heads % t == 0) or "none"


CHECKS = [check]
