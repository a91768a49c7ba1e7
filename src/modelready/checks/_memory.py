"""GPU memory arithmetic from a Hugging Face config.json: parameters, KV cache per token, and the fit.

Stated assumptions: weights are split evenly over TP × PP GPUs; the engine must hold the weights and
the KV cache of one full-length sequence to start (vLLM refuses to start otherwise and pages the
cache for the rest); each GPU also needs a fixed overhead (CUDA context, activations, CUDA graphs).
"""

from __future__ import annotations

from dataclasses import dataclass

GIB = 2**30
OVERHEAD_GIB_PER_GPU = 2.0
QUANT_BYTES = {"awq": 0.5, "gptq": 0.5, "awq_marlin": 0.5, "gptq_marlin": 0.5, "marlin": 0.5, "bitsandbytes": 0.5, "fp8": 1, "fbgemm_fp8": 1,
               "int8": 1, "w8a8_int8": 1, "w8a8_fp8": 1, "compressed-tensors": 1, "mxfp4": 0.5, "nvfp4": 0.5625, "modelopt_fp4": 0.5625}
DTYPE_BYTES = {"float32": 4, "float": 4, "float16": 2, "half": 2, "bfloat16": 2, "auto": 2, "fp8": 1, "int8": 1, "int4": 0.5}


def text_config(cfg: dict) -> dict:
    return cfg.get("text_config") if isinstance(cfg.get("text_config"), dict) else cfg


def parameters(cfg: dict) -> float | None:
    """Decoder-only transformer parameter count: embeddings (+ untied head) + per-layer attention and MLP (MoE: all experts)."""
    c = text_config(cfg)
    try:
        h, layers, vocab = c["hidden_size"], c["num_hidden_layers"], c["vocab_size"]
        heads = c["num_attention_heads"]
    except KeyError:
        return None
    inter = c.get("intermediate_size") or 4 * h
    kv = c.get("num_key_value_heads") or heads
    hd = c.get("head_dim") or h // heads
    attn = h * heads * hd + 2 * h * kv * hd + heads * hd * h
    experts = c.get("num_local_experts") or c.get("n_routed_experts") or 1
    expert_inter = c.get("moe_intermediate_size") or inter
    mlp = 3 * h * (expert_inter * experts if experts > 1 else inter)
    embed = vocab * h * (1 if c.get("tie_word_embeddings") else 2)
    return float(embed + layers * (attn + mlp))


def kv_bytes_per_token(cfg: dict, elem_bytes: float) -> float | None:
    c = text_config(cfg)
    try:
        layers = c["num_hidden_layers"]
        if c.get("kv_lora_rank"):  # DeepSeek MLA caches one latent per layer, no K/V pair
            return float(layers * (c["kv_lora_rank"] + c.get("qk_rope_head_dim", 0)) * elem_bytes)
        heads = c["num_attention_heads"]
        kv = c.get("num_key_value_heads") or heads
        hd = c.get("head_dim") or c["hidden_size"] // heads
    except KeyError:
        return None
    return float(2 * layers * kv * hd * elem_bytes)


def max_context(cfg: dict) -> int | None:
    """The longest context the model supports, as vLLM derives it (YaRN/dynamic rope scaling extends it)."""
    c = text_config(cfg)
    base = c.get("max_position_embeddings")
    if not isinstance(base, int):
        return None
    rope = c.get("rope_scaling") if isinstance(c.get("rope_scaling"), dict) else {}
    kind = rope.get("rope_type") or rope.get("type")
    if kind in ("yarn", "dynamic") and rope.get("factor"):
        original = rope.get("original_max_position_embeddings") or base
        return max(base, int(original * float(rope["factor"])))
    return base


def weight_bytes_per_param(quantization: str | None, dtype: str | None) -> float:
    if quantization and str(quantization).lower() in QUANT_BYTES:
        return QUANT_BYTES[str(quantization).lower()]
    return DTYPE_BYTES.get(str(dtype).lower(), 2) if dtype else 2


@dataclass
class Fit:
    weights_gib: float
    kv_gib: float
    overhead_gib: float
    need_gib: float
    have_gib: float

    @property
    def fits(self) -> bool:
        return self.need_gib <= self.have_gib


def fit(params: float, bytes_per_param: float, kv_per_token: float, max_len: int, gpus: int, gpu_gib: float, util: float,
        overhead_gib: float = OVERHEAD_GIB_PER_GPU) -> Fit:
    weights = params * bytes_per_param / GIB
    kv = kv_per_token * max_len / GIB
    overhead = overhead_gib * gpus
    have = gpu_gib * util * gpus
    return Fit(weights, kv, overhead, weights + kv + overhead, have)
