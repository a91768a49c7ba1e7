"""The memory model end to end: the pinned release's overhead terms, the certainty rule, the GPU a deployment is
scheduled on (labels, instance types, affinity), SGLang's and TGI's KV sizing, and the figures in the JSON report,
the text output (--memory) and the PR comment. Each deployment is a real Deployment manifest run through the pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from modelready.app.cli import main
from modelready.checks._fit import fit
from modelready.config import Config
from modelready.normalize.accelerator import gpu_type
from modelready.report import comment, wire

from .memory_pod import pod

REPO = Path(__file__).resolve().parents[1]
GIB = 2**30

def _deploy(run, tmp_path, args, image="vllm/vllm-openai:v0.10.2", placement=None, gpus=1, env=(), command=None):
    (tmp_path / "deploy.yaml").write_text(pod(args, image, gpus=gpus, env=env, command=command, placement=placement))
    result = run(tmp_path, config=Config())
    (d,) = [d for d in result.deployments if d.engine]
    return result, d


def _mine(result, check):
    return [f for f in result.findings if f.check == check]


def test_parameters_alone_above_the_gpu_are_an_error_whatever_shapes_are_assumed(run, tmp_path):
    """Mixtral-8x7B in bf16 on one L4: its table entry is not confirmed from a real config.json, yet 46.7B
    parameters are about 87 GiB against 20 GiB, so vLLM cannot start: an error, not a warning."""
    result, d = _deploy(run, tmp_path, ["--model", "mistralai/Mixtral-8x7B-Instruct-v0.1"])
    assert not d.resolved.certain
    (err,) = _mine(result, "gpu-memory-insufficient")
    assert err.severity.name == "error" and "whatever shapes are assumed" in err.message and "L4" in err.message
    assert not _mine(result, "gpu-memory-tight")  # said once


def test_the_pinned_release_decides_the_overhead(run, tmp_path):
    """V0 (0.6) profiles a dummy batch as long as the context; V1 (0.10) max_num_batched_tokens and a sampler run;
    from 0.14 CUDA graphs come out of the KV cache, except with --enforce-eager; 0.34 with no utilization takes all."""
    args = ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--max-model-len", "20000"]
    terms = {}
    for version in ("0.6.4", "0.10.2", "0.14.1", "0.34.0"):
        _, d = _deploy(run, tmp_path, args, image=f"vllm/vllm-openai:v{version}")
        f = fit(d)
        terms[version] = {t.name: t for t in f.terms}
        if version == "0.34.0":
            assert f.util == 1.0 and "CUDA-graph" in f.util_note and f.block_size == 64
    assert "20000 profiled tokens" in terms["0.6.4"]["activation"].source
    assert "2048 profiled tokens" in terms["0.10.2"]["activation"].source  # an L4 is below 70 GiB
    assert "cuda_graphs" not in terms["0.10.2"] and "cuda_graphs" in terms["0.14.1"]
    _, d = _deploy(run, tmp_path, [*args, "--enforce-eager"], image="vllm/vllm-openai:v0.14.1")
    assert "cuda_graphs" not in {t.name for t in fit(d).terms}
    _, d = _deploy(run, tmp_path, args, image="vllm/vllm-openai:v0.7.3", env=[("VLLM_USE_V1", "1")])
    assert "VLLM_USE_V1=1" in fit(d).release and "compile" in {t.name for t in fit(d).terms}


def test_a_sequence_inside_the_overhead_range_is_tight_with_the_range_in_the_message(run, tmp_path):
    result, d = _deploy(run, tmp_path, ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--max-model-len", "16384"])
    f = fit(d)
    assert f.verdict == "tight" and f.kv_low < f.seq <= f.kv_high
    (w,) = _mine(result, "gpu-memory-tight")
    assert "tight" in w.message and f"{f.kv_low:.1f}–{f.kv_high:.1f} GiB" in w.message


def test_deepseek_is_cached_per_head_before_vllm_071(run, tmp_path):
    cfg = {"model_type": "deepseek_v2", "architectures": ["DeepseekV2ForCausalLM"], "num_hidden_layers": 27, "num_attention_heads": 16,
           "num_key_value_heads": 16, "hidden_size": 2048, "intermediate_size": 10944, "moe_intermediate_size": 1408, "n_routed_experts": 64,
           "n_shared_experts": 2, "num_experts_per_tok": 6, "first_k_dense_replace": 1, "kv_lora_rank": 512, "q_lora_rank": None,
           "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128, "vocab_size": 102400, "max_position_embeddings": 163840,
           "torch_dtype": "bfloat16"}
    (tmp_path / "models" / "DeepSeek-V2-Lite-Chat").mkdir(parents=True)
    (tmp_path / "models" / "DeepSeek-V2-Lite-Chat" / "config.json").write_text(json.dumps(cfg))
    placement = "nodeSelector: {nvidia.com/gpu.product: NVIDIA-H100-80GB-HBM3}"
    per_token = {}
    for version in ("0.6.6", "0.8.5"):
        _, d = _deploy(run, tmp_path, ["--model", "/models/DeepSeek-V2-Lite-Chat", "--max-model-len", "8192"],
                       image=f"vllm/vllm-openai:v{version}", placement=placement)
        per_token[version] = fit(d).kv_per_token
    assert per_token["0.8.5"] == 27 * (512 + 64) * 2  # the MLA latent
    assert per_token["0.6.6"] == 27 * 2 * 16 * (128 + 64) * 2  # K and V per head, V padded to the K head


@pytest.mark.parametrize("placement,expected", [
    ("nodeSelector: {node.kubernetes.io/instance-type: Standard_NC24ads_A100_v4}", "A100-80GB"),
    ("nodeSelector: {node.kubernetes.io/instance-type: BM.GPU.H100.8}", "H100-80GB"),
    ("nodeSelector: {node.kubernetes.io/instance-type: VM.GPU.A10.1}", "A10"),
    ("nodeSelector: {node.kubernetes.io/instance-type: g6e.12xlarge}", "L40S"),
    ("nodeSelector: {node.kubernetes.io/instance-type: p5en.48xlarge}", "H200-141GB"),
    ("nodeSelector: {cloud.google.com/gke-accelerator: nvidia-b200}", "B200"),
    ("nodeSelector: {karpenter.k8s.aws/instance-gpu-name: l4}", "L4"),
    ("nodeSelector: {amd.com/gpu.device-id: 74a1}", "MI300X"),
    ("nodeSelector: {nvidia.com/gpu.product: NVIDIA-H100-NVL}", "H100-NVL"),
    ("affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: "
     "[{key: karpenter.k8s.aws/instance-gpu-name, operator: In, values: [l4, l40s]}]}]}}}", "L40S"),
])
def test_the_gpu_type_and_where_it_came_from(run, tmp_path, placement, expected):
    _, d = _deploy(run, tmp_path, ["--model", "meta-llama/Llama-3.1-8B-Instruct"], placement=placement)
    name, source = gpu_type(d)
    assert name == expected and source


def test_sglang_static_pool_and_its_default_fraction(run, tmp_path):
    """SGLang's KV pool is total × --mem-fraction-static less the weights: 70B in bf16 over 2 H100s (65.7 GiB each)
    at 0.9 leaves about 5 GiB per GPU; at 0.8 (63.4 GiB) the pool cannot hold the weights and SGLang stops at start."""
    placement = "nodeSelector: {nvidia.com/gpu.product: NVIDIA-H100-80GB-HBM3}"
    sg = dict(image="lmsysorg/sglang:v0.4.9", command=["python3", "-m", "sglang.launch_server"], placement=placement, gpus=2)
    base = ["--model-path", "meta-llama/Llama-3.1-70B-Instruct", "--tp", "2", "--context-length", "8192"]
    result, d = _deploy(run, tmp_path, [*base, "--mem-fraction-static", "0.9"], **sg)
    f = fit(d)
    assert f.budget == pytest.approx(79.22 * 0.9) and f.verdict == "fits" and not _mine(result, "gpu-memory-tight")
    assert d.memory["engine"] == "sglang" and d.memory["kv_tokens"] == f.tokens()
    result, d = _deploy(run, tmp_path, [*base, "--mem-fraction-static", "0.8"], **sg)
    assert fit(d).verdict == "does-not-fit"
    (w,) = _mine(result, "gpu-memory-tight")
    assert "static pool" in w.message and "--mem-fraction-static" in w.message
    _, d = _deploy(run, tmp_path, base, **sg)
    assert fit(d).util == 0.87 and "TP 2" in fit(d).util_note  # sglang's default at TP 2


def test_tgi_batch_total_tokens_beyond_the_kv_cache(run, tmp_path):
    tgi = dict(image="ghcr.io/huggingface/text-generation-inference:3.0.1")
    result, d = _deploy(run, tmp_path, ["--model-id", "meta-llama/Llama-3.1-8B-Instruct", "--max-total-tokens", "8192",
                                        "--max-batch-total-tokens", "400000"], **tgi)
    (w,) = [f for f in _mine(result, "gpu-memory-tight") if "--max-batch-total-tokens" in f.message]
    assert "400000" in w.message and "warm-up" in w.message
    result, d = _deploy(run, tmp_path, ["--model-id", "meta-llama/Llama-3.1-8B-Instruct", "--max-total-tokens", "8192"], **tgi)
    assert not _mine(result, "gpu-memory-tight")


def test_figures_in_json_text_and_comment(capsys, tmp_path):
    (tmp_path / "deploy.yaml").write_text(pod(["--model", "Qwen/Qwen2.5-7B-Instruct", "--max-model-len", "32768"], gpu="NVIDIA-A100-SXM4-80GB"))
    main(["check", str(tmp_path), "--offline", "--format", "json", "--root", str(tmp_path)])
    doc = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator(json.loads((REPO / "src/modelready/report/report-schema.json").read_text())).validate(doc)
    (dep,) = [d for d in doc["deployments"] if d["memory"]]
    mem = dep["memory"]
    assert mem["verdict"] == "fits" and mem["gpu"] == "A100-80GB" and mem["kv_bytes_per_token"] == 2 * 28 * 4 * 128 * 2
    assert mem["usable_bytes_per_gpu"] == int(79.2 * GIB) and mem["weights_bytes_per_gpu"] > 14 * GIB
    assert {t["term"] for t in mem["overhead"]} >= {"non_torch", "activation", "sampler", "compile"}
    assert all(t["low_bytes"] <= t["high_bytes"] and t["source"] for t in mem["overhead"])
    assert mem["kv_tokens_range"][0] <= mem["kv_tokens"] <= mem["kv_tokens_range"][1] and mem["concurrency"] > 1
    assert mem["longest_max_model_len"] == 32768  # capped at the model's context
    main(["check", str(tmp_path), "--offline", "--memory", "--root", str(tmp_path)])
    out = capsys.readouterr().out
    assert "memory of Deployment/serving/llm" in out and "overhead activation" in out and "verdict: fits" in out
    body = comment.build(wire.of_json(doc), link=lambda f, line: None)
    assert "<details><summary>Memory of llm: fits" in body and "overhead sampler" in body


def test_stored_weights_from_the_safetensors_index_beside_config_json(run, tmp_path):
    """model.safetensors.index.json's total_size is what the checkpoint holds (Llama-3.1-8B-Instruct: 16,060,522,496
    bytes as its index publishes): the weights per GPU are that, not a count from the shapes; an online
    --quantization fp8 re-packs them, so the count (at one byte per weight) applies again."""
    from modelready.normalize.resolve import table

    folder = tmp_path / "models" / "Llama-3.1-8B-Instruct"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(table()["meta-llama/llama-3.1-8b-instruct"][1]["config"]))
    (folder / "model.safetensors.index.json").write_text(json.dumps({"metadata": {"total_size": 16060522496},
                                                                     "weight_map": {"lm_head.weight": "model-00004-of-00004.safetensors"}}))
    result, d = _deploy(run, tmp_path, ["--model", "/models/Llama-3.1-8B-Instruct", "--tensor-parallel-size", "2"], gpus=2)
    assert "model.safetensors.index.json" in d.resolved.source
    assert fit(d).weights == pytest.approx(16060522496 / GIB / 2)
    assert next(r for r in result.files if r.path.endswith("index.json")).status == "checked"
    _, d = _deploy(run, tmp_path, ["--model", "/models/Llama-3.1-8B-Instruct", "--quantization", "fp8"])
    assert fit(d).weights < 9


def _config_deploy(run, tmp_path, cfg, args, image, gpu):
    (tmp_path / "models" / "m").mkdir(parents=True)
    (tmp_path / "models" / "m" / "config.json").write_text(json.dumps(cfg))
    (tmp_path / "deploy.yaml").write_text(pod(["--model", "/models/m", *args], image, gpu=gpu))
    (d,) = [d for d in run(tmp_path, config=Config()).deployments if d.engine]
    return d


GPT_OSS_20B = {"architectures": ["GptOssForCausalLM"], "model_type": "gpt_oss", "hidden_size": 2880, "intermediate_size": 2880,
               "num_hidden_layers": 24, "num_attention_heads": 64, "num_key_value_heads": 8, "head_dim": 64, "num_local_experts": 32,
               "num_experts_per_tok": 4, "vocab_size": 201088, "max_position_embeddings": 131072, "sliding_window": 128,
               "layer_types": ["sliding_attention", "full_attention"] * 12, "torch_dtype": "bfloat16",
               "quantization_config": {"quant_method": "mxfp4"}}


@pytest.mark.parametrize("image,gpu,pad", [
    ("vllm/vllm-openai:v0.10.1", "NVIDIA-GeForce-RTX-3090", 1.0),  # the stored layout (vllm #22331: 12.88 GiB)
    ("vllm/vllm-openai:v0.19.0", "NVIDIA-A100-SXM4-80GB", 2944 * 3072 / 2880**2),  # Marlin: n % 256, k % 128
    ("vllm/vllm-openai:v0.19.0", "NVIDIA-H100-80GB-HBM3", 3072 / 2880),  # Hopper: the intermediate to 256 (vllm #33155)
])
def test_mxfp4_experts_padded_as_the_releases_kernel_on_that_gpu_allocates_them(run, tmp_path, image, gpu, pad):
    d = _config_deploy(run, tmp_path, GPT_OSS_20B, ["--max-model-len", "8192"], image, gpu)
    a = d.resolved.arch
    experts = a.params().experts * a.quant.bits_per_weight / 8
    stored = a.weight_bytes(mxfp4_pad=(1, 1))
    assert fit(d).weights * GIB == pytest.approx(stored + experts * (pad - 1), rel=1e-9)


def test_opt_counts_its_learned_position_table():
    """vLLM's OPTLearnedPositionalEmbedding holds max_position_embeddings + 2 rows of the hidden size."""
    from modelready.normalize.architecture import ModelArch

    cfg = {"model_type": "opt", "hidden_size": 768, "ffn_dim": 3072, "intermediate_size": 3072, "num_hidden_layers": 12,
           "num_attention_heads": 12, "vocab_size": 50272, "max_position_embeddings": 2048, "tie_word_embeddings": True}
    opt = ModelArch.from_config(cfg)
    llama_like = ModelArch.from_config({**cfg, "model_type": "llama"})
    assert opt.params().embed - llama_like.params().embed == 2050 * 768
    assert opt.params().head == 0


QWEN25_VL_3B = {"architectures": ["Qwen2_5_VLForConditionalGeneration"], "model_type": "qwen2_5_vl", "hidden_size": 2048,
                "intermediate_size": 11008, "num_hidden_layers": 36, "num_attention_heads": 16, "num_key_value_heads": 2,
                "vocab_size": 151936, "max_position_embeddings": 128000, "torch_dtype": "bfloat16", "tie_word_embeddings": True,
                "vision_config": {"depth": 32, "hidden_size": 1280, "intermediate_size": 3420, "out_hidden_size": 2048,
                                  "patch_size": 14, "spatial_merge_size": 2}}


@pytest.mark.parametrize("max_len", ["2048", "128000"])
def test_v1_profiles_the_encoder_on_one_maximal_image_whatever_the_context(run, tmp_path, max_len):
    """V1's profile_run: min(cdiv(max(batched tokens, item), item), max_num_seqs) maximal items; Qwen2.5-VL's is
    12,845,056 pixels, 65,536 patches of 14 (16,384 tokens after the merger), above the 2,048-token batch: one item."""
    d = _config_deploy(run, tmp_path, QWEN25_VL_3B, ["--max-model-len", max_len, "--gpu-memory-utilization", "0.3"],
                       "vllm/vllm-openai:v0.8.3", "NVIDIA-A100-SXM4-80GB")
    (mm,) = [t for t in fit(d).terms if t.name == "multimodal"]
    assert "65536 dummy positions" in mm.source
    assert mm.low == pytest.approx(65536 * 1280 * 2 * 12 / GIB)
