"""ModelSpec: the schema, the examples, the specRef graph, and the memory arithmetic against hand-derived figures."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from modelready import pipeline
from modelready.catalog import load as load_catalog
from modelready.normalize.architecture import ModelArch
from modelready.config import Config

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
LLAMA_8B = json.loads((EXAMPLES / "model" / "config.json").read_text())


def run(*paths: Path, root: Path = REPO):
    return pipeline.run(list(paths), Config(), root)


@pytest.mark.parametrize("variant, check", [
    ("cycle", "spec-dependency-cycle"), ("tp-on-two-gpus", "parallelism-exceeds-gpus"), ("too-big", "gpu-memory-insufficient"),
    ("context-beyond-model", "max-model-len-exceeds-model"), ("escape", "specref-outside-repo"),
])
def test_each_broken_example_trips_exactly_its_check(variant, check):
    res = run(EXAMPLES / "broken-specs" / variant)
    assert {f.check for f in res.active_findings() if f.severity.name != "info"} == {check}


def test_the_complete_example_spec_holds_against_its_chart():
    res = run(EXAMPLES / "charts", EXAMPLES / "model")
    spec = next(v for v in res.spec_views if v.name == "vllm-llama")
    assert sorted(d.origin for d in spec.deployments) == ["examples/charts/vllm-llama@ci/high-concurrency-values.yaml", "examples/charts/vllm-llama@values.yaml"]
    assert spec.arch is not None and spec.arch.layers == 32 and spec.targets  # config.json beside it, the guard dependency resolved
    applied = {c for c, s in res.applied if s == spec.file}
    assert {"spec-precision-mismatch", "spec-context-mismatch", "spec-port-mismatch", "spec-version-mismatch",
            "spec-replicas-mismatch", "spec-gpu-type-mismatch", "context-exceeds-model", "modelspec-invalid"} <= applied
    # the memory fit is the deployments' own, with the spec's config.json and GPU
    assert {("gpu-memory-insufficient", f"{d.ref}@{d.origin}") for d in spec.deployments} <= res.applied
    assert all(d.resolved.kind == "repo" and d.gpu is not None for d in spec.deployments)
    # the CI values set pushes 256 sequences onto one L4, whose KV cache holds about 15 of 2048 tokens: said, as a warning
    crowded = [f for f in res.active_findings() if f.check == "gpu-memory-tight"]
    assert [f.subject.rsplit("@", 1)[-1] for f in crowded] == ["ci/high-concurrency-values.yaml"]
    assert not [f for f in res.active_findings() if f.severity.name != "info" and f not in crowded], [f.message for f in res.findings]
    items = {i.id for i in load_catalog().items if i.mode == "spec"}
    from modelready.catalog.evaluate import evaluate

    results = {r.item.id: r.status for r in evaluate([i for i in load_catalog().items if i.id in items], res, res.findings)}
    assert set(results.values()) == {"passed"}, {k: v for k, v in results.items() if v != "passed"}


def test_memory_arithmetic_llama_8b():
    """Llama 3.1 8B (hidden 4096, 32 layers, 32 heads, 8 KV heads, head dim 128, MLP 14336, vocab 128256, untied):
    embeddings 2 × 128256 × 4096 = 1,050,673,152; per layer attention 4096·4096 + 2·4096·1024 + 4096·4096 = 41,943,040
    and MLP 3 · 4096 · 14336 = 176,160,768, × 32 layers = 6,979,321,856; total 8,029,995,008 ≈ 8.03 B.
    KV per token in bf16: 2 (K and V) × 32 layers × 8 heads × 128 × 2 bytes = 131,072 bytes = 128 KiB; bf16 weights
    8.03e9 × 2 / 2^30 = 14.96 GiB. (The fit itself: tests/test_memory_fit.py.)"""
    arch = ModelArch.from_config(LLAMA_8B)
    assert arch.params().total == 8_029_995_008
    assert arch.kv_bytes_per_token(1, 2) == 131_072
    assert round(arch.weight_bytes() / 2**30, 2) == 14.96


def test_memory_arithmetic_70b():
    """Llama 3.1 70B (hidden 8192, 80 layers, 64 heads, 8 KV heads, MLP 28672, vocab 128256):
    embeddings 2 × 128256 × 8192 = 2,101,346,304; per layer 8192·8192·2 + 2·8192·1024 = 150,994,944 attention and
    3 · 8192 · 28672 = 704,643,072 MLP, × 80 = 68,451,041,280; total 70,552,387,584 ≈ 70.6 B (the published figure).
    KV per token 2 × 80 × 8 × 128 × 2 = 327,680 B on one GPU; at TP 4, 2 KV heads each: 81,920 B; at TP 16 the
    8 KV heads are replicated, one per GPU: 40,960 B, not 20,480."""
    arch = ModelArch.from_config(dict(LLAMA_8B, hidden_size=8192, intermediate_size=28672, num_attention_heads=64, num_hidden_layers=80))
    assert arch.params().total == 70_552_387_584
    assert [arch.kv_bytes_per_token(tp, 2) for tp in (1, 4, 16)] == [327_680, 81_920, 40_960]


def test_kv_cache_for_mla_and_rope_scaling():
    """DeepSeek-V2-Lite (MLA): 27 layers × (kv_lora_rank 512 + rope head dim 64) × 2 bytes = 31,104 bytes per token,
    on every TP rank. Its max_position_embeddings 163840 with YaRN factor 40 over an original 4096: 4096 × 40 = 163840
    (no change); Qwen2.5 with YaRN factor 4 over 32768 serves 131072."""
    dsv2 = ModelArch.from_config({"num_hidden_layers": 27, "kv_lora_rank": 512, "qk_rope_head_dim": 64, "num_attention_heads": 16,
                                  "hidden_size": 2048, "max_position_embeddings": 163840,
                                  "rope_scaling": {"type": "yarn", "factor": 40, "original_max_position_embeddings": 4096}})
    assert dsv2.kv_bytes_per_token(1, 2) == dsv2.kv_bytes_per_token(8, 2) == 31_104
    assert dsv2.context_length == 163840
    qwen = ModelArch.from_config(dict(LLAMA_8B, max_position_embeddings=32768,
                                      rope_scaling={"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}))
    assert qwen.context_length == 131072
    assert ModelArch.from_config(LLAMA_8B).context_length == 131072  # llama3 rope scaling is already in max_position_embeddings


def test_model_arch_reads_the_shapes_of_real_configs():
    """Mixtral-8x7B (../shared/reference/model-configs.yaml): 32 layers, 32 heads, 8 KV heads, 8 experts, 2 per token;
    DeepSeek-V2-Lite: MLA ranks and shared experts; a multimodal config: its text_config; a GPTQ checkpoint: its
    quantization_config; GPT-2's spelling of the shapes."""
    mixtral = ModelArch.from_config({"architectures": ["MixtralForCausalLM"], "model_type": "mixtral", "hidden_size": 4096,
                                     "intermediate_size": 14336, "num_attention_heads": 32, "num_key_value_heads": 8,
                                     "num_hidden_layers": 32, "num_local_experts": 8, "num_experts_per_tok": 2,
                                     "max_position_embeddings": 32768, "sliding_window": None, "vocab_size": 32000})
    assert (mixtral.layers, mixtral.heads, mixtral.kv_heads, mixtral.head_dim) == (32, 32, 8, 128)
    assert (mixtral.experts, mixtral.experts_per_token, mixtral.sliding_window, mixtral.mla) == (8, 2, None, False)
    assert mixtral.architectures == ("MixtralForCausalLM",) and mixtral.context_length == 32768
    dsv2 = ModelArch.from_config({"num_hidden_layers": 27, "hidden_size": 2048, "num_attention_heads": 16, "kv_lora_rank": 512,
                                  "q_lora_rank": None, "qk_rope_head_dim": 64, "n_routed_experts": 64, "n_shared_experts": 2,
                                  "moe_intermediate_size": 1408})
    assert dsv2.mla and (dsv2.kv_lora_rank, dsv2.experts, dsv2.shared_intermediate, dsv2.moe_intermediate) == (512, 64, 2 * 1408, 1408)
    gemma3 = ModelArch.from_config({"model_type": "gemma3", "torch_dtype": "bfloat16",
                                    "text_config": {"hidden_size": 2560, "num_attention_heads": 8, "num_key_value_heads": 4,
                                                    "head_dim": 256, "num_hidden_layers": 34, "sliding_window": 1024}})
    assert (gemma3.head_dim, gemma3.kv_heads, gemma3.sliding_window, gemma3.dtype) == (256, 4, 1024, "bfloat16")
    gptq = ModelArch.from_config(dict(LLAMA_8B, quantization_config={"quant_method": "GPTQ", "bits": 4, "group_size": 128}))
    assert gptq.quant is not None and (gptq.quant.method, gptq.quant.bits, gptq.quant.group_size) == ("gptq", 4, 128)
    gpt2 = ModelArch.from_config({"model_type": "gpt2", "n_layer": 12, "n_embd": 768, "n_head": 12, "vocab_size": 50257})
    assert (gpt2.layers, gpt2.hidden, gpt2.heads, gpt2.head_dim) == (12, 768, 12, 64)
    assert ModelArch.from_config({"num_hidden_layers": "32", "hidden_size": 4096, "num_attention_heads": 32}) is None  # not the type transformers writes: not guessed


def test_symlink_out_of_the_repository_is_refused(tmp_path):
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("apiVersion: modelready.io/v1alpha1\nkind: ModelSpec\nmetadata: {name: x}\nspec: {model: {id: a/b}}\n")
    os.symlink(outside, repo / "specs" / "link.yaml")
    (repo / "specs" / "main.yaml").write_text("apiVersion: modelready.io/v1alpha1\nkind: ModelSpec\nmetadata: {name: main}\n"
                                              "spec:\n  model: {id: a/c}\n  dependencies:\n  - {name: x, specRef: specs/link.yaml}\n  - {name: y, specRef: /etc/passwd}\n")
    res = pipeline.run([repo / "specs" / "main.yaml"], Config(), repo)
    msgs = sorted(f.message for f in res.findings if f.check == "specref-outside-repo")
    assert msgs == ["dependency x: specRef specs/link.yaml is a symlink that leads outside the repository",
                    "dependency y: specRef /etc/passwd is an absolute path"]


def test_schema_covers_every_catalog_field():
    packaged = (REPO / "src" / "modelready" / "spec" / "modelspec-v1alpha1.schema.json").read_text()
    schema = json.loads(packaged)
    for item in load_catalog().items:
        for path in item.spec:
            node = schema if path == "apiVersion" else schema["properties"]["spec"]
            for key in ([] if path == "apiVersion" else path.split(".")):
                node = node.get("properties", {}).get(key) or (node.get("items", {}).get("properties", {}).get(key) if "items" in node else None)
                assert node is not None, f"catalog item {item.id} names spec.{path}, which the schema lacks"


def test_init_scaffolds_a_spec_that_agrees_with_its_deployment(tmp_path, capsys):
    import shutil

    from modelready.cli import main

    shutil.copytree(EXAMPLES / "charts" / "vllm-llama", tmp_path / "chart")
    assert main(["init", str(tmp_path / "chart"), "-o", str(tmp_path / "modelspec.yaml")]) == 0
    text = (tmp_path / "modelspec.yaml").read_text()
    assert "# TODO slo:" in text and "maxContextTokens: 16384" in text and "type: L4" in text
    res = pipeline.run([tmp_path], Config(), tmp_path)
    spec = res.spec_views[0]
    assert len(spec.deployments) == 2  # both values sets of the chart
    assert not [f for f in res.findings if f.loc.file == "modelspec.yaml" or f.check.startswith("spec-") or f.check == "modelspec-invalid"]
    assert main(["init", str(EXAMPLES / "broken-specs")]) == 2  # several deployments: the user must choose
    assert "--deployment" in capsys.readouterr().err
    assert main(["init", str(EXAMPLES / "broken-specs"), "--deployment", "qwen-7b-long"]) == 0
    assert "maxContextTokens: 131072" in capsys.readouterr().out
