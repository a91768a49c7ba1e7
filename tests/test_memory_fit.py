"""The memory fit, case by case. Each case is a real model's published config.json (written into a
repository beside a vLLM Deployment that mounts it), a GPU, a TP size, a precision and a context;
the expected figures are derived here from the published values (parameter counts as the Hub shows
them, config.json shapes, the quantization formats' bit layouts), never from the product's code.
Then five comparisons with vLLM start-up logs published in issues, each cited."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from modelready import data
from modelready.checks._fit import fit
from modelready.config import Config
from modelready.normalize.architecture import ModelArch
from modelready.normalize.resolve import table

from .memory_pod import pod

GIB = 2**30


def llama(L, H, KV, h, i, vocab, mpe, **kw):
    return {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "num_hidden_layers": L, "num_attention_heads": H,
            "num_key_value_heads": KV, "hidden_size": h, "intermediate_size": i, "vocab_size": vocab,
            "max_position_embeddings": mpe, "torch_dtype": "bfloat16", "tie_word_embeddings": False, **kw}


ROPE31 = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}
GPT_OSS = {"model_type": "gpt_oss", "num_attention_heads": 64, "num_key_value_heads": 8, "head_dim": 64, "hidden_size": 2880,
           "intermediate_size": 2880, "num_experts_per_tok": 4, "vocab_size": 201088, "max_position_embeddings": 131072, "sliding_window": 128,
           "rope_scaling": {"rope_type": "yarn", "factor": 32.0, "original_max_position_embeddings": 4096}, "torch_dtype": "bfloat16",
           "tie_word_embeddings": False, "quantization_config": {"quant_method": "mxfp4"}}

# name: (config.json as published on huggingface.co/<name>, parameters as the Hub's safetensors counter shows them)
MODELS = {
    "Llama-3.1-8B-Instruct": (llama(32, 32, 8, 4096, 14336, 128256, 131072, rope_scaling=ROPE31), 8_030_261_248),
    "Llama-3.1-70B-Instruct": (llama(80, 64, 8, 8192, 28672, 128256, 131072, rope_scaling=ROPE31), 70_553_706_496),
    "Qwen2.5-7B-Instruct": ({**llama(28, 28, 4, 3584, 18944, 152064, 32768), "model_type": "qwen2", "sliding_window": 131072,
                             "use_sliding_window": False, "max_window_layers": 28}, 7_615_616_512),
    "Mistral-7B-v0.1": ({**llama(32, 32, 8, 4096, 14336, 32000, 32768), "model_type": "mistral", "sliding_window": 4096}, 7_241_732_096),
    "gemma-2-9b-it": ({"model_type": "gemma2", "num_hidden_layers": 42, "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 256,
                       "hidden_size": 3584, "intermediate_size": 14336, "vocab_size": 256000, "max_position_embeddings": 8192,
                       "sliding_window": 4096, "torch_dtype": "bfloat16", "tie_word_embeddings": True}, 9_241_705_984),
    "DeepSeek-V2-Lite-Chat": ({"model_type": "deepseek_v2", "num_hidden_layers": 27, "num_attention_heads": 16, "num_key_value_heads": 16,
                               "hidden_size": 2048, "intermediate_size": 10944, "moe_intermediate_size": 1408, "n_routed_experts": 64,
                               "n_shared_experts": 2, "num_experts_per_tok": 6, "first_k_dense_replace": 1, "kv_lora_rank": 512,
                               "q_lora_rank": None, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128, "vocab_size": 102400,
                               "max_position_embeddings": 163840, "torch_dtype": "bfloat16", "tie_word_embeddings": False,
                               "rope_scaling": {"type": "yarn", "factor": 40, "original_max_position_embeddings": 4096}}, 15_706_484_224),
    "DeepSeek-V3": ({"model_type": "deepseek_v3", "num_hidden_layers": 61, "num_attention_heads": 128, "num_key_value_heads": 128,
                     "hidden_size": 7168, "intermediate_size": 18432, "moe_intermediate_size": 2048, "n_routed_experts": 256, "n_shared_experts": 1,
                     "num_experts_per_tok": 8, "first_k_dense_replace": 3, "kv_lora_rank": 512, "q_lora_rank": 1536, "qk_nope_head_dim": 128,
                     "qk_rope_head_dim": 64, "v_head_dim": 128, "vocab_size": 129280, "max_position_embeddings": 163840, "torch_dtype": "bfloat16",
                     "tie_word_embeddings": False, "rope_scaling": {"type": "yarn", "factor": 40, "original_max_position_embeddings": 4096},
                     "quantization_config": {"quant_method": "fp8", "fmt": "e4m3", "activation_scheme": "dynamic",
                                             "weight_block_size": [128, 128]}}, 671_026_419_200),  # without the MTP layer
    "Mixtral-8x7B-Instruct-v0.1": ({**llama(32, 32, 8, 4096, 14336, 32000, 32768), "model_type": "mixtral", "num_local_experts": 8,
                                    "num_experts_per_tok": 2}, 46_702_792_704),
    "Qwen3-30B-A3B": ({**llama(48, 32, 4, 2048, 6144, 151936, 40960), "model_type": "qwen3_moe", "head_dim": 128, "num_experts": 128,
                       "moe_intermediate_size": 768, "num_experts_per_tok": 8}, 30_532_122_624),
    "Llama-2-70B-Chat-GPTQ": ({**llama(80, 64, 8, 8192, 28672, 32000, 4096), "torch_dtype": "float16",
                               "quantization_config": {"bits": 4, "group_size": 128, "desc_act": False, "damp_percent": 0.1, "sym": True,
                                                       "true_sequential": True, "quant_method": "gptq"}}, 68_976_648_192),  # of the fp16 original
    "gpt-oss-20b": ({**GPT_OSS, "num_hidden_layers": 24, "num_local_experts": 32,
                     "layer_types": ["sliding_attention", "full_attention"] * 12}, 20_914_757_184),
    "gpt-oss-120b": ({**GPT_OSS, "num_hidden_layers": 36, "num_local_experts": 128,
                      "layer_types": ["sliding_attention", "full_attention"] * 18}, 116_829_156_672),
}


@dataclass
class Case:
    id: str
    model: str
    gpu_label: str  # nvidia.com/gpu.product
    tp: int
    max_len: int | None  # None: no --max-model-len (vLLM takes the model's context)
    flags: list[str] = field(default_factory=list)
    # derived below from the published values
    weights_gib: float = 0.0
    kv_per_token: float = 0.0  # bytes, per GPU
    seq_gib: float = 0.0


def gqa_kv(cfg, tp, elem=2):
    """2 (K and V) × layers × KV heads on each GPU (replicated beyond the KV heads) × head dim × bytes."""
    hd = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    return 2 * cfg["num_hidden_layers"] * max(1, cfg["num_key_value_heads"] // tp) * hd * elem


def mla_kv(cfg, elem=2):
    """DeepSeek MLA: one latent of kv_lora_rank + qk_rope_head_dim per layer, on every rank."""
    return cfg["num_hidden_layers"] * (cfg["kv_lora_rank"] + cfg["qk_rope_head_dim"]) * elem


def embeddings(cfg):
    n = cfg["vocab_size"] * cfg["hidden_size"]
    return n if cfg.get("tie_word_embeddings") else 2 * n


def gpt_oss_experts(cfg):
    return cfg["num_hidden_layers"] * cfg["num_local_experts"] * 3 * cfg["hidden_size"] * cfg["intermediate_size"]


def _derive(c: Case) -> Case:
    cfg, params = MODELS[c.model]
    fp8_kv = "--kv-cache-dtype" in c.flags
    elem = 1 if fp8_kv else 2
    length = c.max_len or cfg["max_position_embeddings"]
    if cfg.get("kv_lora_rank"):
        c.kv_per_token = mla_kv(cfg, elem)
    else:
        c.kv_per_token = gqa_kv(cfg, c.tp, elem)
    quant = (cfg.get("quantization_config") or {}).get("quant_method") or ("fp8" if "--quantization" in c.flags else None)
    if quant is None:
        total = params * 2
    elif quant == "gptq":  # 4 bits + an fp16 scale and a 4-bit zero per group of 128; embeddings and lm_head fp16
        total = (params - embeddings(cfg)) * (4 + 20 / 128) / 8 + embeddings(cfg) * 2
    elif quant == "fp8":  # one byte per weight; embeddings and lm_head stay bf16
        total = (params - embeddings(cfg)) * 1 + embeddings(cfg) * 2
    elif quant == "mxfp4":  # experts at 4.25 bits (32 values share an 8-bit scale); the rest bf16
        # on Hopper vLLM's MXFP4 MoE kernels pad each expert's intermediate size to a multiple of 256 (2880 -> 3072):
        # gpt-oss-120b loads as 64.38 GiB on an H100 (vllm-project/vllm#33155), 60.8 GiB unpadded; below SM90 the
        # Marlin MXFP4 MoE of the pod's vLLM 0.10.2 needs n % 256 and k % 128 (vllm mxfp4.py create_weights):
        # intermediate 2880 -> 2944, hidden 2880 -> 3072 (gpt-oss-20b 13.72 GiB on an A100 at 0.19, myoceane.fr)
        pad = 3072 / 2880 if c.gpu_label.startswith("NVIDIA-H") else 2944 * 3072 / (2880 * 2880)
        total = gpt_oss_experts(cfg) * 4.25 / 8 * pad + (params - gpt_oss_experts(cfg)) * 2
    c.weights_gib = total / c.tp / GIB
    # one sequence: sliding-window layers hold at most the window
    layers = cfg["num_hidden_layers"]
    if cfg.get("layer_types"):
        sliding = cfg["layer_types"].count("sliding_attention")
    elif cfg["model_type"] == "gemma2":
        sliding = layers // 2
    elif cfg["model_type"] == "mistral" and cfg.get("sliding_window"):
        sliding = layers
    else:
        sliding = 0
    window = cfg.get("sliding_window") or length
    per_layer = c.kv_per_token / layers
    c.seq_gib = per_layer * ((layers - sliding) * length + sliding * min(length, window)) / GIB
    return c


CASES = [_derive(c) for c in [
    Case("gqa-llama31-8b-l4-8k", "Llama-3.1-8B-Instruct", "NVIDIA-L4", 1, 8192),
    Case("gqa-llama31-8b-l4-model-default", "Llama-3.1-8B-Instruct", "NVIDIA-L4", 1, None),
    Case("fp8-kv-llama31-8b-l4-32k", "Llama-3.1-8B-Instruct", "NVIDIA-L4", 1, 32768, ["--kv-cache-dtype", "fp8"]),
    Case("fp8-online-llama31-8b-l4-8k", "Llama-3.1-8B-Instruct", "NVIDIA-L4", 1, 8192, ["--quantization", "fp8"]),
    Case("gqa-llama31-70b-a100-tp1", "Llama-3.1-70B-Instruct", "NVIDIA-A100-SXM4-80GB", 1, 8192),
    Case("gqa-llama31-70b-h100-tp4-32k", "Llama-3.1-70B-Instruct", "NVIDIA-H100-80GB-HBM3", 4, 32768),
    Case("gqa-replicated-llama31-70b-h200-tp16", "Llama-3.1-70B-Instruct", "NVIDIA-H200", 16, 131072),
    Case("gqa-qwen25-7b-l4-32k", "Qwen2.5-7B-Instruct", "NVIDIA-L4", 1, 32768),
    Case("sliding-mistral-7b-h100-32k", "Mistral-7B-v0.1", "NVIDIA-H100-80GB-HBM3", 1, 32768),
    Case("sliding-gemma2-9b-a100-8k", "gemma-2-9b-it", "NVIDIA-A100-SXM4-80GB", 1, 8192),
    Case("mla-deepseek-v2-lite-h100-tp2-32k", "DeepSeek-V2-Lite-Chat", "NVIDIA-H100-80GB-HBM3", 2, 32768),
    Case("mla-moe-fp8-deepseek-v3-h200-tp8-32k", "DeepSeek-V3", "NVIDIA-H200", 8, 32768),
    Case("moe-mixtral-8x7b-h100-tp2-32k", "Mixtral-8x7B-Instruct-v0.1", "NVIDIA-H100-80GB-HBM3", 2, 32768),
    Case("moe-qwen3-30b-a3b-h100-40k", "Qwen3-30B-A3B", "NVIDIA-H100-80GB-HBM3", 1, 40960),
    Case("moe-qwen3-30b-a3b-l40s", "Qwen3-30B-A3B", "NVIDIA-L40S", 1, 40960),
    Case("gptq-llama2-70b-a100-4k", "Llama-2-70B-Chat-GPTQ", "NVIDIA-A100-SXM4-80GB", 1, 4096),
    Case("gptq-llama2-70b-l4", "Llama-2-70B-Chat-GPTQ", "NVIDIA-L4", 1, 4096),
    Case("mxfp4-sliding-gpt-oss-20b-l4-128k", "gpt-oss-20b", "NVIDIA-L4", 1, 131072),
    Case("mxfp4-sliding-gpt-oss-120b-h100-128k", "gpt-oss-120b", "NVIDIA-H100-80GB-HBM3", 1, 131072),
]]

def _deployment(run, tmp_path, c: Case):
    cfg, _ = MODELS[c.model]
    folder = tmp_path / "models" / c.model
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(cfg))
    args = ["--model", f"/models/{c.model}", "--tensor-parallel-size", str(c.tp), *c.flags]
    if c.max_len:
        args += ["--max-model-len", str(c.max_len)]
    (tmp_path / "deploy.yaml").write_text(pod(args, gpu=c.gpu_label, gpus=c.tp))
    result = run(tmp_path, config=Config())
    (d,) = [d for d in result.deployments if d.engine]
    return result, d


def test_at_least_fifteen_cases_cover_every_shape():
    assert len(CASES) >= 15
    kinds = {c.id.split("-")[0] for c in CASES} | {k for c in CASES for k in c.id.split("-")[1:2]}
    assert {"gqa", "mla", "sliding", "moe", "gptq", "fp8", "mxfp4"} <= kinds


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_fit_figures(run, tmp_path, c: Case):
    result, d = _deployment(run, tmp_path, c)
    assert d.resolved.kind == "repo" and d.resolved.certain
    f = fit(d)
    assert f.weights == pytest.approx(c.weights_gib, rel=0.015), "weights per GPU"
    assert f.kv_per_token == pytest.approx(c.kv_per_token), "KV bytes per token per GPU"
    assert f.seq == pytest.approx(c.seq_gib, rel=1e-6), "one max_model_len sequence"
    # vLLM's verdict from the same published figures: usable × 0.9 (0.10.2's default) must hold weights,
    # non-torch memory (0.15 GiB at TP 1, 0.6 GiB at TP ≥ 2) and one sequence
    usable = data.gpu_by_name(c.gpu_label)[1]["usable_gib"] * 0.9
    refuses = c.weights_gib + (0.15 if c.tp == 1 else 0.6) + c.seq_gib > usable
    errors = [x for x in result.findings if x.check == "gpu-memory-insufficient"]
    assert bool(errors) == refuses, [x.message for x in errors]
    if errors:
        assert c.model in errors[0].message and "config.json at models/" in errors[0].message


# --- against vLLM's own start-up logs ----------------------------------------------------------------
# (model in the bundled table, TP, the log's weights GiB or None, the log's KV GiB and tokens or None, where it was published)
LOGS = [
    ("meta-llama/Meta-Llama-3-8B", 1, 14.96, None,
     "https://github.com/vllm-project/vllm/pull/10511 (H100: 'model weights take 14.96GiB')"),
    ("meta-llama/Meta-Llama-3-8B", 2, 7.48, None,
     "https://github.com/vllm-project/vllm/pull/10511 (-tp 2: 'model weights take 7.48GiB')"),
    ("meta-llama/Llama-3.1-8B-Instruct", 1, 14.9888, (3.81, 1952 * 16),
     "https://github.com/vllm-project/vllm/issues/10517 (RTX 3090: 'Loading model weights took 14.9888 GB', kv_cache_size=3.81GiB, "
     "# GPU blocks: 1952 of 16 tokens)"),
    ("Qwen/Qwen3-235B-A22B", 4, None, (8.11, 178_880),
     "https://github.com/vllm-project/vllm/issues/21348 (Qwen3-235B-A22B-FP8, 4×H100: 'Available KV cache memory: 8.11 GiB', "
     "'GPU KV cache size: 178,880 tokens')"),
    ("openai/gpt-oss-120b", 1, 65.9651, None,
     "https://github.com/vllm-project/vllm/issues/23278 (H100: 'Model loading took 65.9651 GiB')"),
    ("Qwen/Qwen3-14B", 1, None, (6.51, 42_656),
     "https://github.com/LMCache/LMCache/issues/1739 (Qwen3-14B: 'Available KV cache memory: 6.51 GiB', 'GPU KV cache size: 42,656 tokens')"),
]


@pytest.mark.parametrize("model,tp,weights,kv,source", LOGS, ids=[f"{m}-tp{t}" for m, t, *_ in LOGS])
def test_agrees_with_published_vllm_logs(model, tp, weights, kv, source):
    _key, row = table()[model.lower()]
    arch = ModelArch.from_config(row["config"])
    if weights is not None:
        ours = arch.weight_bytes() / GIB / tp
        assert ours == pytest.approx(weights, rel=0.10), f"weights {ours:.2f} GiB vs {weights} GiB in {source}"
    if kv is not None:
        gib, tokens = kv
        logged = gib * GIB / tokens  # bytes per token per GPU, as vLLM sized its cache
        assert arch.kv_bytes_per_token(tp) == pytest.approx(logged, rel=0.10), f"KV per token vs {source}"


def test_linear_attention_layers_hold_no_per_token_cache():
    """A hybrid model (Qwen3-Next style: three Gated DeltaNet layers, then one full-attention layer, × 12) caches
    K and V only in its 12 attention layers: 2 × 12 × 2 KV heads × 256 × 2 bytes = 24,576 bytes per token."""
    arch = ModelArch.from_config({"model_type": "qwen3_next", "hidden_size": 2048, "num_hidden_layers": 48, "num_attention_heads": 16,
                                  "num_key_value_heads": 2, "head_dim": 256, "max_position_embeddings": 262144,
                                  "layer_types": ["linear_attention"] * 3 * 12 + ["full_attention"] * 12})
    assert arch.state_layers == 36
    assert arch.kv_bytes_per_token(1, 2) == 2 * 12 * 2 * 256 * 2
    assert arch.kv_bytes_for(1000, 1, 2) == 1000 * 2 * 12 * 2 * 256 * 2


@pytest.mark.parametrize("c", CASES[::4], ids=[c.id for c in CASES[::4]])
def test_the_fits_on_a_table_of_gpus_are_each_gpus_fit_and_shared_by_alike_deployments(run, tmp_path, c: Case):
    """`fits_on` (gpu-memory-unchecked's seven GPUs, asked once for alike units) is `fit(d, gpu=g)` for each GPU; a copy of
    the deployment under another name gets the same fits, one with another context its own."""
    import dataclasses

    from modelready.checks._fit import fits_on
    from modelready.checks.gpu_memory_unchecked import _common
    from modelready.normalize.model import Value

    _result, d = _deployment(run, tmp_path, c)
    gpus = (*_common(), None)
    assert list(fits_on(d, gpus)) == [fit(d, gpu=g) for g in gpus] and fits_on(d, gpus)[0] is not None
    assert fits_on(dataclasses.replace(d, name="twin"), gpus) is fits_on(d, gpus)
    shorter = dataclasses.replace(d.engine, settings={**d.engine.settings, "max_model_len": Value(1024, d.loc)})
    other = dataclasses.replace(d, name="other", engine=shorter)
    assert [f.max_len for f in fits_on(other, gpus) if f] == [1024] * len(gpus)  # None: the GPU the files name
    assert list(fits_on(other, gpus)) == [fit(other, gpu=g) for g in gpus]


def test_the_load_estimate_is_worked_out_once_for_deployments_alike_in_what_it_reads(run, tmp_path):
    """startup-too-short's load time (`_sizing.load_seconds`) is kept per model, dtype, quantization and pod count:
    a copy under another name (its own ResolvedModel, equal) gets the same estimate, a change of any of those its own."""
    import dataclasses

    from modelready.checks._sizing import _load_seconds, load_seconds
    from modelready.normalize.model import Value

    _result, d = _deployment(run, tmp_path, CASES[0])
    first = load_seconds(d)
    assert first == _load_seconds(d.engine, d.resolved, 1) and "GiB of weights for" in first[1]
    assert load_seconds(dataclasses.replace(d, name="twin", resolved=dataclasses.replace(d.resolved))) is first
    variants = [
        dataclasses.replace(d, resolved=dataclasses.replace(d.resolved, name="someone/other-model")),
        dataclasses.replace(d, resolved=dataclasses.replace(d.resolved, source="the bundled table")),
        dataclasses.replace(d, pods=[dataclasses.replace(p, count=4) for p in d.pods]),
        dataclasses.replace(d, engine=dataclasses.replace(d.engine, settings={**d.engine.settings, "quantization": Value("fp8", d.loc)})),
        dataclasses.replace(d, engine=dataclasses.replace(d.engine, settings={**d.engine.settings, "dtype": Value("float32", d.loc)})),
    ]
    for v in variants:
        pods = sum(p.count for p in v.pods)
        assert load_seconds(v) == _load_seconds(v.engine, v.resolved, pods) != first


def test_what_a_fit_reads_of_an_engine_tells_values_apart_by_type():
    """The key alike fits share (`_fit._values`): equal settings give one key, a value of another type or repr its own."""
    from modelready.checks._fit import _values
    from modelready.findings import Loc
    from modelready.normalize.model import Value

    at = Loc("deploy.yaml", 1)
    keys = [_values({"tensor_parallel": Value(v, at)}) for v in (1, True, "1", 1.0, -0.0, 0.0, [1], "x")]
    assert len(set(keys)) == len(keys)
    assert _values({"a": Value("x", at), "b": Value(2, at)}) == _values({"a": Value("x", Loc("other.yaml", 9)), "b": Value(2, at)})


def test_deployments_alike_in_what_a_fit_reads_share_one_number_and_each_other_its_own_fit(run, tmp_path):
    """The fits' memo is keyed by a number per distinct `_alike_key` tuple (`_fit._number`): a copy with equal engine and
    model values (its own objects) gets the same number and fit; a change a fit reads gets another number, and its fit is
    the one worked out directly (`_fit._fit`, no memo)."""
    import dataclasses

    from modelready.checks._fit import _alike_key, _fit
    from modelready.normalize.model import Value

    _result, d = _deployment(run, tmp_path, CASES[0])
    copy = dataclasses.replace(d, name="copy", engine=dataclasses.replace(d.engine, settings=dict(d.engine.settings)),
                               resolved=dataclasses.replace(d.resolved))
    assert _alike_key(copy, copy.engine, copy.resolved) == _alike_key(d, d.engine, d.resolved)
    assert fit(copy) == fit(d) == _fit(d, None, None, None) and fit(d) is not None
    variants = [
        dataclasses.replace(d, engine=dataclasses.replace(d.engine, settings={**d.engine.settings, "max_model_len": Value(1024, d.loc)})),
        dataclasses.replace(d, engine=dataclasses.replace(d.engine, settings={**d.engine.settings, "max_model_len": Value("1024", d.loc)})),
        dataclasses.replace(d, engine=dataclasses.replace(d.engine, version="0.6.0")),
        dataclasses.replace(d, resolved=dataclasses.replace(d.resolved, source="the bundled table")),
    ]
    numbers = [_alike_key(v, v.engine, v.resolved) for v in variants]
    assert len(set(numbers)) == len(numbers) and _alike_key(d, d.engine, d.resolved) not in numbers
    for v in variants:
        assert fit(v) == _fit(v, None, None, None)
