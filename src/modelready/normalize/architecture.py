"""A model's architecture, typed, from its Hugging Face config.json: what memory and shape arithmetic needs.

`ModelArch.from_config` reads the keys the transformers configs use across families (Llama, Mistral,
Mixtral, Qwen2/3 and their MoE, Gemma 2/3, Phi-3, DeepSeek V2/V3 MLA, GPT-NeoX / GPT-2 aliases);
a multimodal config's `text_config` describes the language model. A value that is absent, or not of
the type the key has in transformers, is None: the arithmetic then says it cannot tell, never guesses.
Formulas and examples: ../shared/reference/model-configs.yaml (kv_cache_formula).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

# the first of these keys present names the field (GPT-2 / GPT-NeoX / Falcon spell them differently)
_ALIASES = {
    "layers": ("num_hidden_layers", "n_layer", "num_layers"),
    "hidden_size": ("hidden_size", "n_embd", "d_model"),
    "attention_heads": ("num_attention_heads", "n_head"),
    "experts": ("num_local_experts", "n_routed_experts", "num_experts"),
}


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _num(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        f = float(value)
    except OverflowError:  # an integer past float's range
        return None
    return f if math.isfinite(f) else None  # infinity and NaN take no part in arithmetic


def _first(c: Mapping[str, Any], field: str) -> int | None:
    return next((v for v in (_int(c.get(k)) for k in _ALIASES[field]) if v), None)


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
class Quantization:
    """`quantization_config` of a pre-quantized checkpoint (AWQ, GPTQ, FP8, compressed-tensors, bitsandbytes, MXFP4)."""

    method: str | None  # quant_method
    bits: int | None
    group_size: int | None

    @classmethod
    def from_config(cls, raw: object) -> Quantization | None:
        if not isinstance(raw, Mapping):
            return None
        method = raw.get("quant_method")
        return cls(str(method).lower() if method else None, _int(raw.get("bits")), _int(raw.get("group_size")))


@dataclass(frozen=True)
class ModelArch:
    model_type: str | None
    architectures: tuple[str, ...]
    layers: int | None
    hidden_size: int | None
    intermediate_size: int | None  # the dense MLP's
    attention_heads: int | None
    kv_heads: int | None  # num_key_value_heads; MHA (absent) has as many as attention heads
    head_dim: int | None  # head_dim, else hidden_size // attention heads
    vocab_size: int | None
    tie_word_embeddings: bool
    max_position_embeddings: int | None
    rope_scaling: RopeScaling | None
    sliding_window: int | None
    torch_dtype: str | None
    # DeepSeek multi-head latent attention: the KV cache holds one latent of kv_lora_rank + qk_rope_head_dim
    kv_lora_rank: int | None
    q_lora_rank: int | None
    qk_rope_head_dim: int | None
    # mixture of experts
    experts: int | None  # routed experts per MoE layer; None for a dense model
    experts_per_token: int | None
    shared_experts: int | None
    moe_intermediate_size: int | None
    quantization: Quantization | None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ModelArch:
        text = config.get("text_config")
        c: Mapping[str, Any] = text if isinstance(text, Mapping) else config
        hidden, heads = _first(c, "hidden_size"), _first(c, "attention_heads")
        head_dim = _int(c.get("head_dim")) or (hidden // heads if hidden and heads else None)
        archs = config.get("architectures")
        dtype = config.get("torch_dtype") or config.get("dtype") or c.get("torch_dtype")
        return cls(
            model_type=str(c.get("model_type") or config.get("model_type") or "") or None,
            architectures=tuple(str(a) for a in archs) if isinstance(archs, list) else (),
            layers=_first(c, "layers"),
            hidden_size=hidden,
            intermediate_size=_int(c.get("intermediate_size")),
            attention_heads=heads,
            kv_heads=_int(c.get("num_key_value_heads")) or heads,
            head_dim=head_dim,
            vocab_size=_int(c.get("vocab_size")),
            tie_word_embeddings=bool(c.get("tie_word_embeddings")),
            max_position_embeddings=_int(c.get("max_position_embeddings")),
            rope_scaling=RopeScaling.from_config(c.get("rope_scaling")),
            sliding_window=_int(c.get("sliding_window")),
            torch_dtype=str(dtype) if dtype else None,
            kv_lora_rank=_int(c.get("kv_lora_rank")),
            q_lora_rank=_int(c.get("q_lora_rank")),
            qk_rope_head_dim=_int(c.get("qk_rope_head_dim")),
            experts=_first(c, "experts"),
            experts_per_token=_int(c.get("num_experts_per_tok")),
            shared_experts=_int(c.get("n_shared_experts")),
            moe_intermediate_size=_int(c.get("moe_intermediate_size")),
            quantization=Quantization.from_config(config.get("quantization_config") or c.get("quantization_config")),
        )

    @property
    def mla(self) -> bool:
        return bool(self.kv_lora_rank)

    @property
    def context_length(self) -> int | None:
        """The longest context the model supports, as vLLM derives it (YaRN/dynamic rope scaling extends it)."""
        base, rope = self.max_position_embeddings, self.rope_scaling
        if base is None:
            return None
        if rope is not None and rope.kind in ("yarn", "dynamic") and rope.factor:
            return max(base, int((rope.original_max_position_embeddings or base) * rope.factor))
        return base

    def parameters(self) -> float | None:
        """Decoder-only transformer parameter count: embeddings (+ untied head) + per-layer attention and MLP (MoE: all experts)."""
        h, layers, vocab, heads = self.hidden_size, self.layers, self.vocab_size, self.attention_heads
        if not (h and layers and vocab and heads and self.head_dim and self.kv_heads):
            return None
        hd, kv = self.head_dim, self.kv_heads
        inter = self.intermediate_size or 4 * h
        attn = h * heads * hd + 2 * h * kv * hd + heads * hd * h
        experts = self.experts or 1
        mlp = 3 * h * ((self.moe_intermediate_size or inter) * experts if experts > 1 else inter)
        embed = vocab * h * (1 if self.tie_word_embeddings else 2)
        return float(embed + layers * (attn + mlp))

    def kv_bytes_per_token(self, elem_bytes: float) -> float | None:
        """KV cache one token needs across all layers: 2 (K and V) × layers × KV heads × head dim; MLA one latent."""
        if not self.layers:
            return None
        if self.kv_lora_rank:
            return float(self.layers * (self.kv_lora_rank + (self.qk_rope_head_dim or 0)) * elem_bytes)
        if not (self.kv_heads and self.head_dim):
            return None
        return float(2 * self.layers * self.kv_heads * self.head_dim * elem_bytes)
