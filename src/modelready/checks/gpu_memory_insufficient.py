"""
## What it does
Runs the pinned engine release's own start-up arithmetic for the deployment's model on its GPUs. vLLM:
the memory CUDA reports for the GPU (data/gpus.yaml) × `--gpu-memory-utilization` (the release's default
when unset; from 0.34, all that is free after graph capture), minus the weights on each GPU, minus the
overhead of the release's profiling run, must hold the KV cache of one `--max-model-len` sequence (the
model's own context when unset). The weights are the checkpoint's stored bytes where they are known
(safetensors headers or `model.safetensors.index.json`, from the repository or the Hub at the pinned
revision), else counted from config.json: quantized layers at the format's bits, `modules_to_not_convert`
matched per tensor and kept at 16 bit, vision and audio towers, MXFP4 experts padded as the release's
kernel on that GPU allocates them, tied embeddings, learned position tables. The overhead is a range by release and model shape (data/memory.yaml): V0's dummy batch
as long as the context, V1's `max_num_batched_tokens` and sampler, activation from the hidden,
intermediate and vocabulary sizes, non-torch memory by TP, CUDA graphs by capture size (none with
`--enforce-eager`), multimodal encoder budgets. The KV cache per token per GPU follows the model: GQA
heads split over TP and replicated beyond the KV heads, the MLA latent on every rank, sliding-window
layers held at the window, `--kv-cache-dtype fp8` halving it. SGLang's `--mem-fraction-static` pool and
TGI's `--max-total-tokens` are sized the same way. The model comes from a config.json in the repository,
the Hugging Face Hub at the pinned revision, or the bundled table of widely deployed models; the GPU from
the product label, GKE/EKS/AKS node labels, instance types, node affinity, Karpenter requirements, a MIG
resource or the ModelSpec.

The verdict is *fits*, *tight* (one sequence falls inside the overhead range) or *does not fit*. This
check's error is kept for what is certain: one sequence does not fit even with only the least overhead
published logs show (0.15 GiB of non-torch memory at TP 1, 0.25 GiB above), or, where the model's shapes
are assumed, its parameters alone exceed the usable memory whatever shapes are assumed. The message gives
the figures, the longest `--max-model-len` that fits and what would fit. Every deployment's figures are
in the JSON report's `memory` object (`check --memory` prints them). docs/memory-accuracy.md scores the
model against published vLLM and SGLang logs, by release and GPU, with a held-out part.

`gpu-memory-tight` warns on *tight* and on *does not fit* outside the certain floor, where the model is
known only from a table entry not confirmed from a real config.json or from its name, and where the KV
cache holds fewer typical requests (the ModelSpec's p50 prompt + response tokens) than an explicit
`--max-num-seqs`.

## Why it matters
A model that does not fit is found only after a GPU node is provisioned, the image pulled and the
weights downloaded: vLLM then refuses to start ("The model's max seq len is larger than the maximum
number of tokens that can be stored in KV cache") or dies out of memory, and the pod crash-loops.

## Example
```yaml
# Llama 3.1 70B in bfloat16 (131 GiB of weights) on one A100-80GB
nodeSelector: {nvidia.com/gpu.product: NVIDIA-A100-SXM4-80GB}
args: ["--model", "meta-llama/Llama-3.1-70B-Instruct"]
resources: {limits: {nvidia.com/gpu: 1}}
```

## Instead
```yaml
args: ["--model", "meta-llama/Llama-3.1-70B-Instruct", "--tensor-parallel-size", "4", "--max-model-len", "32768"]
resources: {limits: {nvidia.com/gpu: 4}}
```

## References
- vLLM memory profiling: https://docs.vllm.ai/en/latest/configuration/conserving_memory.html
- llm-d capacity planner (measured activation and non-torch memory): https://github.com/llm-d-incubation/llm-d-planner
"""

from __future__ import annotations

import re
from typing import Iterator

from ..findings import Loc
from ..normalize.accelerator import Gpu
from ..normalize.model import Deployment, Engine
from ..normalize.resolve import ResolvedModel
from . import Hit, declare, given
from ._fit import GIB, NON_TORCH_GIB, Fit, engine_dtype, figures, fit, fixes, serving_quant, utilization


def _where(d: Deployment, e: Engine) -> Loc:
    return (e.setting("max_model_len") or e.setting("tensor_parallel") or e.setting("model") or d.model).loc or d.loc


def _known(d: Deployment) -> tuple[Engine, ResolvedModel, Gpu] | None:
    """The engine (one that must hold a KV cache to start), the resolved model and the GPU, when all are known."""
    e, r, g = d.engine, d.resolved, d.gpu
    if e is None or not e.capability("kv_cache_at_start") or r is None or g is None:
        return None
    return e, r, g


def _tp(e: Engine) -> int:
    return (e.int_setting("tensor_parallel", 1) or 1) * (e.int_setting("pipeline_parallel", 1) or 1)


def _certain(d: Deployment) -> bool:
    # an operator that sizes the pods itself (KAITO's instance count, KubeAI's profiles) also picks the parallelism
    return not d.resources_by_operator and _known(d) is not None and d.resolved is not None and (d.resolved.certain and d.resolved.arch is not None
                                                                 or _weights_floor(d) is not None)


# A size from a table entry not confirmed, a name or a ModelSpec may be off; the error takes this share of it, and a
# name's "8x7B" counts its experts at three quarters (Mixtral 8x7B has 46.7B parameters, not 56B).
_SIZE_MARGIN = 0.9
_MOE_NAME_SHARE = 0.75


def _weights_floor(d: Deployment) -> float | None:
    """GiB of weights per GPU that are certain whatever shapes are assumed: the parameters at the serving precision,
    less a margin; None when the model's own config.json decides (the fit does) or nothing sizes it."""
    e, r = d.engine, d.resolved
    if e is None or r is None or r.certain:
        return None
    quant = serving_quant(e, r)
    if r.arch is not None:
        b = r.arch.weight_bytes(engine_dtype(e), quant)
    elif r.params_b:
        share = _MOE_NAME_SHARE if "x" in r.source.split("name", 1)[-1] and re.search(r"\d+x\d", r.name) else 1.0
        b = r.params_b * 1e9 * share * (quant.bits_per_weight / 8 if quant else 2)
    else:
        return None
    return b * _SIZE_MARGIN / GIB / _tp(e)


# also gpu-type-matches: a GPU the weights cannot fit in does not match the model, whatever node selection pins
@declare("gpu-memory-insufficient", "error", ["gpu-memory-fit", "gpu-type-matches"],
         "weights and KV cache fit in GPU memory", "the model does not fit in the GPUs given",
         doc=__doc__, applies=_certain)
def check(d: Deployment) -> Iterator[Hit]:
    e, r, g = given(_known(d))
    floor = _weights_floor(d)
    if floor is not None:  # the certainty rule: parameters alone above the usable memory, whatever the shapes
        util, util_note = utilization(e) if e.capability("memory_profiled_at_start") else (1.0, f"all of {e.name}'s share")
        if floor > g.usable_gib * util:
            yield Hit(f"{r.label}: {e.capability('release_name') or e.name} will not start: the parameters alone are {floor:.1f} GiB per {g.name} or more "
                      f"(TP {_tp(e)}, {_SIZE_MARGIN:.0%} of the size taken, whatever shapes are assumed), more than its "
                      f"{g.usable_gib * util:.1f} GiB at {util_note}; GPU from {g.source}", _where(d, e))
        return
    arch = r.arch
    if arch is None:
        return
    if not e.capability("memory_profiled_at_start"):  # SGLang, TGI size their KV cache their own way: the weights alone
        weights = arch.weight_bytes(engine_dtype(e), serving_quant(e, r)) / GIB / _tp(e)
        if weights + NON_TORCH_GIB[1] > g.usable_gib:
            yield Hit(f"{r.label} does not fit: {weights:.1f} GiB of weights on each {g.name}, which has {g.usable_gib:.1f} GiB "
                      f"(GPU from {g.source}); {e.name} cannot load it", _where(d, e))
        return
    f = fit(d)
    if f is None or not f.certain_misfit:
        return
    what = "the weights alone do not fit" if f.weights + f.non_torch > f.budget else "one sequence of the context does not fit in the KV cache"
    fix = fixes(d, f)
    yield Hit(f"{r.label}: vLLM will not start, {what}: {figures(f)}; {f.max_len_note}; GPU from {g.source}."
              + (f" Fix: {'; '.join(fix)}." if fix else ""), _where(d, e))


@declare("gpu-memory-tight", "warning", ["gpu-memory-fit"],
         "the KV cache holds the configured concurrency", "the model may not start or holds few sequences",
         doc=__doc__, applies=lambda d: _known(d) is not None)
def tight(d: Deployment) -> Iterator[Hit]:
    e, r, g = given(_known(d))
    floor = _weights_floor(d)
    if floor is not None and floor > g.usable_gib * utilization(e)[0]:
        return  # gpu-memory-insufficient's error says it
    if r.arch is None or not e.capability("memory_profiled_at_start"):  # a size, or an engine whose KV sizing is its own
        yield from _weights_assumed(d, e, r, g)
        if r.arch is not None and r.certain:
            yield from _pool(d, e, r, g)
        return
    yield from _profiled(d, e, r, g)


def _profiled(d: Deployment, e: Engine, r: ResolvedModel, g: Gpu) -> Iterator[Hit]:
    """An engine that profiles its memory at start (vLLM): the KV cache the model's shapes leave against one sequence."""
    f = fit(d)
    if f is None or (f.certain_misfit and r.certain):  # gpu-memory-insufficient's error says it
        return
    assumed = "" if r.certain else " (the model's shapes are assumed: no config.json of its own was read)"
    verdict = f.verdict
    fix = fixes(d, f) if verdict != "fits" else []
    tail = f" Fix: {'; '.join(fix)}." if fix else ""
    if verdict == "does-not-fit":
        yield Hit(f"{r.label}: vLLM would not start{assumed}: one {f.max_len}-token sequence needs {f.seq:.2f} GiB and the overhead of "
                  f"{f.release} leaves {f.range_text()}: {figures(f)}; {f.max_len_note}; GPU from {g.source}.{tail}", _where(d, e))
    elif verdict == "tight":
        yield Hit(f"{r.label}: tight: one {f.max_len}-token sequence needs {f.seq:.2f} GiB of KV cache, inside the "
                  f"{f.range_text()} that {f.release}'s overhead leaves; it starts only if the overhead stays near the low end{assumed}: "
                  f"{figures(f)}; GPU from {g.source}.{tail}", _where(d, e))
    elif d.typical_tokens:  # how long a typical request is, only a ModelSpec's load profile says
        yield from _concurrency(d, e, r, g, f, assumed)


def _pool(d: Deployment, e: Engine, r: ResolvedModel, g: Gpu) -> Iterator[Hit]:
    """SGLang's static pool and TGI's batch token budget against the KV cache the weights leave."""
    f = fit(d)
    if f is None or f.weights + f.non_torch > g.usable_gib:  # gpu-memory-insufficient says the weights do not fit
        return
    if e.name == "sglang" and f.kv_high <= 0:
        yield Hit(f"{r.label}: SGLang's static pool ({f.budget:.1f} GiB per {f.gpu} at {f.util_note}) holds the {f.weights:.1f} GiB of "
                  f"weights and leaves no KV cache ({f.range_text()}): it stops at start with 'Not enough memory'; raise "
                  f"--mem-fraction-static or add GPUs; GPU from {g.source}", _where(d, e))
    elif e.name == "tgi":
        batch, where = e.int_setting("max_num_batched_tokens"), e.setting("max_num_batched_tokens")
        room = f.tokens(f.kv_high)
        if f.seq > f.kv_high:
            yield Hit(f"{r.label}: TGI cannot hold one {f.max_len}-token request ({f.max_len_note}): {f.seq:.2f} GiB of KV cache against "
                      f"{f.range_text()} after the weights and the warm-up prefill: {figures(f)}; GPU from {g.source}", _where(d, e))
        elif batch and where is not None and batch > room:
            yield Hit(f"{r.label}: --max-batch-total-tokens {batch} is more than the KV cache holds (about {room} tokens, "
                      f"{f.range_text()}): TGI's warm-up runs out of memory; leave it unset and TGI infers it; GPU from {g.source}",
                      where.loc)


def _weights_assumed(d: Deployment, e: Engine, r: ResolvedModel, g: Gpu) -> Iterator[Hit]:
    """A model known only by its size or by a table entry not confirmed: its weights alone against the GPU."""
    if r.certain or (r.arch is None and r.params_b is None):
        return
    floor = _weights_floor(d)
    if floor is not None and floor > g.usable_gib * (utilization(e)[0] if e.capability("memory_profiled_at_start") else 1.0):
        return
    tp, quant = _tp(e), serving_quant(e, r)
    if r.arch is not None:
        weights = r.arch.weight_bytes(engine_dtype(e), quant) / GIB / tp
    else:
        weights = (r.params_b or 0) * 1e9 * (quant.bits_per_weight / 8 if quant else 2) / GIB / tp
    util, util_note = utilization(e) if e.capability("memory_profiled_at_start") else (1.0, f"all of {e.name}'s share")
    if weights > g.usable_gib * util:
        yield Hit(f"{r.name}: {r.source}{', ' + quant.method if quant else ', 16 bit'}: about {weights:.1f} GiB of weights per "
                  f"{g.name} (TP {tp}), more than its {g.usable_gib * util:.1f} GiB at {util_note}; GPU from {g.source}. "
                  "The model's own config.json (in the repository, or read from the Hub) would make this exact", _where(d, e))


def _concurrency(d: Deployment, e: Engine, r: ResolvedModel, g: Gpu, f: Fit, assumed: str) -> Iterator[Hit]:
    seqs, where = e.int_setting("max_num_seqs"), e.setting("max_num_seqs")
    typical = min(f.max_len, d.typical_tokens or f.max_len)
    tokens = f.tokens()
    if seqs and where is not None and tokens < seqs * typical:
        yield Hit(f"{r.label}: the KV cache holds about {tokens} tokens ({f.kv:.1f} GiB per {f.gpu} at "
                  f"{f.kv_per_token / 1024:.0f} KiB per token), {tokens // typical} requests of {typical} tokens (the spec's p50 "
                  f"prompt + response), fewer than --max-num-seqs {seqs}: the rest queue or are preempted{assumed}; GPU from {g.source}",
                  where.loc)


CHECKS = [check, tight]
