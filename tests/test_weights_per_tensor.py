"""Weights as the engine loads them: modules_to_not_convert matched module by module (the checkpoint's own
model.safetensors.index.json names when the repository or the Hub has it, else the family's module names), and
the index read from a repository beside config.json."""

from __future__ import annotations

import json
from pathlib import Path

from modelready.config import Config
from modelready.normalize.architecture import ModelArch
from modelready.normalize.tensors import kept, module_names

from .memory_pod import pod

# Llama-3.1-8B's shapes (its config.json): 32 layers of 4096, GQA 32/8 heads of 128, MLP 14336.
LLAMA8 = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096, "intermediate_size": 14336,
          "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 128256,
          "max_position_embeddings": 131072, "torch_dtype": "bfloat16", "tie_word_embeddings": False}
H, I, L = 4096, 14336, 32
ATTN = 2 * H * 32 * 128 + 2 * H * 8 * 128  # q, o + k, v
MLP = 3 * H * I
# Qwen3-30B-A3B's shapes: 48 layers of 2048, 128 experts of 768, a router per layer.
QWEN_MOE = {"architectures": ["Qwen3MoeForCausalLM"], "model_type": "qwen3_moe", "hidden_size": 2048, "intermediate_size": 6144,
            "moe_intermediate_size": 768, "num_hidden_layers": 48, "num_attention_heads": 32, "num_key_value_heads": 4, "head_dim": 128,
            "num_experts": 128, "num_experts_per_tok": 8, "vocab_size": 151936, "max_position_embeddings": 40960, "torch_dtype": "bfloat16"}


def _fp8(cfg: dict, ignore: list[str], names: tuple[str, ...] = ()) -> ModelArch:
    q = {"quant_method": "fp8", "activation_scheme": "dynamic", "modules_to_not_convert": ignore}
    arch = ModelArch.from_config({**cfg, "quantization_config": q}, tensor_names=names)
    assert arch is not None
    return arch


def test_whole_layers_and_attention_are_kept_module_by_module():
    # Meta's Llama-3.1-405B-FP8 keeps attention everywhere and the first and last layers whole, written with a trailing dot
    arch = _fp8(LLAMA8, ["self_attn", "model.layers.0.", "model.layers.31.", "lm_head"])
    assert arch.kept_unquantized == (L * ATTN + 2 * MLP, 0)
    p = arch.params()
    stored = arch.weight_bytes()
    kept_dense = L * ATTN + 2 * MLP
    assert stored == (p.dense - kept_dense) * 1 + kept_dense * 2 + (p.embed + p.head) * 2


def test_a_router_pattern_does_not_keep_the_gate_projection():
    # Qwen's MoE FP8 checkpoints keep "mlp.gate" (the router, 2048 x 128 per layer), not mlp.gate_proj or the experts
    arch = _fp8(QWEN_MOE, ["lm_head", "mlp.gate"])
    assert arch.kept_unquantized == (48 * 2048 * 128, 0)
    nothing = _fp8(QWEN_MOE, ["lm_head"])
    assert nothing.kept_unquantized == (0, 0)
    assert arch.weight_bytes() - nothing.weight_bytes() == 48 * 2048 * 128  # one byte more for each router weight


def test_compressed_tensors_regex_and_expert_patterns():
    arch = _fp8(QWEN_MOE, ["re:.*layers\\.1\\.mlp\\.experts\\..*", "re:[unclosed"])
    assert arch.kept_unquantized == (0, 128 * 3 * 2048 * 768)  # the one layer's experts; the broken regex is ignored


def test_the_index_names_decide_which_modules_exist():
    # an index listing only layer 0 (a pruned checkpoint): the patterns keep what it holds, not what the family would
    names = tuple(f"model.layers.0.{m}.{s}" for m in ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                                                    "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj") for s in ("weight", "weight_scale"))
    names += ("model.embed_tokens.weight", "lm_head.weight", "model.norm.weight")
    assert len(module_names(names)) == 10
    arch = _fp8(LLAMA8, ["self_attn"], names)
    assert arch.kept_unquantized == (ATTN, 0)
    assert kept(arch, ("model.layers.0",), names) == (ATTN + MLP, 0)
    assert kept(arch, (), names) == (0, 0)


def test_the_repository_index_gives_stored_bytes_and_tensor_names(run, tmp_path: Path):
    folder = tmp_path / "repo" / "models" / "llama-fp8"
    folder.mkdir(parents=True)
    cfg = {**LLAMA8, "quantization_config": {"quant_method": "fp8", "modules_to_not_convert": ["self_attn"]}}
    (folder / "config.json").write_text(json.dumps(cfg))
    weight_map = {f"model.layers.{i}.self_attn.q_proj.weight": "model-00001.safetensors" for i in range(L)}
    (folder / "model.safetensors.index.json").write_text(json.dumps({"metadata": {"total_size": 9_100_000_000}, "weight_map": weight_map}))
    (tmp_path / "repo" / "deploy.yaml").write_text(pod(["--model", "/models/llama-fp8", "--max-model-len", "8192"]))
    result = run(tmp_path / "repo", config=Config(online=False))
    (c,) = result.configs
    assert c.weights_total == 9_100_000_000 and len(c.tensor_names) == L
    (d,) = [d for d in result.deployments if d.engine]
    assert d.resolved.arch.stored_bytes == 9_100_000_000 and "stored weights from model.safetensors.index.json" in d.resolved.source
    assert d.resolved.arch.kept_unquantized == (L * H * 32 * 128, 0)  # only the q projections the index names


def test_expressions_from_the_repository_are_matched_without_running_them():
    """compressed-tensors' `re:` patterns as llm-compressor writes them match as re.match would; a pattern a linear
    wildcard cannot honour keeps nothing (so the weights count as quantized), and none can stall the run."""
    import re
    import time

    from modelready.normalize.tensors import _wildcard, _wildcard_match

    names = ["model.layers.1.mlp.experts.7.down_proj", "model.layers.11.mlp.experts.7.down_proj", "lm_head", "model.layers.0.mlp.gate",
             "model.layers.0.mlp.gate_proj", "model.visual.blocks.0.attn.qkv"]
    for expr in (".*lm_head", ".*mlp.gate$", "model.layers.1.mlp.experts.*", "^model\\.layers\\.\\d+\\.mlp\\.gate$", ".*visual.*",
                 "model.layers.1.mlp.experts.7.down_proj$"):
        w = _wildcard(expr)
        assert w is not None, expr
        assert [_wildcard_match(w, n) for n in names] == [re.match(expr, n) is not None for n in names], expr
    assert _wildcard("(a+)+$") is None and _wildcard("model.layers.[0-9].mlp") is None
    evil = _fp8(QWEN_MOE, ["re:" + ".*a" * 200 + "$", "re:(a|aa)+$"])
    started = time.process_time()
    assert evil.kept_unquantized == (0, 0)
    assert time.process_time() - started < 5
