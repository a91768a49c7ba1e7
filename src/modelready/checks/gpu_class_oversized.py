"""
## What it does
For a GPU deployment whose model, engine settings and GPU are known, runs the same memory fit as
`gpu-memory-insufficient` on every cheaper, smaller GPU the price table (or `.modelready.yaml`
`cost.prices`) knows at the same cloud, region and capacity, with the same GPU count. When the
model starts on a GPU that costs a quarter less or more, with room for at least four full-length
sequences of KV cache (or as many as the chosen GPU holds), it names that GPU and the monthly saving.

## Why it matters
An 8B model on H100s, a 70B model on H200s where H100s hold it: the larger card is paid for every
hour whether its memory is used or not. Speed matters too (a larger card can serve more tokens per
second), so this is a notice to measure, not a verdict: compare with a smoke run's tokens/s.

## Example
```yaml
nodeSelector: {nvidia.com/gpu.product: NVIDIA-H100-80GB-HBM3}
args: [--model, meta-llama/Llama-3.1-8B-Instruct, --max-model-len, "8192"]
```

## Instead
```yaml
nodeSelector: {nvidia.com/gpu.product: NVIDIA-L4}   # 8B in bf16 fits a 24 GB L4
```

## References
- vLLM memory profiling (gpu_memory_utilization): https://docs.vllm.ai/en/latest/configuration/conserving_memory.html
- SkyPilot catalogue (prices): https://github.com/skypilot-org/skypilot-catalog
"""

from __future__ import annotations

from typing import Iterator

from .. import data
from ..findings import Loc
from ..normalize.accelerator import from_table
from ..normalize.model import Deployment
from . import Hit, declare, given
from ..normalize.cost import Price
from ._fit import Fit, engine_dtype, fit

CHEAPER = 0.75  # only a card at most three quarters of the price is "far" cheaper
MIN_SEQUENCES = 4


def _applies(d: Deployment) -> bool:
    c = d.cost
    return c is not None and c.price is not None and bool(c.alternatives) and fit(d) is not None


@declare("gpu-class-oversized", "info", ["instance-cost-match"],
         "the GPU class is no larger than the model needs", "a cheaper GPU the price table knows holds the model",
         doc=__doc__, applies=_applies)
def check(d: Deployment) -> Iterator[Hit]:
    c, now = given(d.cost), given(fit(d))
    ours = given(c.price)
    if now.likely_misfit:
        return
    best = _cheapest_fit(d, ours.usd_per_gpu_hour, c.alternatives, now)
    if best is None:
        return
    name, price, alt = best
    # per replica: a message that changes with the replica count would be a new finding at every scaling change
    saving = (ours.usd_per_gpu_hour - price.usd_per_gpu_hour) * c.gpus_per_replica * 730
    yield Hit(f"{now.model} on {c.gpus_per_replica} × {c.gpu} (${ours.usd_per_gpu_hour:.2f}/GPU-hour) also fits "
              f"{c.gpus_per_replica} × {name} (${price.usd_per_gpu_hour:.2f}/GPU-hour) at TP {alt.tp}: {alt.weights:.1f} GiB of weights "
              f"per GPU, KV cache for {alt.tokens():,} tokens ({alt.tokens() // max(1, alt.max_len)} × {alt.max_len}); "
              f"${saving:,.0f}/month less per replica ({price.label}); compare throughput before switching", _where(d))


def _cheapest_fit(d: Deployment, usd: float, alternatives: dict[str, Price], now: Fit) -> tuple[str, Price, Fit] | None:
    """The cheapest smaller card at most CHEAPER × the price that holds the model with room for the sequences asked."""
    dtype = engine_dtype(d.engine) or (now.arch.dtype or "bfloat16")
    want = min(MIN_SEQUENCES, max(1, now.tokens() // max(1, now.max_len)))
    for name, price in sorted(alternatives.items(), key=lambda kv: kv[1].usd_per_gpu_hour):
        if price.usd_per_gpu_hour > usd * CHEAPER:
            return None
        g = from_table(name, f"the price table's {name}")
        facts = (data.gpu_by_name(name) or ("", {}))[1]
        # a smaller card only (an A100-80GB holds what an H100 holds: a generation, not a class), and bf16 where the model needs it
        if g is None or d.gpu is None or g.usable_gib >= d.gpu.usable_gib * 0.9 or ("bf16" in dtype and facts.get("bf16") is False):
            continue
        alt = fit(d, gpu=g)
        if alt is not None and not alt.likely_misfit and alt.tokens() >= want * alt.max_len:
            return name, price, alt
    return None


def _where(d: Deployment) -> Loc:
    for pod in d.pods:
        if pod.node_selector:
            return pod.loc
    return d.loc


CHECKS = [check]
