"""Regenerate src/modelready/data/architectures.json: the config.json fields of widely deployed models,
for when neither the repository nor the Hub gives the model's own config.json.

Two sources, each entry keeping its own: ../shared/reference/model-configs.yaml (status as recorded
there), and the families below, written from the models' Hugging Face config.json as published.
`status: corroborated` means a third-party copy of that config.json (or a conversion script quoting
its fields) was found by code search; `unverified` means it was not re-checked from a real
config.json and the product treats it as an assumption (warnings only). Run by hand:
`python tools/gen_architectures.py`.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT.parent / "shared" / "reference" / "model-configs.yaml"
OUT = ROOT / "src" / "modelready" / "data" / "architectures.json"
FIELDS = ("model_type", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "hidden_size", "head_dim",
          "intermediate_size", "moe_intermediate_size", "vocab_size", "max_position_embeddings", "rope_scaling", "sliding_window",
          "use_sliding_window", "layer_types", "sliding_window_pattern", "kv_lora_rank", "q_lora_rank", "qk_rope_head_dim",
          "qk_nope_head_dim", "v_head_dim", "num_local_experts", "n_routed_experts", "num_experts", "n_shared_experts",
          "num_experts_per_tok", "first_k_dense_replace", "torch_dtype", "tie_word_embeddings", "quantization_config")
HF = "https://huggingface.co/{}/blob/main/config.json"


def llama(L, H, KV, h, i, vocab=128256, mpe=131072, rope=None, tie=False, **kw):
    return {"model_type": "llama", "num_hidden_layers": L, "num_attention_heads": H, "num_key_value_heads": KV, "hidden_size": h,
            "intermediate_size": i, "vocab_size": vocab, "max_position_embeddings": mpe, "rope_scaling": rope,
            "torch_dtype": "bfloat16", "tie_word_embeddings": tie, **kw}


L31 = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}
L32 = {**L31, "factor": 32.0}


def qwen(L, H, KV, h, i, vocab=152064, mpe=32768, tie=False, mtype="qwen2", **kw):
    return {"model_type": mtype, "num_hidden_layers": L, "num_attention_heads": H, "num_key_value_heads": KV, "hidden_size": h,
            "intermediate_size": i, "vocab_size": vocab, "max_position_embeddings": mpe, "sliding_window": mpe, "use_sliding_window": False,
            "torch_dtype": "bfloat16", "tie_word_embeddings": tie, **kw}


def qwen3(L, H, KV, h, i, tie=False, **kw):
    return {**qwen(L, H, KV, h, i, 151936, 40960, tie, "qwen3"), "head_dim": 128, **kw}


def gemma3(L, H, KV, h, i, hd, window=1024, vocab=262208, mpe=131072, factor=8.0):
    return {"model_type": "gemma3_text", "num_hidden_layers": L, "num_attention_heads": H, "num_key_value_heads": KV, "hidden_size": h,
            "head_dim": hd, "intermediate_size": i, "vocab_size": vocab, "max_position_embeddings": mpe, "sliding_window": window,
            "sliding_window_pattern": 6, "rope_scaling": {"rope_type": "linear", "factor": factor} if factor else None,
            "torch_dtype": "bfloat16", "tie_word_embeddings": True}


def gpt_oss(L, experts):
    return {"model_type": "gpt_oss", "num_hidden_layers": L, "num_attention_heads": 64, "num_key_value_heads": 8, "head_dim": 64,
            "hidden_size": 2880, "intermediate_size": 2880, "num_local_experts": experts, "num_experts_per_tok": 4, "vocab_size": 201088,
            "max_position_embeddings": 131072, "sliding_window": 128,
            "layer_types": ["sliding_attention" if n % 2 == 0 else "full_attention" for n in range(L)],
            "rope_scaling": {"rope_type": "yarn", "factor": 32.0, "original_max_position_embeddings": 4096},
            "torch_dtype": "bfloat16", "tie_word_embeddings": False, "quantization_config": {"quant_method": "mxfp4"}}


DEEPSEEK_V3 = {"model_type": "deepseek_v3", "num_hidden_layers": 61, "num_attention_heads": 128, "num_key_value_heads": 128,
               "hidden_size": 7168, "intermediate_size": 18432, "moe_intermediate_size": 2048, "n_routed_experts": 256, "n_shared_experts": 1,
               "num_experts_per_tok": 8, "first_k_dense_replace": 3, "kv_lora_rank": 512, "q_lora_rank": 1536, "qk_nope_head_dim": 128,
               "qk_rope_head_dim": 64, "v_head_dim": 128, "vocab_size": 129280, "max_position_embeddings": 163840,
               "rope_scaling": {"type": "yarn", "factor": 40, "original_max_position_embeddings": 4096}, "torch_dtype": "bfloat16",
               "tie_word_embeddings": False,
               "quantization_config": {"quant_method": "fp8", "fmt": "e4m3", "weight_block_size": [128, 128]}}

# (id, config, status, note)
FAMILIES = [
    ("meta-llama/Llama-2-7b-hf", llama(32, 32, 32, 4096, 11008, 32000, 4096, torch_dtype="float16"), "unverified", ""),
    ("meta-llama/Llama-2-13b-hf", llama(40, 40, 40, 5120, 13824, 32000, 4096, torch_dtype="float16"), "unverified", ""),
    ("meta-llama/Llama-2-70b-hf", llama(80, 64, 8, 8192, 28672, 32000, 4096, torch_dtype="float16"), "unverified", ""),
    ("meta-llama/Meta-Llama-3-8B", llama(32, 32, 8, 4096, 14336, mpe=8192), "unverified", ""),
    ("meta-llama/Meta-Llama-3-70B", llama(80, 64, 8, 8192, 28672, mpe=8192), "unverified", ""),
    ("meta-llama/Llama-3.1-405B", llama(126, 128, 8, 16384, 53248, rope=L31), "unverified", ""),
    ("meta-llama/Llama-3.3-70B-Instruct", llama(80, 64, 8, 8192, 28672, rope=L31), "unverified", "same shapes as Llama 3.1 70B"),
    ("mistralai/Mistral-7B-v0.1", llama(32, 32, 8, 4096, 14336, 32000, 32768, model_type="mistral", sliding_window=4096), "unverified", ""),
    ("mistralai/Mistral-7B-Instruct-v0.2", llama(32, 32, 8, 4096, 14336, 32000, 32768, model_type="mistral", sliding_window=None), "unverified", ""),
    ("mistralai/Mixtral-8x22B-v0.1", llama(56, 48, 8, 6144, 16384, 32768, 65536, model_type="mixtral", num_local_experts=8,
                                           num_experts_per_tok=2), "unverified", ""),
    ("Qwen/Qwen2-7B-Instruct", qwen(28, 28, 4, 3584, 18944), "unverified", ""),
    ("Qwen/Qwen2.5-0.5B-Instruct", qwen(24, 14, 2, 896, 4864, 151936, tie=True), "unverified", ""),
    ("Qwen/Qwen2.5-1.5B-Instruct", qwen(28, 12, 2, 1536, 8960, 151936, tie=True), "unverified", ""),
    ("Qwen/Qwen2.5-3B-Instruct", qwen(36, 16, 2, 2048, 11008, 151936, tie=True), "unverified", ""),
    ("Qwen/Qwen2.5-14B-Instruct", qwen(48, 40, 8, 5120, 13824), "unverified", ""),
    ("Qwen/Qwen2.5-32B-Instruct", qwen(64, 40, 8, 5120, 27648), "unverified", ""),
    ("Qwen/Qwen3-0.6B", qwen3(28, 16, 8, 1024, 3072, tie=True), "unverified", ""),
    ("Qwen/Qwen3-1.7B", qwen3(28, 16, 8, 2048, 6144, tie=True), "unverified", ""),
    ("Qwen/Qwen3-4B", qwen3(36, 32, 8, 2560, 9728, tie=True), "unverified", ""),
    ("Qwen/Qwen3-8B", qwen3(36, 32, 8, 4096, 12288), "unverified", ""),
    ("Qwen/Qwen3-14B", qwen3(40, 40, 8, 5120, 17408), "unverified", ""),
    ("Qwen/Qwen3-32B", qwen3(64, 64, 8, 5120, 25600), "unverified", ""),
    ("Qwen/Qwen3-30B-A3B", {**qwen3(48, 32, 4, 2048, 6144), "model_type": "qwen3_moe", "moe_intermediate_size": 768, "num_experts": 128,
                            "num_experts_per_tok": 8}, "corroborated", "slime scripts/models/qwen3-30B-A3B.sh quotes these shapes"),
    ("Qwen/Qwen3-235B-A22B", {**qwen3(94, 64, 4, 4096, 12288), "model_type": "qwen3_moe", "moe_intermediate_size": 1536, "num_experts": 128,
                              "num_experts_per_tok": 8}, "corroborated", "slime scripts/models/qwen3-235B-A22B.sh quotes these shapes"),
    ("google/gemma-2-2b-it", {"model_type": "gemma2", "num_hidden_layers": 26, "num_attention_heads": 8, "num_key_value_heads": 4, "hidden_size": 2304,
                              "head_dim": 256, "intermediate_size": 9216, "vocab_size": 256000, "max_position_embeddings": 8192, "sliding_window": 4096,
                              "torch_dtype": "float32", "tie_word_embeddings": True}, "unverified", ""),
    ("google/gemma-2-27b-it", {"model_type": "gemma2", "num_hidden_layers": 46, "num_attention_heads": 32, "num_key_value_heads": 16, "hidden_size": 4608,
                               "head_dim": 128, "intermediate_size": 36864, "vocab_size": 256000, "max_position_embeddings": 8192,
                               "sliding_window": 4096, "torch_dtype": "bfloat16", "tie_word_embeddings": True}, "unverified", ""),
    ("google/gemma-3-1b-it", gemma3(26, 4, 1, 1152, 6912, 256, 512, 262144, 32768, None), "unverified", ""),
    ("google/gemma-3-4b-it", gemma3(34, 8, 4, 2560, 10240, 256), "unverified", "text_config of the multimodal checkpoint"),
    ("google/gemma-3-12b-it", gemma3(48, 16, 8, 3840, 15360, 256), "unverified", "text_config of the multimodal checkpoint"),
    ("google/gemma-3-27b-it", gemma3(62, 32, 16, 5376, 21504, 128), "unverified", "text_config of the multimodal checkpoint"),
    ("microsoft/Phi-3-medium-4k-instruct", llama(40, 40, 10, 5120, 17920, 32064, 4096, model_type="phi3"), "unverified", ""),
    ("microsoft/phi-4", llama(40, 40, 10, 5120, 17920, 100352, 16384, model_type="phi3"), "unverified", ""),
    ("microsoft/Phi-4-mini-instruct", llama(32, 24, 8, 3072, 8192, 200064, 131072, model_type="phi3", tie=True), "unverified", ""),
    ("deepseek-ai/DeepSeek-V3", DEEPSEEK_V3, "corroborated", "tt-metal and Megatron recipes quote these fields"),
    ("deepseek-ai/DeepSeek-R1", DEEPSEEK_V3, "corroborated", "same architecture as DeepSeek-V3"),
    ("deepseek-ai/DeepSeek-R1-0528", DEEPSEEK_V3, "corroborated", "same architecture as DeepSeek-V3"),
    ("deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B", qwen(28, 12, 2, 1536, 8960, 151936, 131072), "unverified", ""),
    ("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", qwen(28, 28, 4, 3584, 18944, 152064, 131072), "unverified", ""),
    ("deepseek-ai/DeepSeek-R1-Distill-Qwen-14B", qwen(48, 40, 8, 5120, 13824, 152064, 131072), "unverified", ""),
    ("deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", qwen(64, 40, 8, 5120, 27648, 152064, 131072), "unverified", ""),
    ("deepseek-ai/DeepSeek-R1-Distill-Llama-8B", llama(32, 32, 8, 4096, 14336, rope=L31), "unverified", "Llama 3.1 8B shapes"),
    ("deepseek-ai/DeepSeek-R1-Distill-Llama-70B", llama(80, 64, 8, 8192, 28672, rope=L31), "unverified", "Llama 3.3 70B shapes"),
    ("openai/gpt-oss-20b", gpt_oss(24, 32), "corroborated", "EchoCog/gpt-oss-20b docs quote the repo's config.json"),
    ("openai/gpt-oss-120b", gpt_oss(36, 128), "corroborated", "several GptOssConfig mirrors give these shapes"),
    ("TinyLlama/TinyLlama-1.1B-Chat-v1.0", llama(22, 32, 4, 2048, 5632, 32000, 2048), "unverified", ""),
    ("facebook/opt-125m", {"model_type": "opt", "num_hidden_layers": 12, "num_attention_heads": 12, "hidden_size": 768, "intermediate_size": 3072,
                           "vocab_size": 50272, "max_position_embeddings": 2048, "torch_dtype": "float16", "tie_word_embeddings": True},
     "unverified", "ffn_dim in the real config.json"),
]
# Fields the reference leaves out, from the same models' config.json (Gemma ties its embeddings).
FIXES = {"microsoft/Phi-3-mini-128k-instruct": {"intermediate_size": 8192, "rope_scaling": None},
         "google/gemma-2-9b": {"tie_word_embeddings": True}}
# Instruct and base checkpoints share their shapes.
ALIASES = {
    "meta-llama/Llama-2-7b-chat-hf": "meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-13b-chat-hf": "meta-llama/Llama-2-13b-hf",
    "meta-llama/Llama-2-70b-chat-hf": "meta-llama/Llama-2-70b-hf", "meta-llama/Meta-Llama-3-8B-Instruct": "meta-llama/Meta-Llama-3-8B",
    "meta-llama/Meta-Llama-3-70B-Instruct": "meta-llama/Meta-Llama-3-70B", "meta-llama/Llama-3.1-8B-Instruct": "meta-llama/Llama-3.1-8B",
    "meta-llama/Meta-Llama-3.1-8B-Instruct": "meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.1-70B-Instruct": "meta-llama/Llama-3.1-70B",
    "meta-llama/Meta-Llama-3.1-70B-Instruct": "meta-llama/Llama-3.1-70B", "meta-llama/Llama-3.1-405B-Instruct": "meta-llama/Llama-3.1-405B",
    "meta-llama/Meta-Llama-3.1-405B-Instruct": "meta-llama/Llama-3.1-405B", "meta-llama/Llama-3.2-1B-Instruct": "meta-llama/Llama-3.2-1B",
    "meta-llama/Llama-3.2-3B-Instruct": "meta-llama/Llama-3.2-3B", "mistralai/Mistral-7B-Instruct-v0.1": "mistralai/Mistral-7B-v0.1",
    "mistralai/Mistral-7B-Instruct-v0.3": "mistralai/Mistral-7B-v0.3", "mistralai/Mixtral-8x7B-Instruct-v0.1": "mistralai/Mixtral-8x7B-v0.1",
    "mistralai/Mixtral-8x22B-Instruct-v0.1": "mistralai/Mixtral-8x22B-v0.1", "Qwen/Qwen2.5-7B": "Qwen/Qwen2.5-7B-Instruct",
    "Qwen/Qwen2.5-72B": "Qwen/Qwen2.5-72B-Instruct", "google/gemma-2-9b-it": "google/gemma-2-9b",
    "microsoft/Phi-3-mini-4k-instruct": "microsoft/Phi-3-mini-4k-instruct",
}


def main() -> int:
    ref = yaml.safe_load(REF.read_text())
    out = {"source": "tools/gen_architectures.py: ../shared/reference/model-configs.yaml and the families it lists", "models": {}}
    for mid, m in ref["models"].items():
        cfg = {k: m[k] for k in FIELDS if k in m and m[k] is not None}
        cfg.setdefault("model_type", _guess_type(mid, m))
        cfg.update(FIXES.get(mid, {}))
        cfg = {k: v for k, v in cfg.items() if v is not None}
        if isinstance(cfg.get("torch_dtype"), str) and " " in cfg["torch_dtype"]:
            cfg["torch_dtype"] = cfg["torch_dtype"].split()[0]
        status = "corroborated" if str(m.get("status", "")).startswith("corroborated") else "unverified"
        out["models"][mid] = {"config": cfg, "status": status, "source": "shared/reference/model-configs.yaml: " + str(m.get("status"))}
    for mid, cfg, status, note in FAMILIES:
        out["models"].setdefault(mid, {"config": {k: v for k, v in cfg.items() if v is not None}, "status": status,
                                       "source": HF.format(mid) + (f" ({note})" if note else "")})
    for alias, target in ALIASES.items():
        if alias != target:
            out["models"].setdefault(alias, {**out["models"][target], "source": out["models"][target]["source"] + f"; shapes of {target}"})
    OUT.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"{len(out['models'])} models -> {OUT.relative_to(ROOT)}")
    return 0


def _guess_type(mid: str, m: dict) -> str:
    low = mid.lower()
    for key, t in (("mixtral", "mixtral"), ("mistral", "mistral"), ("llama", "llama"), ("qwen2", "qwen2"), ("gemma-2", "gemma2"),
                   ("phi-3", "phi3"), ("deepseek-v2", "deepseek_v2")):
        if key in low:
            return t
    return ""


if __name__ == "__main__":
    raise SystemExit(main())
