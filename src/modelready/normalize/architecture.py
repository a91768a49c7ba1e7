"""The model's architecture as memory and parallelism arithmetic needs it, read once from a Hugging Face
config.json (repository, Hub or the bundled table) into a typed value: the one ModelArch every check reads.

`ModelArch.from_config` reads the keys transformers configs use across families (Llama, Mistral, Mixtral,
Qwen2/3 and their MoE, Gemma 2/3, Phi-3, DeepSeek V2/V3 MLA, gpt-oss; GPT-2 / GPT-NeoX aliases); a
multimodal config's `text_config` describes the language model. A shape that is absent, or not of the type
transformers writes, is not guessed: from_config returns None.

Counting rules follow vLLM's own model code: KV heads per GPU are `max(1, kv_heads // tp)` (replicated
when TP exceeds them), MLA caches one latent of `kv_lora_rank + qk_rope_head_dim` per layer on every
rank, sliding-window layers hold at most `sliding_window` tokens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

from ..load.artifacts import shape_problems
from . import tensors

DTYPE_BYTES = {"float32": 4, "float": 4, "fp32": 4, "float16": 2, "half": 2, "fp16": 2, "bfloat16": 2, "bf16": 2,
               "fp8": 1, "fp8_e4m3": 1, "fp8_e5m2": 1, "f8_e4m3": 1, "f8_e5m2": 1, "int8": 1, "i8": 1, "u8": 1,
               "i32": 4, "f32": 4, "f16": 2, "i64": 8, "f64": 8, "bool": 1, "i16": 2}
# Models whose config.json carries `sliding_window` but only uses it when `use_sliding_window` is true.
# Families whose MLP is two matrices (up, down) rather than a gated three (gate, up, down).
_UNGATED = ("opt", "gpt2", "gpt_neox", "gpt_bigcode", "bloom", "falcon", "phi", "starcoder2", "mpt", "gptj")
# Learned absolute position tables vLLM allocates beside the token embedding: model_type -> rows beyond
# max_position_embeddings. OPT: OPTLearnedPositionalEmbedding(max_position_embeddings + 2, hidden) (vllm-project/vllm
# vllm/model_executor/models/opt.py, "offset the embedding ids by 2"); GPT-2 and GPT-BigCode: wpe, exactly n_positions.
_LEARNED_POSITIONS = {"opt": 2, "gpt2": 0, "gpt_bigcode": 0}
_SWA_OPT_IN = ("qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "qwen2_5_vl", "qwen2_vl")
# the first of these keys present names the field (GPT-2 / GPT-NeoX / Falcon spell them differently)
_ALIASES = {
    "layers": ("num_hidden_layers", "n_layer", "num_layers"),
    "hidden_size": ("hidden_size", "n_embd", "d_model"),
    "attention_heads": ("num_attention_heads", "n_head"),
    "experts": ("num_local_experts", "n_routed_experts", "num_experts"),
}


@dataclass(frozen=True)
class RopeScaling:
    kind: str | None  # rope_type (or the older `type`): linear, dynamic, yarn, llama3, longrope, ...
    factor: float | None
    original_max_position_embeddings: int | None

    @classmethod
    def from_config(cls, raw: object) -> RopeScaling | None:
        if not isinstance(raw, Mapping):
            return None
        kind = raw.get("rope_type") or raw.get("type")
        return cls(str(kind) if kind else None, _num(raw.get("factor")), _int(raw.get("original_max_position_embeddings")))


@dataclass(frozen=True)
class Quant:
    """A checkpoint's quantization_config (or quantize_config.json beside it)."""

    method: str  # gptq | awq | fp8 | mxfp4 | nvfp4 | compressed-tensors | bitsandbytes ...
    bits: int | None = None
    group_size: int | None = None

    @property
    def bits_per_weight(self) -> float:
        """Storage per quantized weight, scales included (GPTQ/AWQ: an fp16 scale and a packed zero per group)."""
        m = self.method
        if m in ("gptq", "awq", "gptq_marlin", "awq_marlin", "marlin") or (m == "compressed-tensors" and self.bits == 4):
            b, g = self.bits or 4, self.group_size if self.group_size and self.group_size > 0 else 0
            return b + ((16 + b) / g if g else 0)  # 4-bit group 128: 4.156
        if m == "mxfp4":
            return 4.25  # OCP MX: 32 four-bit values share one 8-bit scale
        if m in ("nvfp4", "modelopt_fp4"):
            return 4.5  # 16 four-bit values share one fp8 scale
        if m == "bitsandbytes":  # NF4: an absmax per 64 values, fp32, or 8-bit with double quantization
            if (self.bits or 4) != 4:
                return 8.0
            return 4.0 + (8 / 64 + 32 / (64 * 256) if self.group_size == -2 else 32 / 64)
        return 8.0  # fp8, fbgemm_fp8, int8 / w8a8, compressed-tensors 8-bit


@dataclass(frozen=True)
class Params:
    """Parameter counts by part: quantization formats keep embeddings and lm_head in 16 bits."""

    embed: int
    head: int
    dense: int  # attention and dense MLP weights (quantized by GPTQ/AWQ/FP8/NVFP4)
    experts: int  # routed and shared expert weights (MXFP4 in gpt-oss quantizes only these)

    @property
    def total(self) -> int:
        return self.embed + self.head + self.dense + self.experts


@dataclass(frozen=True)
class ModelArch:
    model_type: str
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    hidden: int
    intermediate: int
    vocab: int
    max_position_embeddings: int | None = None
    rope_scaling: RopeScaling | None = None
    sliding_window: int | None = None
    sliding_layers: int = 0  # how many layers attend only to the last `sliding_window` tokens
    state_layers: int = 0  # linear-attention or state-space layers (layer_types): a fixed state, no per-token cache
    kv_lora_rank: int | None = None  # MLA (DeepSeek V2/V3/R1)
    qk_rope_head_dim: int | None = None
    q_lora_rank: int | None = None
    qk_nope_head_dim: int | None = None
    v_head_dim: int | None = None
    experts: int = 0
    experts_per_token: int = 0
    shared_intermediate: int = 0  # all shared experts of a layer together (DeepSeek n_shared × moe size, Qwen2-MoE's own size)
    moe_intermediate: int | None = None
    dense_layers: int = 0  # leading dense layers of an MoE (DeepSeek first_k_dense_replace)
    quant: Quant | None = None
    dtype: str | None = None  # torch_dtype of the checkpoint
    tie_word_embeddings: bool = False
    params_by_dtype: dict[str, int] = field(default_factory=dict)  # safetensors metadata: dtype -> parameter count, exact
    architectures: tuple[str, ...] = ()  # config.json's `architectures` (the transformers class names)
    auto_map: tuple[str, ...] = ()  # config.json's `auto_map` targets: classes loaded from the model repository's own code
    tower_params: int = 0  # vision / audio encoder parameters (vision_config, audio_config): loaded in 16 bit beside the LM
    tower_hidden: int = 0  # the vision encoder's hidden size
    tower_item_tokens: int = 0  # decoder tokens of one maximal image (tiles × patches, or merged patches), when known
    tower_item_patches: int = 0  # the positions the encoder runs over for that image (before a patch merger)
    unquantized: tuple[str, ...] = ()  # quantization_config's modules_to_not_convert / ignore: kept in 16 bit
    stored_bytes: int | None = None  # model.safetensors.index.json's total_size: every stored tensor, scales and towers included
    tensor_names: tuple[str, ...] = ()  # model.safetensors.index.json's weight_map: the checkpoint's tensors by name

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any], quantize_config: Mapping[str, Any] | None = None,
                    params_by_dtype: Mapping[str, int] | None = None, stored_bytes: int | None = None,
                    tensor_names: tuple[str, ...] = ()) -> ModelArch | None:
        """A config.json as a ModelArch; None when it lacks the shapes (an encoder-only or a non-transformer)."""
        text = cfg.get("text_config")
        c: Mapping[str, Any] = text if isinstance(text, Mapping) else cfg
        shapes = _shapes(cfg, c)
        if shapes is None:
            return None
        hidden, layers, heads = shapes
        mtype = str(c.get("model_type") or cfg.get("model_type") or "")
        qc = cfg.get("quantization_config") if isinstance(cfg.get("quantization_config"), Mapping) else quantize_config
        archs = cfg.get("architectures")
        return cls(
            model_type=mtype, layers=layers, heads=heads, kv_heads=_int(c.get("num_key_value_heads")) or heads,
            head_dim=_int(c.get("head_dim")) or hidden // heads, hidden=hidden,
            intermediate=_int(c.get("intermediate_size")) or 4 * hidden, vocab=_int(c.get("vocab_size")) or 0,
            max_position_embeddings=_int(c.get("max_position_embeddings")),
            rope_scaling=RopeScaling.from_config(c.get("rope_scaling")),
            **_windows(c, mtype, layers), **_mla(c), **_moe(c),
            quant=_quant(qc), dtype=_first_str(c.get("torch_dtype"), cfg.get("torch_dtype"), c.get("dtype"), cfg.get("dtype")),
            tie_word_embeddings=bool(cfg.get("tie_word_embeddings", c.get("tie_word_embeddings", False))),
            params_by_dtype=dict(params_by_dtype or {}),
            architectures=tuple(str(a) for a in archs) if isinstance(archs, list) else (),
            auto_map=_auto_map(cfg),
            tower_params=sum(_tower(cfg.get(k)) for k in ("vision_config", "audio_config")),
            unquantized=_unquantized(qc), **_tower_shape(cfg.get("vision_config"), mtype), stored_bytes=stored_bytes,
            tensor_names=tensor_names,
        )

    # --- shapes -------------------------------------------------------------------------------
    @property
    def mla(self) -> bool:
        return bool(self.kv_lora_rank)

    @property
    def context_length(self) -> int | None:
        """The longest context, as vLLM derives it: YaRN or dynamic rope scaling extends the original length."""
        base, rope = self.max_position_embeddings, self.rope_scaling
        if base is None:
            return None
        if rope is not None and rope.kind in ("yarn", "dynamic") and rope.factor:
            return max(base, int((rope.original_max_position_embeddings or base) * rope.factor))
        return base

    # --- KV cache -----------------------------------------------------------------------------
    def kv_heads_per_gpu(self, tp: int) -> int:
        return max(1, self.kv_heads // max(1, tp))

    def kv_bytes_per_token_layer(self, tp: int, elem_bytes: float) -> float:
        """One token's cache in one layer on one GPU."""
        if self.mla:
            return ((self.kv_lora_rank or 0) + (self.qk_rope_head_dim or 0)) * elem_bytes  # the latent, on every rank
        return 2 * self.kv_heads_per_gpu(tp) * self.head_dim * elem_bytes

    @property
    def cache_layers(self) -> int:
        return self.layers - self.state_layers

    def kv_bytes_per_token(self, tp: int = 1, elem_bytes: float = 2, pp: int = 1) -> float:
        """Per GPU, for a token in every attention layer (what a long sequence costs per token)."""
        return self.kv_bytes_per_token_layer(tp, elem_bytes) * self.cache_layers / max(1, pp)

    def kv_bytes_for(self, tokens: int, tp: int = 1, elem_bytes: float = 2, pp: int = 1) -> float:
        """One sequence of `tokens` on one GPU: sliding-window layers hold at most the window."""
        per_layer = self.kv_bytes_per_token_layer(tp, elem_bytes)
        full = self.cache_layers - self.sliding_layers
        windowed = min(tokens, self.sliding_window) if self.sliding_window else tokens
        return per_layer * (full * tokens + self.sliding_layers * windowed) / max(1, pp)

    # --- weights ------------------------------------------------------------------------------
    def params(self) -> Params:
        """Counted from the shapes (norms and biases left out: well under 0.1 %)."""
        h, L = self.hidden, self.layers
        if self.mla:
            nope, rope, v = self.qk_nope_head_dim or 0, self.qk_rope_head_dim or 0, self.v_head_dim or self.head_dim
            qr, kr = self.q_lora_rank or 0, self.kv_lora_rank or 0
            q = h * qr + qr * self.heads * (nope + rope) if qr else h * self.heads * (nope + rope)
            attn = q + h * (kr + rope) + kr * self.heads * (nope + v) + self.heads * v * h
        else:
            attn = 2 * h * self.heads * self.head_dim + 2 * h * self.kv_heads * self.head_dim
        dense_mlp = (2 if self.model_type in _UNGATED else 3) * h * self.intermediate
        if self.experts:
            moe_layers = L - self.dense_layers
            per_expert = 3 * h * (self.moe_intermediate or self.intermediate)
            experts = moe_layers * (self.experts * per_expert + 3 * h * self.shared_intermediate)
            dense = L * attn + self.dense_layers * dense_mlp + moe_layers * h * self.experts  # + routers
        else:
            experts, dense = 0, L * (attn + dense_mlp)
        head = self.vocab * h
        offset = _LEARNED_POSITIONS.get(self.model_type)
        positions = (self.max_position_embeddings or 0) + offset if offset is not None else 0
        return Params(head + positions * h, 0 if self.tie_word_embeddings else head, dense, experts)

    def exact_weight_bytes(self) -> int | None:
        """From safetensors metadata (the Hub's headers, per dtype) or model.safetensors.index.json's total_size:
        the checkpoint's bytes, packing included."""
        if not self.params_by_dtype:
            return self.stored_bytes
        return int(sum(n * DTYPE_BYTES.get(str(d).lower(), 2) for d, n in self.params_by_dtype.items()))

    def weight_bytes(self, dtype: str | None = None, quant: Quant | None = None, mxfp4_pad: tuple[int, int] = (256, 1)) -> float:
        """Bytes of weights in memory: the checkpoint's exact bytes when known and served as stored, else
        counted from the shapes with the format's bits per weight (embeddings and lm_head at 16 bits). `mxfp4_pad`:
        the (intermediate, hidden) multiples the engine's MXFP4 MoE kernel rounds expert matrices up to."""
        q = quant or self.quant
        served = _bytes(dtype) if dtype and dtype != "auto" else None
        stored = _bytes(self.dtype) or 2
        exact = self.exact_weight_bytes()
        if exact is not None and self._as_stored(served, stored, quant):
            if q is not None and q.method == "mxfp4":  # stored exact, loaded padded
                return float(exact) + self.params().experts * q.bits_per_weight / 8 * (self.mxfp4_padding(*mxfp4_pad) - 1)
            return float(exact)
        experts, rest = self._counted_bytes(served, stored, q)
        if q is not None and q.method == "mxfp4":
            experts *= self.mxfp4_padding(*mxfp4_pad)
        return float(experts + rest)

    def _as_stored(self, served: float | None, stored: float, quant: Quant | None) -> bool:
        """Served as the checkpoint stores it: in its own quantization, or unquantized in its own dtype (an online
        --quantization or another dtype re-packs it)."""
        if self.quant is not None:
            return quant is None or quant.method == self.quant.method
        return quant is None and served in (None, stored)

    def expert_share(self, dtype: str | None = None, quant: Quant | None = None) -> float:
        """The fraction of the weight bytes in routed and shared experts (what expert parallelism spreads over EP ranks)."""
        experts, rest = self._counted_bytes(_bytes(dtype) if dtype and dtype != "auto" else None, _bytes(self.dtype) or 2, quant or self.quant)
        return experts / (experts + rest) if experts + rest else 0.0

    def mxfp4_padding(self, inter_multiple: int = 256, hidden_multiple: int = 1) -> float:
        """How much larger vLLM's MXFP4 expert matrices are than stored: the intermediate and hidden sizes rounded up
        to the kernel's multiples (data/memory.yaml mxfp4_padding; Hopper gpt-oss 2880 -> 3072 intermediate, vllm #33155:
        gpt-oss-120b 64.38 GiB loaded, 60.8 GiB stored)."""
        inter, h = self.moe_intermediate or self.intermediate, self.hidden
        if not inter or not h:
            return 1.0
        return (-(-inter // inter_multiple) * inter_multiple) * (-(-h // hidden_multiple) * hidden_multiple) / (inter * h)

    def _counted_bytes(self, served: float | None, stored: float, q: Quant | None) -> tuple[float, float]:
        """(expert bytes, other bytes) counted from the shapes; vision/audio towers in 16 bit with the rest."""
        p = self.params()
        half = served or (2 if stored >= 4 else stored)  # vLLM casts float32 checkpoints to a 16-bit type
        tower = self.tower_params * 2
        if q is None:
            return p.experts * half, (p.dense + p.embed + p.head) * half + tower
        bits = q.bits_per_weight / 8
        if q.method == "mxfp4":  # gpt-oss: experts in MXFP4, attention, router and embeddings in bf16
            return p.experts * bits, (p.dense + p.embed + p.head) * 2 + tower  # as stored; weight_bytes pads them for the kernel
        dense, experts = self.kept_unquantized  # modules_to_not_convert: in 16 bit, not in the format's bits
        dense, experts = min(dense, p.dense), min(experts, p.experts)
        return (p.experts - experts) * bits + experts * 2, (p.dense - dense) * bits + dense * 2 + (p.embed + p.head) * 2 + tower

    @cached_property
    def kept_unquantized(self) -> tuple[int, int]:
        """(dense, expert) parameters modules_to_not_convert keeps in 16 bit, matched module by module (normalize/tensors.py)."""
        return tensors.kept(self, self.unquantized, self.tensor_names)


def _tower(vc: object) -> int:
    """A vision or audio encoder's parameters from its config (ViT shapes: layers × (4h² attention + 2hI MLP))."""
    if not isinstance(vc, Mapping):
        return 0
    h = _int(vc.get("hidden_size")) or _int(vc.get("embed_dim")) or _int(vc.get("d_model")) or 0
    layers = _int(vc.get("num_hidden_layers")) or _int(vc.get("depth")) or _int(vc.get("encoder_layers")) or 0
    inter = _int(vc.get("intermediate_size")) or _int(vc.get("encoder_ffn_dim")) or 4 * h
    out = _int(vc.get("out_hidden_size")) or 0
    return layers * (4 * h * h + 2 * h * inter) + (h * 4 * h + 4 * h * out if out else 0)  # + the merger/projector


# The largest image a dynamic-resolution processor accepts, in pixels: preprocessor_config.json's max_pixels, which
# vLLM's dummy image for profiling takes (Qwen2VLProcessingInfo.get_image_size_with_most_features). Qwen2-VL and
# Qwen2.5-VL ship 12845056 (Qwen/Qwen2.5-VL-3B-Instruct preprocessor_config.json); patches of 14, merged 2 × 2.
_MAX_PIXELS = {"qwen2_vl": 12845056, "qwen2_5_vl": 12845056}


def _tower_shape(vc: object, model_type: str = "") -> dict[str, int]:
    if not isinstance(vc, Mapping):
        return {}
    h = _int(vc.get("hidden_size")) or _int(vc.get("embed_dim")) or 0
    size, patch = _int(vc.get("image_size")), _int(vc.get("patch_size"))
    if model_type in _MAX_PIXELS:
        patches = _MAX_PIXELS[model_type] // (patch or 14) ** 2
        return {"tower_hidden": h, "tower_item_patches": patches, "tower_item_tokens": patches // (_int(vc.get("spatial_merge_size")) or 2) ** 2}
    tiles = _int(vc.get("max_num_tiles")) or 1
    tokens = ((size // patch) ** 2 + 1) * tiles if size and patch else 0
    return {"tower_hidden": h, "tower_item_tokens": tokens, "tower_item_patches": tokens}


def _unquantized(qc: object) -> tuple[str, ...]:
    if not isinstance(qc, Mapping):
        return ()
    raw = qc.get("modules_to_not_convert") or qc.get("ignored_layers") or qc.get("ignore") or []
    return tuple(str(x) for x in raw if isinstance(x, str))[:4096] if isinstance(raw, list) else ()


def _int(x: object) -> int | None:
    return x if isinstance(x, int) and not isinstance(x, bool) else None


def _num(x: object) -> float | None:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    try:
        f = float(x)
    except OverflowError:  # an integer past float's range
        return None
    return f if math.isfinite(f) else None  # infinity and NaN take no part in arithmetic


def _first(c: Mapping[str, Any], name: str) -> int | None:
    return next((v for v in (_int(c.get(k)) for k in _ALIASES[name]) if v), None)


def _shapes(cfg: Mapping[str, Any], c: Mapping[str, Any]) -> tuple[int, int, int] | None:
    """(hidden size, layers, heads); None when one is missing or any shape is absurd (0, -32 heads, 31.5, 1e12
    layers: load.artifacts.shape_problems), which then takes no part in arithmetic."""
    hidden, layers, heads = _first(c, "hidden_size"), _first(c, "layers"), _first(c, "attention_heads")
    if not (hidden and layers and heads) or shape_problems(dict(cfg)):
        return None
    return hidden, layers, heads


def _first_str(*values: object) -> str | None:
    return next((str(v) for v in values if v), None)


def _windows(c: Mapping[str, Any], mtype: str, layers: int) -> dict[str, Any]:
    """Sliding-window layers and the window; linear-attention or state-space layers (a fixed state)."""
    window = _int(c.get("sliding_window"))
    sliding = _sliding_layers(c, mtype, layers, window)
    raw = c.get("layer_types")
    types: list[object] = raw if isinstance(raw, list) else []
    state = sum(1 for t in types if t not in ("full_attention", "sliding_attention", "attention"))
    return {"sliding_window": window if sliding else None, "sliding_layers": sliding, "state_layers": state}


def _mla(c: Mapping[str, Any]) -> dict[str, Any]:
    return {"kv_lora_rank": _int(c.get("kv_lora_rank")) or None, "qk_rope_head_dim": _int(c.get("qk_rope_head_dim")),
            "q_lora_rank": _int(c.get("q_lora_rank")), "qk_nope_head_dim": _int(c.get("qk_nope_head_dim")), "v_head_dim": _int(c.get("v_head_dim"))}


def _moe(c: Mapping[str, Any]) -> dict[str, Any]:
    experts = _first(c, "experts") or 0
    moe = _int(c.get("moe_intermediate_size"))
    shared = _int(c.get("shared_expert_intermediate_size")) or (_int(c.get("n_shared_experts")) or 0) * (moe or 0)
    return {"experts": experts, "experts_per_token": _int(c.get("num_experts_per_tok")) or 0, "shared_intermediate": shared,
            "moe_intermediate": moe, "dense_layers": (_int(c.get("first_k_dense_replace")) or 0) if experts else 0}


def _bytes(dtype: str | None) -> float | None:
    return DTYPE_BYTES.get(str(dtype).lower()) if dtype else None


def _sliding_layers(c: Mapping[str, Any], mtype: str, layers: int, window: int | None) -> int:
    if not window:
        return 0
    types = c.get("layer_types")
    if isinstance(types, list) and types:
        return sum(1 for t in types if t == "sliding_attention")
    if mtype in _SWA_OPT_IN:
        if not c.get("use_sliding_window"):
            return 0
        return max(0, layers - int(c.get("max_window_layers") or 0))
    if mtype.startswith("gemma2"):
        return layers // 2  # every other layer is local
    if mtype.startswith("gemma3"):
        pattern = int(c.get("sliding_window_pattern") or 6)  # five local layers, then a global one
        return layers - layers // pattern
    return layers


def _auto_map(cfg: Mapping[str, Any]) -> tuple[str, ...]:
    am = cfg.get("auto_map")
    return tuple(str(v) for v in am.values()) if isinstance(am, Mapping) else ()


def _quant(qc: object) -> Quant | None:
    if not isinstance(qc, Mapping):
        return None
    method = str(qc.get("quant_method") or qc.get("quant_algo") or ("gptq" if "bits" in qc else "")).lower()
    if not method:
        return None
    method, bits, group = _format_fields(qc, method, qc.get("bits") or qc.get("w_bit"), qc.get("group_size") or qc.get("q_group_size"))
    return Quant(method, _number(bits), _number(group))


def _format_fields(qc: Mapping[str, Any], method: str, bits: object, group: object) -> tuple[str, object, object]:
    """(method, bits, group) for the formats that say them elsewhere than bits and group_size."""
    if method == "fp8" and isinstance(qc.get("weight_block_size"), list) and qc["weight_block_size"]:
        return method, bits, qc["weight_block_size"][0]  # block-wise FP8 (DeepSeek V3): [n, k] weight blocks
    if method == "compressed-tensors":
        return (method, *_compressed_tensors(qc, bits, group))
    if method == "modelopt" and "fp4" in str(qc.get("quant_algo", "")).lower():
        return "nvfp4", bits, group
    if method == "bitsandbytes":  # group -2 marks double quantization (8-bit absmax)
        return method, 4 if qc.get("load_in_4bit") else 8, -2 if qc.get("bnb_4bit_use_double_quant") else None
    return method, bits, group


def _compressed_tensors(qc: Mapping[str, Any], bits: object, group: object) -> tuple[object, object]:
    """The first config group's weight scheme (llm-compressor's W4A16, W8A8 ...)."""
    groups = qc.get("config_groups")
    first: object = next(iter(groups.values()), {}) if isinstance(groups, Mapping) else {}
    weights = first.get("weights") if isinstance(first, Mapping) else None
    if not isinstance(weights, Mapping):
        return bits, group
    return weights.get("num_bits") or bits, weights.get("group_size") or group


def _number(x: object) -> int | None:
    f = _num(x)
    return (x if isinstance(x, int) else int(f)) if f is not None else None
