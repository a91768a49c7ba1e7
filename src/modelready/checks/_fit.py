"""Will the model start on its GPUs: the engine's own start-up arithmetic, over the resolved model and GPU.

vLLM's profiler (worker `determine_available_memory`) requests `total × gpu_memory_utilization` per
GPU, subtracts the weights and what its profiling run allocated, and refuses to start when the rest cannot
hold one `max_model_len` sequence. That overhead depends on the pinned release and the model's shape
(data/memory.yaml): V0 profiles a dummy batch as long as the context, V1 `max_num_batched_tokens` and a
sampler run over `max_num_seqs` logits, later releases CUDA graphs by capture size (none with
`--enforce-eager`), multimodal models their encoder; 0.34 with an unset utilization takes all that is free
after graph capture. Every term is a range: the verdict is *fits* (one sequence fits at the high end),
*tight* (inside the range) or *does not fit* (beyond it). An error rests only on the certain floor: the
weights and the least non-torch memory published logs show. SGLang's static pool (total ×
`--mem-fraction-static`) holds the weights and the KV cache; TGI sizes its KV cache after a warm-up prefill.
The figures are scored against published logs by tools/memory_accuracy.py (docs/memory-accuracy.md).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from collections.abc import Callable
from typing import Any, TypeVar

from .. import data
from ..normalize.accelerator import Gpu
from ..normalize.architecture import DTYPE_BYTES, ModelArch, Quant
from ..normalize.engine import flag
from ..normalize.model import Deployment, Engine
from ..normalize.resolve import ResolvedModel, quant_from_name

GIB = 2**30
NON_TORCH_GIB = {1: 0.15, 2: 0.25}  # the least non-torch memory published logs show (certainty floor), TP 1 and TP > 1
TP_CHOICES = (1, 2, 4, 8)
_QUANT_FLAGS = {"awq": Quant("awq", 4, 128), "awq_marlin": Quant("awq", 4, 128), "gptq": Quant("gptq", 4, 128),
                "gptq_marlin": Quant("gptq", 4, 128), "fp8": Quant("fp8", 8), "fbgemm_fp8": Quant("fp8", 8), "mxfp4": Quant("mxfp4", 4),
                "modelopt_fp4": Quant("nvfp4", 4), "experts_int8": Quant("int8", 8), "marlin": Quant("gptq", 4, 128),
                # bitsandbytes: 4-bit in vLLM; TGI's plain "bitsandbytes" is 8-bit, taken as 4 so a misfit stays certain
                "bitsandbytes": Quant("bitsandbytes", 4), "bitsandbytes-nf4": Quant("bitsandbytes", 4),
                "bitsandbytes-fp4": Quant("bitsandbytes", 4), "eetq": Quant("int8", 8), "compressed-tensors": Quant("int8", 8)}


@dataclass(frozen=True)
class Term:
    """One overhead term of the start-up arithmetic, per GPU, as a range in GiB, with where it comes from."""

    name: str
    low: float
    high: float
    source: str

    @property
    def mid(self) -> float:
        return (self.low + self.high) / 2


@dataclass
class Fit:
    """One engine instance's memory on each of its GPUs, in GiB."""

    model: str
    gpu: str
    tp: int
    pp: int
    util: float
    util_note: str
    budget: float  # usable × utilization (vLLM), the static pool (SGLang), the memory fraction (TGI)
    weights: float  # per GPU
    non_torch: float  # the certainty floor of non-torch memory
    activation: float  # the estimate of every other overhead term (their middle)
    kv_per_token: float  # bytes per token per GPU (every layer)
    seq: float  # one max_model_len sequence, per GPU
    max_len: int
    max_len_note: str
    kv_elem: float
    arch: ModelArch
    terms: list[Term] = field(default_factory=list)
    release: str = ""  # the memory profile's release ("vLLM 0.9 (V1)")
    block_size: int = 16
    usable: float = 0.0  # per GPU, what CUDA reports
    pool_only: bool = False  # SGLang starts with any KV pool (it caps requests at the pool), vLLM and TGI need one sequence

    @property
    def floor(self) -> float:
        """KV memory left with only the certain overhead counted: below one sequence, the engine cannot start."""
        return self.budget - self.weights - self.non_torch

    @property
    def kv_low(self) -> float:
        return self.budget - self.weights - sum(t.high for t in self.terms)

    @property
    def kv_high(self) -> float:
        return self.budget - self.weights - sum(t.low for t in self.terms)

    @property
    def kv(self) -> float:
        return self.budget - self.weights - sum(t.mid for t in self.terms)

    @property
    def needed(self) -> float:
        """KV cache the engine needs to start: one max_model_len sequence, or (SGLang) any pool at all."""
        return 0.0 if self.pool_only else self.seq

    @property
    def certain_misfit(self) -> bool:
        return self.needed >= self.floor if self.pool_only else self.seq > self.floor

    @property
    def likely_misfit(self) -> bool:
        return self.seq > self.kv

    @property
    def verdict(self) -> str:
        """fits: one sequence fits even at the high end of the overhead; tight: inside the range; does-not-fit: beyond it."""
        if self.needed > self.kv_high or self.certain_misfit:
            return "does-not-fit"
        return "tight" if self.needed > self.kv_low or (self.pool_only and self.kv_low <= 0) else "fits"

    def tokens(self, kv_gib: float | None = None) -> int:
        kv = self.kv if kv_gib is None else kv_gib
        if not self.kv_per_token or kv <= 0:
            return 0
        blocks = int(kv * GIB // (self.kv_per_token * self.block_size))
        return blocks * self.block_size

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

    def concurrency(self, request_tokens: int) -> float:
        return self.tokens() / request_tokens if request_tokens else 0.0

    def range_text(self) -> str:
        return f"{max(0.0, self.kv_low):.1f}–{max(0.0, self.kv_high):.1f} GiB of KV cache per GPU"


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
            u = float(v.value)
            if 0 < u <= 1:
                return u, f"{flag(e.name, 'gpu_memory_utilization')} {v.value}"
        except (TypeError, ValueError):
            pass
    if e.name == "sglang":
        tp = (e.int_setting("tensor_parallel", 1) or 1) * (e.int_setting("pipeline_parallel", 1) or 1)
        by_tp: dict[int, float] = data.memory()["sglang"]["default_mem_fraction_by_tp"]
        f = next((v for t, v in sorted(by_tp.items(), reverse=True) if tp >= t), data.memory()["sglang"]["default_mem_fraction"])
        return f, f"SGLang's default --mem-fraction-static at TP {tp}, {f:g}"
    if e.name == "tgi":
        f = data.memory()["tgi"]["default_memory_fraction"]
        return f, f"TGI's default --cuda-memory-fraction {f:g}"
    profile = data.memory_profile(e.version)
    if profile.get("unset_utilization") == "free_after_graphs" and e.version:
        return 1.0, f"vLLM {profile['since']}+: unset, all the memory left after CUDA-graph capture"
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
    return limit, (f"no {flag(e.name, 'max_model_len')}: {e.name} takes the model's {limit} tokens" if limit else "")


def _range(x: Any) -> tuple[float, float]:
    return float(x[0]), float(x[1])


def _activation_bytes(a: ModelArch, tp: int) -> float:
    """Bytes per profiled token on one GPU: the MLP's gate/up and down buffers and the residual stream (2 bytes each);
    an MoE layer's fused-expert buffers for its routed tokens."""
    h = a.hidden
    if a.experts:
        inter = (a.moe_intermediate or a.intermediate) / tp
        return 2 * (max(1, a.experts_per_token) * (3 * inter + h) + 3 * h)
    return 2 * (3 * a.intermediate / tp + 3 * h)


def _profiled_batch(e: Engine, prof: dict[str, Any], large: str, max_len: int, g: Gpu) -> tuple[int, int, str]:
    """(tokens in the dummy batch, sequences in the sampler run, why) for the pinned release."""
    flag_tokens = e.int_setting("max_num_batched_tokens")
    if prof["engine"] == "V0":
        chunked = max_len > prof["chunked_above"]
        tokens = flag_tokens or (prof["chunked_tokens"] if chunked else max(max_len, 2048))
        how = ("--max-num-batched-tokens" if flag_tokens else
               f"chunked prefill above {prof['chunked_above']} tokens" if chunked else "V0 profiles a dummy batch as long as the context")
        return tokens, e.int_setting("max_num_seqs") or prof["max_num_seqs"], how
    how = "--max-num-batched-tokens" if flag_tokens else f"V1's default max_num_batched_tokens on a {g.usable_gib:.0f} GiB GPU"
    return flag_tokens or prof["profile_tokens"][large], e.int_setting("max_num_seqs") or prof["max_num_seqs"][large], how


def _multimodal(a: ModelArch, prof: dict[str, Any], tokens: int, seqs: int) -> Term | None:
    """The encoder's dummy items. V0 gives a cross-attention model (mllama) one maximal image per sequence
    (vllm PR #12126: 36.6 GiB at 128 sequences); otherwise the encoder budget follows the profiled tokens. V1's
    profile_run (vllm/v1/worker/gpu_model_runner.py, 0.8) runs the encoder on min(cdiv(budget, item), max_num_seqs)
    copies of one maximal item, the budget max(max_num_batched_tokens, item) (compute_encoder_budget): at least one
    maximal image whatever the context (Qwen2.5-VL: 65,536 patches, 16,384 tokens after the merger)."""
    if not a.tower_params:
        return None
    per_item = a.tower_item_tokens or 1024
    patches = a.tower_item_patches or per_item
    if prof["engine"] == "V0" and a.model_type.startswith("mllama"):
        items = seqs * per_item
    elif prof["engine"] == "V1":
        items = min(-(-max(tokens, per_item) // per_item), seqs) * patches
    else:
        items = min(tokens, seqs * per_item)
    mm = items * (a.tower_hidden or 1024) * 2 / GIB
    return Term("multimodal", mm * 12, mm * 24, f"the vision/audio encoder on {items} dummy positions (hidden {a.tower_hidden})")


def _profile(e: Engine, v1_env: str | None) -> dict[str, Any]:
    """The release's memory profile; VLLM_USE_V1 picks the other engine where both shipped (0.7 to 0.9)."""
    prof = data.memory_profile(e.version)
    if v1_env == "1" and prof["engine"] == "V0":
        return {**data.memory_profile("0.8.0"), "since": f"{prof['since']} with VLLM_USE_V1=1"}
    if v1_env == "0" and prof["engine"] == "V1":
        return {**data.memory_profile("0.6.4"), "since": f"{prof['since']} with VLLM_USE_V1=0"}
    return prof


def vllm_terms(e: Engine, a: ModelArch, g: Gpu, tp: int, max_len: int, v1_env: str | None = None) -> tuple[list[Term], dict[str, Any]]:
    """vLLM's overhead terms for the pinned release (data/memory.yaml), with where each comes from."""
    prof = _profile(e, v1_env)
    rel = f"vLLM {prof['since']}+ ({prof['engine']})" if e.version else f"vLLM, newest known ({prof['engine']}; the image is not pinned)"
    large = "large" if g.usable_gib >= 70 else "small"
    terms: list[Term] = []
    nt = _range(prof["non_torch_gib"]["single" if tp == 1 else "multi"])
    terms.append(Term("non_torch", *nt, f"{rel}: CUDA context, cuBLAS and NCCL buffers at TP {tp}"))
    tokens, seqs, how = _profiled_batch(e, prof, large, max_len, g)
    act = tokens * _activation_bytes(a, tp) / GIB
    flo, fhi = _range(prof["activation_factor"])
    terms.append(Term("activation", act * flo, act * fhi, f"{tokens} profiled tokens ({how}) × {_activation_bytes(a, tp) / 1024:.0f} KiB per token "
                                                           f"(hidden {a.hidden}, intermediate {a.moe_intermediate or a.intermediate}, TP {tp})"))
    lo, hi = _range(prof["sampler_bytes"])
    logits = seqs * (a.vocab or 32000)
    terms.append(Term("sampler", logits * lo / GIB, logits * hi / GIB, f"{seqs} sequences × {a.vocab} vocabulary logits in the sampler run"))
    if "compile_share" in prof:
        clo, chi = _range(prof["compile_share"])
        terms.append(Term("compile", clo * g.usable_gib, chi * g.usable_gib, f"{rel}: torch.compile and allocator pools in the profiling run, "
                                                                            f"{clo:.0%}–{chi:.0%} of the GPU"))
    else:
        terms.append(Term("compile", *_range(prof["compile_gib"]), f"{rel}: cuBLAS workspaces and allocator slack"))
    enforce_eager = "--enforce-eager" in e.flags
    if prof["cuda_graphs"] == "profiled" and not enforce_eager:
        glo, ghi = _range(prof["graph_gib_per_size"])
        n = prof["capture_sizes"]
        terms.append(Term("cuda_graphs", glo * n, ghi * n, f"{rel}: {n} CUDA-graph capture sizes, profiled before the KV cache"))
    mm = _multimodal(a, prof, tokens, seqs)
    terms += [mm] if mm is not None else []
    block = e.int_setting("block_size") or int(prof["block_size"])  # --block-size, else the release's default (64 from 0.34)
    info = {"release": rel, "block_size": block, "profile_tokens": tokens, "max_num_seqs": seqs,
            "cuda_graphs": "none (--enforce-eager)" if enforce_eager else prof["cuda_graphs"]}
    return terms, info


def _engine_terms(e: Engine, a: ModelArch, g: Gpu, tp: int, max_len: int, floor_nt: float,
                  v1_env: str | None = None) -> tuple[list[Term], dict[str, Any]]:
    if e.name == "sglang":  # the static pool holds weights and KV cache; activations and graphs live outside it
        return ([Term("non_torch", 0.3, 1.2, "CUDA context and NCCL buffers, taken before SGLang sizes its static pool")],
                {"release": f"SGLang {e.version or '(unpinned)'}", "block_size": 1})
    if e.name == "tgi":
        return ([Term("non_torch", floor_nt, 0.6, "CUDA context"),
                 Term("prefill", 0.5, 2.5, "the warm-up prefill of --max-batch-prefill-tokens (TGI sizes its KV cache after it)")],
                {"release": f"TGI {e.version or '(unpinned)'}", "block_size": 16})
    return vllm_terms(e, a, g, tp, max_len, v1_env)


def _as_cached(e: Engine, a: ModelArch) -> ModelArch:
    """The model's KV layout as the pinned vLLM caches it: before MLA caching, DeepSeek's full K and V per head."""
    since = data.memory().get("mla_cache_since")
    key, at = data.version_key(e.version) if e.version else None, data.version_key(str(since)) if since else None
    if not a.mla or e.name != "vllm" or key is None or at is None or key >= at:
        return a
    return replace(a, kv_lora_rank=None, kv_heads=a.heads, head_dim=(a.qk_nope_head_dim or 0) + (a.qk_rope_head_dim or 0))


def _weights_per_gpu(e: Engine, r: ResolvedModel, a: ModelArch, g: Gpu, ranks: int) -> float:
    weights = a.weight_bytes(engine_dtype(e), serving_quant(e, r), mxfp4_pad=mxfp4_multiples(e, g)) / GIB / ranks
    if a.experts and "--enable-expert-parallel" in e.flags:  # experts spread over TP × DP ranks, not sliced over TP alone
        dp = e.int_setting("data_parallel", 1) or 1
        share = a.expert_share(engine_dtype(e), serving_quant(e, r))
        weights *= (1 - share) + share / dp
    return weights


def mxfp4_multiples(e: Engine, g: Gpu) -> tuple[int, int]:
    """The (intermediate, hidden) multiples the pinned vLLM's MXFP4 MoE kernel on GPU `g` pads experts to (data/memory.yaml)."""
    spec = data.gpus().get(g.name) or {}
    kind = "hopper" if spec.get("mxfp4_padded") else "ampere" if spec.get("vendor") == "nvidia" else None
    if kind is None or e.name != "vllm":
        return (1, 1)
    rows = data.memory()["mxfp4_padding"]
    key = data.version_key(e.version) if e.version else None
    row = rows[-1] if key is None else [r for r in rows if (data.version_key(r["since"]) or (0, 0, 0)) <= key][-1]
    inter, hidden = row[kind]
    return int(inter), int(hidden)


def _v1_env(d: Deployment) -> str | None:
    env = d.engine_container.env_map() if d.engine_container is not None else {}
    v1 = env.get("VLLM_USE_V1")
    return str(v1.value).strip() if v1 is not None and v1.value is not None else None


def fit(d: Deployment, tp: int | None = None, kv_elem: float | None = None, gpu: Gpu | None = None) -> Fit | None:
    """The engine's start-up arithmetic for deployment `d` (optionally at another TP, KV dtype or GPU); None when it cannot be done.
    Each is worked out once: the memory checks and the report's `memory` object all ask for the same ones."""
    return _once(_FITS, (id(d), id(d.engine), id(d.resolved), d.gpu, tp, kv_elem, gpu), (d, d.engine, d.resolved),
                 lambda: _fit_alike(d, tp, kv_elem, gpu))


def _fit_alike(d: Deployment, tp: int | None, kv_elem: float | None, gpu: Gpu | None) -> Fit | None:
    """`_fit`, once for every deployment alike in what it reads (the engine's name, release, flags and settings,
    the model, the GPU, VLLM_USE_V1): a thousand copies of one serving unit are one sum."""
    e, r = d.engine, d.resolved
    if e is None or r is None:
        return None
    return _once(_ALIKE, (_alike_key(d, e, r), d.gpu, tp, kv_elem, gpu), (r.arch,), lambda: _fit(d, tp, kv_elem, gpu))


def fits_on(d: Deployment, gpus: tuple[Gpu | None, ...]) -> tuple[Fit | None, ...]:
    """`fit(d, gpu=g)` for each of `gpus` (a table the caller keeps), asked once for every deployment alike: a check that
    weighs a table of GPUs asks each of 2,500 alike units for the same seven fits."""
    e, r = d.engine, d.resolved
    if e is None or r is None:
        return tuple(None for _g in gpus)
    return _once(_ALIKE, ("fits_on", _alike_key(d, e, r), d.gpu, id(gpus)), (r.arch, gpus),
                 lambda: tuple(_fit_alike(d, None, None, g) for g in gpus))


def _alike_key(d: Deployment, e: Engine, r: ResolvedModel) -> int:
    """What a fit of `d` reads of its engine, model and VLLM_USE_V1, made once per deployment (a check asks for a fit on
    every GPU of the table), as its number (`_number`)."""
    return _once(_ALIKE_KEYS, id(d), (d, e, r), lambda: _number((
        _engine_key(e), (r.name, r.source, r.kind, r.certain, r.params_b, repr(r.name_quant), r.notes, id(r.arch)), _v1_env(d))))


def _number(key: tuple[Any, ...]) -> int:
    """One number for each distinct `key`, never reused (a memo cleared past 50,000 keys numbers them anew): the fits'
    memo is keyed by it, not by the whole tuple of flags and settings that every lookup hashed and compared again."""
    n = _NUMBERS.get(key)
    if n is None:
        if len(_NUMBERS) > 50_000:
            _NUMBERS.clear()
        n = _NUMBERS[key] = next(_COUNT)
    return n


def _engine_key(e: Any) -> tuple[Any, ...]:
    """What a fit reads of an engine (name, release, flags, settings, options), made once per engine: the memory checks
    ask for a fit on every GPU of the table."""
    return _once(_ENGINE_KEYS, id(e), (e,), lambda: (e.name, e.version, _values(e.flags), _values(e.settings), _values(e.options)))


T = TypeVar("T")
_Memo = dict[Any, tuple[tuple[Any, ...], Any]]  # key -> (the objects the key names by id, kept alive; the value)


def _once(memo: _Memo, key: Any, objects: tuple[Any, ...], make: Callable[[], T]) -> T:
    """`make()`, once per `key` while `objects` (those `key` names by id) are the same ones; they are held with the value,
    so no id in a key is reused while its entry lives. Bounded: past 50,000 entries it starts again."""
    held = memo.get(key)
    if held is not None:
        for kept, now in zip(held[0], objects):
            if kept is not now:
                break
        else:
            value: T = held[1]
            return value
    if len(memo) > 50_000:
        memo.clear()
    memo[key] = (objects, made := make())
    return made


_FITS: _Memo = {}  # (deployment, engine, model, GPU, the asked TP, KV dtype and GPU) -> the fit
_ALIKE: _Memo = {}  # what a fit reads -> the fit (held with the model's architecture)
_ALIKE_KEYS: _Memo = {}  # deployment -> what a fit of it reads of its engine, model and environment
_ENGINE_KEYS: _Memo = {}  # engine -> what a fit reads of it
_NUMBERS: dict[tuple[Any, ...], int] = {}  # what a fit of a deployment reads -> its number
_COUNT = itertools.count()


def _values(table: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """Each entry in its order: a string value as it is, any other by its type and repr (1 is not True, -0.0 not 0.0)."""
    return tuple([(k, v.value if type(v.value) is str else (type(v.value), repr(v.value))) for k, v in table.items()])


def _fit(d: Deployment, tp: int | None, kv_elem: float | None, gpu: Gpu | None) -> Fit | None:
    e, r, g = d.engine, d.resolved, gpu or d.gpu
    if e is None or r is None or r.arch is None or g is None:
        return None
    a = _as_cached(e, r.arch)
    tp = tp or e.int_setting("tensor_parallel", 1) or 1
    pp = e.int_setting("pipeline_parallel", 1) or 1
    max_len, len_note = model_len(e, a)
    if not max_len:
        return None
    util, util_note = utilization(e)
    elem = kv_elem or kv_elem_bytes(e, r)
    weights = _weights_per_gpu(e, r, a, g, tp * pp)
    floor_nt = NON_TORCH_GIB[1 if tp * pp == 1 else 2]
    terms, info = _engine_terms(e, a, g, tp, max_len, floor_nt, _v1_env(d))
    return Fit(r.name, g.name, tp, pp, util, util_note, g.usable_gib * util, weights, floor_nt,
               sum(t.mid for t in terms if t.name != "non_torch"), a.kv_bytes_per_token(tp, elem, pp),
               a.kv_bytes_for(max_len, tp, elem, pp) / GIB, max_len, len_note, elem, a, terms, str(info["release"]), int(info["block_size"]), g.usable_gib,
               pool_only=e.name == "sglang")


def fixes(d: Deployment, f: Fit) -> list[str]:
    """What would make it start: a shorter context, more GPUs, an fp8 KV cache."""
    out = []
    name = d.engine.name if d.engine is not None else "vllm"
    longest = f.longest_len(f.kv_low)
    if longest >= 1024 and longest < f.max_len:
        out.append(f"{flag(name, 'max_model_len')} {longest} fits")
    out.append(_more_gpus(d, f, name))
    if f.kv_elem > 1:
        g = fit(d, kv_elem=1)
        if g is not None and g.verdict != "does-not-fit":
            out.append(f"{flag(name, 'kv_cache_dtype')} fp8 " + _fits_word(g))
    return [x for x in out if x]


def _fits_word(g: Fit) -> str:
    return "fits" if g.verdict == "fits" else "may fit (tight)"


def _more_gpus(d: Deployment, f: Fit, name: str) -> str:
    """The smallest larger tensor-parallel size that fits ('' where none is larger)."""
    a = f.arch
    for tp in TP_CHOICES:
        if tp <= f.tp or a.heads % tp or (a.kv_heads % tp and tp % a.kv_heads):
            continue
        g = fit(d, tp=tp)
        if g is not None and g.verdict != "does-not-fit":
            return f"{flag(name, 'tensor_parallel')} {tp} (and {tp * f.pp} GPUs) " + _fits_word(g)
    if f.tp < TP_CHOICES[-1]:
        return f"no tensor-parallel size up to {TP_CHOICES[-1]} fits on {f.gpu}: a quantized checkpoint or a larger GPU"
    return ""

def figures(f: Fit) -> str:
    tp = f"TP {f.tp}" + (f" × PP {f.pp}" if f.pp > 1 else "")
    over = ", ".join(f"{t.name.replace('_', '-')} {t.low:.2f}–{t.high:.2f}" for t in f.terms)
    return (f"per {f.gpu} ({tp}): {f.budget:.1f} GiB usable at {f.util_note}; weights {f.weights:.1f} GiB, one {f.max_len}-token "
            f"sequence {f.seq:.2f} GiB of KV cache ({f.kv_per_token / 1024:.0f} KiB per token per GPU); overhead GiB ({f.release}): {over}; "
            f"{f.range_text()} left")


def memory(d: Deployment) -> dict[str, Any] | None:
    """The `memory` object of the JSON report for deployment `d` (docs/report-schema.json); None when it cannot be sized."""
    f = fit(d)
    if f is None:
        return None
    request = d.typical_tokens or min(f.max_len, 2048)
    return {
        "engine": d.engine.name if d.engine else None, "release": f.release, "gpu": f.gpu, "gpu_source": d.gpu.source if d.gpu else None,
        "tensor_parallel": f.tp, "pipeline_parallel": f.pp,
        "usable_bytes_per_gpu": int(f.usable * GIB), "budget_bytes_per_gpu": int(f.budget * GIB), "utilization": f.util,
        "utilization_source": f.util_note, "weights_bytes_per_gpu": int(f.weights * GIB), "weights_gib": round(f.weights, 3),
        "kv_bytes_per_token": int(f.kv_per_token), "block_size": f.block_size,
        "overhead": [{"term": t.name, "low_bytes": int(t.low * GIB), "high_bytes": int(t.high * GIB), "source": t.source} for t in f.terms],
        "kv_gib": round(f.kv, 3), "kv_gib_range": [round(f.kv_low, 3), round(f.kv_high, 3)],
        "kv_tokens": f.tokens(), "kv_tokens_range": [f.tokens(f.kv_low), f.tokens(f.kv_high)],
        "max_model_len": f.max_len, "max_model_len_source": f.max_len_note, "sequence_bytes": int(f.seq * GIB),
        "longest_max_model_len": min(f.longest_len(f.kv_low), f.arch.context_length or 10**9), "verdict": f.verdict,
        "verdict_reason": ("one sequence does not fit even with only the certain overhead" if f.certain_misfit else
                           f"one {f.max_len}-token sequence needs {f.seq:.2f} GiB; {f.range_text()}"),
        "request_tokens": request, "request_tokens_source": "the ModelSpec's p50 prompt + response" if d.typical_tokens
        else f"a stated request of {request} tokens", "concurrency": round(f.concurrency(request), 2),
    }
