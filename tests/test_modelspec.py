"""ModelSpec: the schema, the examples, the specRef graph, and the memory arithmetic against hand-derived figures."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from modelready import pipeline
from modelready.catalog import load as load_catalog
from modelready.checks._memory import fit
from modelready.normalize.architecture import ModelArch


def parameters(cfg):
    return ModelArch.from_config(cfg).parameters()


def kv_bytes_per_token(cfg, elem):
    return ModelArch.from_config(cfg).kv_bytes_per_token(elem)


def max_context(cfg):
    return ModelArch.from_config(cfg).context_length
from modelready.config import Config

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
LLAMA_8B = json.loads((EXAMPLES / "model" / "config.json").read_text())


def run(*paths: Path, root: Path = REPO):
    return pipeline.run(list(paths), Config(), root)


@pytest.mark.parametrize("variant, check", [
    ("cycle", "spec-dependency-cycle"), ("tp-on-two-gpus", "parallelism-exceeds-gpus"), ("too-big", "gpu-memory-insufficient"),
    ("context-beyond-model", "context-exceeds-model"), ("escape", "specref-outside-repo"),
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
    assert {"gpu-memory-insufficient", "spec-precision-mismatch", "spec-context-mismatch", "spec-port-mismatch", "spec-version-mismatch",
            "spec-replicas-mismatch", "spec-gpu-type-mismatch", "context-exceeds-model", "modelspec-invalid"} <= applied
    assert not [f for f in res.active_findings() if f.severity.name != "info"], [f.message for f in res.findings]
    items = {i.id for i in load_catalog().items if i.mode == "spec"}
    from modelready.catalog.evaluate import evaluate

    results = {r.item.id: r.status for r in evaluate([i for i in load_catalog().items if i.id in items], res, res.findings)}
    assert set(results.values()) == {"passed"}, {k: v for k, v in results.items() if v != "passed"}


def test_memory_arithmetic_llama_8b():
    """Llama 3.1 8B (hidden 4096, 32 layers, 32 heads, 8 KV heads, head dim 128, MLP 14336, vocab 128256, untied):
    embeddings 2 × 128256 × 4096 = 1,050,673,152; per layer attention 4096·4096 + 2·4096·1024 + 4096·4096 = 41,943,040
    and MLP 3 · 4096 · 14336 = 176,160,768, × 32 layers = 6,979,321,856; total 8,029,995,008 ≈ 8.03 B.
    KV per token in bf16: 2 (K and V) × 32 layers × 8 heads × 128 × 2 bytes = 131,072 bytes = 128 KiB.
    On one L4 (24 GiB) at 0.9 with 16384 tokens: weights 8.03e9 × 2 / 2^30 = 14.96 GiB, KV 16384 × 128 KiB = 2 GiB,
    overhead 2 GiB: needs 18.96 GiB, has 21.6 GiB."""
    assert parameters(LLAMA_8B) == 8_029_995_008
    assert kv_bytes_per_token(LLAMA_8B, 2) == 131_072
    f = fit(parameters(LLAMA_8B), 2, 131_072, 16384, gpus=1, gpu_gib=24, util=0.9)
    assert round(f.weights_gib, 2) == 14.96 and f.kv_gib == 2.0 and f.overhead_gib == 2.0
    assert round(f.need_gib, 2) == 18.96 and round(f.have_gib, 1) == 21.6 and f.fits


def test_memory_arithmetic_70b_on_one_a100():
    """Llama 3.1 70B (hidden 8192, 80 layers, 64 heads, 8 KV heads, MLP 28672, vocab 128256):
    embeddings 2 × 128256 × 8192 = 2,101,346,304; per layer 8192·8192·2 + 2·8192·1024 = 150,994,944 attention and
    3 · 8192 · 28672 = 704,643,072 MLP, × 80 = 68,451,041,280; total 70,552,387,584 ≈ 70.6 B (the published figure).
    bf16 weights 70.55e9 × 2 / 2^30 = 131.41 GiB; KV per token 2 × 80 × 8 × 128 × 2 = 327,680 B; 8192 tokens = 2.5 GiB;
    needs 131.41 + 2.5 + 2 = 135.91 GiB; one A100-80GB at 0.9 has 72 GiB. With TP 4: 4 × 72 = 288 GiB ≥ 131.41 + 2.5 + 8."""
    cfg = dict(LLAMA_8B, hidden_size=8192, intermediate_size=28672, num_attention_heads=64, num_hidden_layers=80)
    assert parameters(cfg) == 70_552_387_584
    assert kv_bytes_per_token(cfg, 2) == 327_680
    one = fit(parameters(cfg), 2, 327_680, 8192, gpus=1, gpu_gib=80, util=0.9)
    assert (round(one.need_gib, 2), round(one.have_gib, 1), one.fits) == (135.91, 72.0, False)
    four = fit(parameters(cfg), 2, 327_680, 8192, gpus=4, gpu_gib=80, util=0.9)
    assert four.fits and round(four.need_gib, 2) == 141.91


def test_kv_cache_for_mla_and_rope_scaling():
    """DeepSeek-V2-Lite (MLA): 27 layers × (kv_lora_rank 512 + rope head dim 64) × 2 bytes = 31,104 bytes per token.
    Its max_position_embeddings 163840 with YaRN factor 40 over an original 4096: 4096 × 40 = 163840 (no change);
    Qwen2.5 with YaRN factor 4 over 32768 serves 131072."""
    dsv2 = {"num_hidden_layers": 27, "kv_lora_rank": 512, "qk_rope_head_dim": 64, "num_attention_heads": 16, "hidden_size": 2048,
            "max_position_embeddings": 163840, "rope_scaling": {"type": "yarn", "factor": 40, "original_max_position_embeddings": 4096}}
    assert kv_bytes_per_token(dsv2, 2) == 31_104
    assert max_context(dsv2) == 163840
    qwen = {"max_position_embeddings": 32768, "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}}
    assert max_context(qwen) == 131072
    assert max_context(LLAMA_8B) == 131072  # llama3 rope scaling is already in max_position_embeddings


def test_model_arch_reads_the_shapes_of_real_configs():
    """Mixtral-8x7B (../shared/reference/model-configs.yaml): 32 layers, 32 heads, 8 KV heads, 8 experts, 2 per token;
    DeepSeek-V2-Lite: MLA ranks; a multimodal config: its text_config; a GPTQ checkpoint: its quantization_config."""
    mixtral = ModelArch.from_config({"architectures": ["MixtralForCausalLM"], "model_type": "mixtral", "hidden_size": 4096,
                                     "intermediate_size": 14336, "num_attention_heads": 32, "num_key_value_heads": 8,
                                     "num_hidden_layers": 32, "num_local_experts": 8, "num_experts_per_tok": 2,
                                     "max_position_embeddings": 32768, "sliding_window": None, "vocab_size": 32000})
    assert (mixtral.layers, mixtral.attention_heads, mixtral.kv_heads, mixtral.head_dim) == (32, 32, 8, 128)
    assert (mixtral.experts, mixtral.experts_per_token, mixtral.sliding_window, mixtral.mla) == (8, 2, None, False)
    assert mixtral.architectures == ("MixtralForCausalLM",) and mixtral.context_length == 32768
    dsv2 = ModelArch.from_config({"num_hidden_layers": 27, "kv_lora_rank": 512, "q_lora_rank": None, "qk_rope_head_dim": 64,
                                  "n_routed_experts": 64, "n_shared_experts": 2, "moe_intermediate_size": 1408})
    assert dsv2.mla and (dsv2.kv_lora_rank, dsv2.experts, dsv2.shared_experts, dsv2.moe_intermediate_size) == (512, 64, 2, 1408)
    gemma3 = ModelArch.from_config({"model_type": "gemma3", "torch_dtype": "bfloat16",
                                    "text_config": {"hidden_size": 2560, "num_attention_heads": 8, "num_key_value_heads": 4,
                                                    "head_dim": 256, "num_hidden_layers": 34, "sliding_window": 1024}})
    assert (gemma3.head_dim, gemma3.kv_heads, gemma3.sliding_window, gemma3.torch_dtype) == (256, 4, 1024, "bfloat16")
    gptq = ModelArch.from_config(dict(LLAMA_8B, quantization_config={"quant_method": "GPTQ", "bits": 4, "group_size": 128}))
    assert (gptq.quantization.method, gptq.quantization.bits, gptq.quantization.group_size) == ("gptq", 4, 128)
    assert ModelArch.from_config({"num_hidden_layers": "32"}).layers is None  # not the type transformers writes: not guessed


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
