"""
## What it does
Runs vLLM's own start-up arithmetic for the deployment's model on its GPUs: usable GPU memory ×
`--gpu-memory-utilization` (the pinned release's default when unset), minus the weights on each GPU
(exact bytes from safetensors headers when the Hub gave them; else counted from config.json with the
quantization's bits, embeddings kept at 16 bit), minus non-torch memory, must hold the KV cache of one
`--max-model-len` sequence (the model's own context when unset). The KV cache per token per GPU
follows the model: GQA heads split over TP and replicated beyond the KV heads, the MLA latent on every
rank, sliding-window layers held at the window, `--kv-cache-dtype fp8` halving it. The model comes
from a config.json in the repository, the Hugging Face Hub at the pinned revision, or the bundled
table of widely deployed models; the GPU from the node selector, node affinity, a MIG resource or the
ModelSpec. An error only when it does not fit even with no activation memory counted; the message
gives the figures and what would fit.

`gpu-memory-tight` warns where it fits only without the activation peak vLLM measures (published
measured figures), where the model is known only from a table entry not confirmed from a real
config.json or from its name, and where the KV cache holds fewer typical requests (the ModelSpec's p50
prompt + response tokens) than an explicit `--max-num-seqs`.

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

from . import Hit, declare
from ._fit import GIB, NON_TORCH_GIB, engine_dtype, figures, fit, fixes, serving_quant, utilization

def _where(d):
    e = d.engine
    return (e.setting("max_model_len") or e.setting("tensor_parallel") or e.setting("model") or d.model).loc or d.loc


def _gpu(d) -> str:
    return f"GPU from {d.gpu.source}"


def _known(d) -> bool:
    r = d.resolved
    return d.engine is not None and d.engine.name in ("vllm", "sglang", "tgi") and r is not None and d.gpu is not None


def _weights_only(d) -> tuple[float, float] | None:
    """(weights per GPU, usable per GPU) for engines whose KV sizing differs from vLLM's (SGLang, TGI)."""
    e, r = d.engine, d.resolved
    tp = (e.int_setting("tensor_parallel", 1) or 1) * (e.int_setting("pipeline_parallel", 1) or 1)
    return r.arch.weight_bytes(engine_dtype(e), serving_quant(e, r)) / GIB / tp, d.gpu.usable_gib


@declare("gpu-memory-insufficient", "error", ["gpu-memory-fit"],
         "weights and KV cache fit in GPU memory", "the model does not fit in the GPUs given",
         doc=__doc__, applies=lambda d: _known(d) and d.resolved.certain and d.resolved.arch is not None)
def check(d):
    r = d.resolved
    if d.engine.name != "vllm":
        weights, usable = _weights_only(d)
        if weights + NON_TORCH_GIB[1] > usable:
            yield Hit(f"{r.label} does not fit: {weights:.1f} GiB of weights on each {d.gpu.name}, which has {usable:.1f} GiB "
                      f"({_gpu(d)}); {d.engine.name} cannot load it", _where(d))
        return
    f = fit(d)
    if f is None or not f.certain_misfit:
        return
    what = "the weights alone do not fit" if f.weights + f.non_torch > f.budget else "one sequence of the context does not fit in the KV cache"
    fix = fixes(d, f)
    yield Hit(f"{r.label}: vLLM will not start, {what}: {figures(f)}; {f.max_len_note}; {_gpu(d)}."
              + (f" Fix: {'; '.join(fix)}." if fix else ""), _where(d))


@declare("gpu-memory-tight", "warning", ["gpu-memory-fit"],
         "the KV cache holds the configured concurrency", "the model may not start or holds few sequences",
         doc=__doc__, applies=_known)
def tight(d):
    r, e = d.resolved, d.engine
    if r.arch is None or e.name != "vllm":  # a size, or an engine whose KV sizing is its own: the weights alone
        yield from _weights_assumed(d)
        return
    f = fit(d)
    if f is None or (f.certain_misfit and r.certain):  # gpu-memory-insufficient's error says it
        return
    assumed = "" if r.certain else " (the model's shapes are assumed: no config.json of its own was read)"
    fix = fixes(d, f) if f.likely_misfit else []
    tail = f" Fix: {'; '.join(fix)}." if fix else ""
    if f.certain_misfit:
        yield Hit(f"{r.label}: vLLM would not start{assumed}: {figures(f)}; {f.max_len_note}; {_gpu(d)}.{tail}", _where(d))
    elif f.likely_misfit:
        yield Hit(f"{r.label}: one {f.max_len}-token sequence fits only if the activation peak stays under "
                  f"{f.floor - f.seq:.1f} GiB (measured {f.activation:.1f} GiB or more for this kind of model){assumed}: {figures(f)}; "
                  f"{_gpu(d)}.{tail}", _where(d))
    elif d.typical_tokens:  # how long a typical request is, only a ModelSpec's load profile says
        yield from _concurrency(d, f, assumed)


def _weights_assumed(d):
    """A model known only by its size or by a table entry not confirmed: its weights alone against the GPU."""
    r, e = d.resolved, d.engine
    if r.certain or (r.arch is None and r.params_b is None):
        return
    tp = (e.int_setting("tensor_parallel", 1) or 1) * (e.int_setting("pipeline_parallel", 1) or 1)
    quant = serving_quant(e, r)
    if r.arch is not None:
        weights = r.arch.weight_bytes(engine_dtype(e), quant) / GIB / tp
    else:
        weights = r.params_b * 1e9 * (quant.bits_per_weight / 8 if quant else 2) / GIB / tp
    util, util_note = utilization(e) if e.name == "vllm" else (1.0, f"all of {e.name}'s share")
    if weights > d.gpu.usable_gib * util:
        yield Hit(f"{r.name}: {r.source}{', ' + quant.method if quant else ', 16 bit'}: about {weights:.1f} GiB of weights per "
                  f"{d.gpu.name} (TP {tp}), more than its {d.gpu.usable_gib * util:.1f} GiB at {util_note}; {_gpu(d)}. "
                  "The model's own config.json (in the repository, or read from the Hub) would make this exact", _where(d))


def _concurrency(d, f, assumed: str):
    seqs = d.engine.int_setting("max_num_seqs")
    typical = min(f.max_len, d.typical_tokens)
    tokens = f.tokens()
    if seqs and tokens < seqs * typical:
        yield Hit(f"{d.resolved.label}: the KV cache holds about {tokens} tokens ({f.kv:.1f} GiB per {f.gpu} at "
                  f"{f.kv_per_token / 1024:.0f} KiB per token), {tokens // typical} requests of {typical} tokens (the spec's p50 "
                  f"prompt + response), fewer than --max-num-seqs {seqs}: the rest queue or are preempted{assumed}; {_gpu(d)}",
                  d.engine.setting("max_num_seqs").loc)


CHECKS = [check, tight]
