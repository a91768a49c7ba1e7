"""Will the model start on its GPUs: vLLM's own start-up arithmetic, over the resolved model and GPU.

vLLM's profiler (worker `determine_available_memory`) requests `total × gpu_memory_utilization` per
GPU, subtracts the weights, the activation peak of a dummy batch and non-torch memory, and refuses to
start when the rest cannot hold one `max_model_len` sequence. Activation and non-torch memory are not
in the files; the figures below are measured ones published by llm-d's capacity planner (H100,
vLLM 0.11: activation 4.8–5.6 GiB dense, 7.4–8 GiB MoE, 2.1–2.5 GiB multimodal; non-torch 0.15 GiB
at TP 1, 0.6 GiB at TP ≥ 2; llm-d-incubation/llm-d-planner, capacity_planner constants). An error
is only raised when the sequence does not fit even with no activation memory at all; the activation
estimate decides warnings. The activation peak grows with the dummy batch, `max_num_batched_tokens`:
the measured figures are for 8192 tokens (vLLM V1's default on GPUs of 70 GiB and more; 2048 below),
so they are scaled by the deployment's batch.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import data
from ..normalize.accelerator import Gpu
from ..normalize.architecture import DTYPE_BYTES, ModelArch, Quant
from ..normalize.engine import flag
from ..normalize.model import Deployment, Engine
from ..normalize.resolve import ResolvedModel, quant_from_name

GIB = 2**30
ACTIVATION_GIB = {"dense": 4.8, "moe": 7.4}  # lower ends of the measured ranges
NON_TORCH_GIB = {1: 0.15, 2: 0.6}
MEASURED_BATCH = 8192  # tokens in the dummy batch the activation figures were measured with
TP_CHOICES = (1, 2, 4, 8)
_QUANT_FLAGS = {"awq": Quant("awq", 4, 128), "awq_marlin": Quant("awq", 4, 128), "gptq": Quant("gptq", 4, 128),
                "gptq_marlin": Quant("gptq", 4, 128), "fp8": Quant("fp8", 8), "fbgemm_fp8": Quant("fp8", 8), "mxfp4": Quant("mxfp4", 4),
                "modelopt_fp4": Quant("nvfp4", 4), "experts_int8": Quant("int8", 8), "marlin": Quant("gptq", 4, 128),
                # bitsandbytes: 4-bit in vLLM; TGI's plain "bitsandbytes" is 8-bit, taken as 4 so a misfit stays certain
                "bitsandbytes": Quant("bitsandbytes", 4), "bitsandbytes-nf4": Quant("bitsandbytes", 4),
                "bitsandbytes-fp4": Quant("bitsandbytes", 4), "eetq": Quant("int8", 8), "compressed-tensors": Quant("int8", 8)}


@dataclass
class Fit:
    """One engine instance's memory on each of its GPUs, in GiB."""

    model: str
    gpu: str
    tp: int
    pp: int
    util: float
    util_note: str
    budget: float  # usable × utilization
    weights: float  # per GPU
    non_torch: float
    activation: float  # the published estimate; 0 is used for certainty
    kv_per_token: float  # bytes per token per GPU (every layer)
    seq: float  # one max_model_len sequence, per GPU
    max_len: int
    max_len_note: str
    kv_elem: float
    arch: ModelArch

    @property
    def floor(self) -> float:
        """KV memory left with no activation counted: below one sequence, vLLM cannot start, whatever the batch."""
        return self.budget - self.weights - self.non_torch

    @property
    def kv(self) -> float:
        return self.floor - self.activation

    @property
    def certain_misfit(self) -> bool:
        return self.seq > self.floor

    @property
    def likely_misfit(self) -> bool:
        return self.seq > self.kv

    def tokens(self) -> int:
        return int(max(0.0, self.kv) * GIB // self.kv_per_token) if self.kv_per_token else 0

    def longest_len(self, kv_gib: float) -> int:
        """The longest max_model_len whose one sequence fits in `kv_gib` (sliding-window layers held at the window)."""
        a = self.arch
        per_layer = a.kv_bytes_per_token_layer(self.tp, self.kv_elem) / max(1, self.pp)
        full = a.cache_layers - a.sliding_layers
        budget = kv_gib * GIB / per_layer if per_layer else 0
        if budget <= 0 or not a.cache_layers:
            return 0
        if a.sliding_layers and a.sliding_window and budget > a.cache_layers * a.sliding_window:
            n = (budget - a.sliding_layers * a.sliding_window) / full if full else 10**9
        else:
            n = budget / a.cache_layers
        return int(n) // 16 * 16


def engine_dtype(e: Engine | None) -> str | None:
    v = e.setting("dtype") if e is not None else None
    return str(v.value).lower() if v is not None else None


def serving_quant(e: Engine | None, r: ResolvedModel) -> Quant | None:
    """The checkpoint's quantization; else the flag's (an online FP8 quantization); else the name's."""
    if r.arch is not None and r.arch.quant is not None:
        return r.arch.quant
    flag = e.setting("quantization") if e is not None else None
    if flag is not None and str(flag.value).lower() in _QUANT_FLAGS:
        return _QUANT_FLAGS[str(flag.value).lower()]
    return r.name_quant or quant_from_name(r.name)


def kv_elem_bytes(e: Engine, r: ResolvedModel) -> float:
    v = e.setting("kv_cache_dtype")
    if v is not None and str(v.value).lower().startswith("fp8"):
        return 1
    dtype = engine_dtype(e) or (r.arch.dtype if r.arch else None) or "bfloat16"
    return 4 if DTYPE_BYTES.get(dtype, 2) == 4 and engine_dtype(e) in ("float32", "float") else 2


def utilization(e: Engine) -> tuple[float, str]:
    v = e.setting("gpu_memory_utilization")
    if v is not None:
        try:
            return float(v.value), f"{flag(e.name, 'gpu_memory_utilization')} {v.value}"
        except (TypeError, ValueError):
            pass
    defaults: dict[str, float] = data.vllm_flags()["gpu_memory_utilization_default"]
    release = e.release
    if release in defaults:
        return defaults[release], f"vLLM {release}'s default {defaults[release]:g}"
    high = max(defaults.values())
    return high, f"the default of recent vLLM releases, {high:g} (the image's release is not pinned)"


def model_len(e: Engine, arch: ModelArch | None) -> tuple[int | None, str]:
    n = e.int_setting("max_model_len")
    if n:
        return n, f"{flag(e.name, 'max_model_len')} {n}"
    limit = arch.context_length if arch is not None else None
    return limit, (f"no {flag(e.name, 'max_model_len')}: vLLM takes the model's {limit} tokens" if limit else "")


def fit(d: Deployment, tp: int | None = None, kv_elem: float | None = None, gpu: Gpu | None = None) -> Fit | None:
    """vLLM's arithmetic for deployment `d` (optionally at another TP, KV dtype or GPU); None when it cannot be done."""
    e, r, g = d.engine, d.resolved, gpu or d.gpu
    if e is None or r is None or r.arch is None or g is None:
        return None
    a = r.arch
    tp = tp or e.int_setting("tensor_parallel", 1) or 1
    pp = e.int_setting("pipeline_parallel", 1) or 1
    max_len, len_note = model_len(e, a)
    if not max_len:
        return None
    util, util_note = utilization(e)
    elem = kv_elem or kv_elem_bytes(e, r)
    batch = e.int_setting("max_num_batched_tokens") or (8192 if g.usable_gib >= 70 else 2048)
    activation = ACTIVATION_GIB["moe" if a.experts else "dense"] * batch / MEASURED_BATCH
    weights = a.weight_bytes(engine_dtype(e), serving_quant(e, r)) / GIB / (tp * pp)
    if a.experts and "--enable-expert-parallel" in e.flags:  # experts spread over TP × DP ranks, not sliced over TP alone
        dp = e.int_setting("data_parallel", 1) or 1
        share = a.expert_share(engine_dtype(e), serving_quant(e, r))
        weights *= (1 - share) + share / dp
    return Fit(r.name, g.name, tp, pp, util, util_note, g.usable_gib * util, weights, NON_TORCH_GIB[1 if tp * pp == 1 else 2],
               activation, a.kv_bytes_per_token(tp, elem, pp), a.kv_bytes_for(max_len, tp, elem, pp) / GIB,
               max_len, len_note, elem, a)


def fixes(d: Deployment, f: Fit) -> list[str]:
    """What would make it start: a shorter context, more GPUs, an fp8 KV cache."""
    out = []
    name = d.engine.name if d.engine is not None else "vllm"
    longest = f.longest_len(f.kv)
    if longest >= 1024 and longest < f.max_len:
        out.append(f"{flag(name, 'max_model_len')} {longest} fits")
    a = f.arch
    for tp in TP_CHOICES:
        if tp <= f.tp or a.heads % tp or (a.kv_heads % tp and tp % a.kv_heads):
            continue
        g = fit(d, tp=tp)
        if g is not None and not g.likely_misfit:
            out.append(f"{flag(name, 'tensor_parallel')} {tp} (and {tp * f.pp} GPUs) fits")
            break
    else:
        if f.tp < TP_CHOICES[-1]:
            out.append(f"no tensor-parallel size up to {TP_CHOICES[-1]} fits on {f.gpu}: a quantized checkpoint or a larger GPU")
    if f.kv_elem > 1:
        g = fit(d, kv_elem=1)
        if g is not None and not g.likely_misfit:
            out.append(f"{flag(name, 'kv_cache_dtype')} fp8 fits")
    return out


def figures(f: Fit) -> str:
    tp = f"TP {f.tp}" + (f" × PP {f.pp}" if f.pp > 1 else "")
    return (f"per {f.gpu} ({tp}): {f.budget:.1f} GiB usable at {f.util_note}; weights {f.weights:.1f} GiB, one {f.max_len}-token "
            f"sequence {f.seq:.2f} GiB of KV cache ({f.kv_per_token / 1024:.0f} KiB per token per GPU), non-torch {f.non_torch:.2f} GiB, "
            f"activation about {f.activation:.1f} GiB")
