"""Model resolution end to end: the Hugging Face Hub resolver through huggingface_hub against a local
server speaking the Hub's API (tests/hub_server.py), never the internet; and the repository sources."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from modelready.config import Config
from modelready.normalize.hub import Hub
from modelready.normalize.resolve import resolve

from .hub_server import HubServer, HubState, Repo, safetensors_header

COMMIT = "3f8b2c1d0e9a7b6c5d4e3f2a1b0c9d8e7f6a5b4c"
# A small Llama-shaped model: the config.json the Hub serves and the tensors its safetensors header lists.
CONFIG = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 2048, "intermediate_size": 8192,
          "num_hidden_layers": 16, "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 64, "vocab_size": 128256,
          "max_position_embeddings": 131072, "rope_scaling": {"rope_type": "llama3", "factor": 32.0, "original_max_position_embeddings": 8192},
          "tie_word_embeddings": True, "torch_dtype": "bfloat16"}
TENSORS = {"model.embed_tokens.weight": ("BF16", [128256, 2048]), "model.layers.0.mlp.down_proj.weight": ("BF16", [2048, 8192]),
           "model.norm.weight": ("F32", [2048])}
PARAMS = {"BF16": 128256 * 2048 + 2048 * 8192, "F32": 2048}

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: llm, namespace: serving}}
spec:
  selector: {{matchLabels: {{app: llm}}}}
  template:
    metadata: {{labels: {{app: llm}}}}
    spec:
      nodeSelector: {{nvidia.com/gpu.product: NVIDIA-L4}}
      containers:
      - name: vllm
        image: vllm/vllm-openai:v0.10.2
        args: ["--model", "{model}"{revision}, "--max-model-len", "8192"]
        resources: {{limits: {{nvidia.com/gpu: 1}}}}
"""


def _repo(gated=False) -> Repo:
    return Repo({"config.json": json.dumps(CONFIG).encode(), "model.safetensors": safetensors_header(TENSORS)}, COMMIT,
                {"main": COMMIT}, gated)


@pytest.fixture
def hub(monkeypatch, tmp_path):
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    state = HubState({"acme/tiny-llama": _repo(), "acme/gated-llama": _repo(gated=True)}, tokens={"hf_granted_token"})
    with HubServer(state) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        state.cache = tmp_path / "hf-cache"
        yield server


def _deploy(tmp_path: Path, model: str, revision: str | None = None) -> Path:
    path = tmp_path / "repo" / "deploy.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(DEPLOY.format(model=model, revision=f', "--revision", "{revision}"' if revision else ""))
    return path


def _resolved(run, path: Path, hub: Hub | None):
    result = run(path, config=Config(online=False))
    (d,) = [d for d in result.deployments if d.engine]
    return resolve(d, result.configs, None, hub), d


def test_pinned_revision_gives_config_and_exact_parameters(hub, run, tmp_path):
    r, _ = _resolved(run, _deploy(tmp_path, "acme/tiny-llama", COMMIT), Hub(cache_dir=str(hub.state.cache)))
    assert r.kind == "hub" and r.certain
    assert f"acme/tiny-llama@{COMMIT}" in r.source and "exact parameters from safetensors headers" in r.source
    assert r.arch.layers == 16 and r.arch.kv_heads == 8 and r.arch.params_by_dtype == PARAMS
    assert r.arch.exact_weight_bytes() == PARAMS["BF16"] * 2 + PARAMS["F32"] * 4
    asked = [p for _m, p, _a in hub.state.requests]
    assert all(f"/resolve/{COMMIT}/" in p for p in asked), asked  # the pinned commit, never main
    # cached between runs: with the server gone the same pinned revision resolves from the cache
    hub.state.repos.clear()
    again, _ = _resolved(run, _deploy(tmp_path, "acme/tiny-llama", COMMIT), Hub(cache_dir=str(hub.state.cache)))
    assert again.kind == "hub" and again.arch.params_by_dtype == PARAMS


def test_unpinned_resolves_main_to_its_commit(hub, run, tmp_path):
    r, _ = _resolved(run, _deploy(tmp_path, "acme/tiny-llama"), Hub(cache_dir=str(hub.state.cache)))
    assert r.kind == "hub" and f"acme/tiny-llama@main (commit {COMMIT[:12]})" in r.source


def test_gated_without_token_degrades_with_a_note(hub, run, tmp_path):
    r, _ = _resolved(run, _deploy(tmp_path, "acme/gated-llama", COMMIT), Hub(cache_dir=str(hub.state.cache)))
    assert r.kind == "name" or r.arch is None
    assert any("gated: set HF_TOKEN" in n for n in r.notes)


def test_gated_with_token(hub, run, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_granted_token")
    r, _ = _resolved(run, _deploy(tmp_path, "acme/gated-llama", COMMIT), Hub(cache_dir=str(hub.state.cache)))
    assert r.kind == "hub" and r.arch.params_by_dtype == PARAMS
    assert {a for _m, _p, a in hub.state.requests} == {"Bearer hf_granted_token"}
    monkeypatch.setenv("HF_TOKEN", "hf_wrong_token")
    refused, _ = _resolved(run, _deploy(tmp_path, "acme/gated-llama", "main"), Hub(cache_dir=str(hub.state.cache / "other")))
    assert any("gated: HF_TOKEN was refused" in n for n in refused.notes)
    assert "hf_wrong_token" not in json.dumps(refused.notes)


def test_not_found_falls_back_to_the_bundled_table(hub, run, tmp_path):
    # a 404 for a model the table knows
    r, _ = _resolved(run, _deploy(tmp_path, "meta-llama/Llama-3.1-8B-Instruct"), Hub(cache_dir=str(hub.state.cache)))
    assert r.kind == "table" and "bundled table entry meta-llama/Llama-3.1-8B-Instruct" in r.source
    assert any("not found" in n for n in r.notes)
    missing, _ = _resolved(run, _deploy(tmp_path, "acme/Unknown-13B"), Hub(cache_dir=str(hub.state.cache)))
    assert missing.kind == "name" and missing.params_b == 13 and any("not found" in n for n in missing.notes)
    bad_rev, _ = _resolved(run, _deploy(tmp_path, "acme/tiny-llama", "f" * 40), Hub(cache_dir=str(hub.state.cache)))
    assert bad_rev.kind == "unknown" and any(f"revision {'f' * 40} not found" in n for n in bad_rev.notes)


def test_offline_asks_nothing(hub, run, tmp_path, monkeypatch):
    path = _deploy(tmp_path, "acme/tiny-llama", COMMIT)
    result = run(path, config=Config(online=False))
    (d,) = [d for d in result.deployments if d.engine]
    assert d.resolved is None and hub.state.requests == []  # "tiny-llama" tells no size
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)  # HF_HUB_OFFLINE=1 with nothing cached
    r, _ = _resolved(run, path, Hub(cache_dir=str(hub.state.cache)))
    assert r.kind == "unknown" and "HF_HUB_OFFLINE" in r.notes[0] and hub.state.requests == []


def test_slow_hub_is_bounded(hub, run, tmp_path):
    hub.state.delay = 3.0
    started = time.monotonic()
    slow = Hub(cache_dir=str(hub.state.cache), timeout=0.5, budget=5)
    r, _ = _resolved(run, _deploy(tmp_path, "acme/tiny-llama", COMMIT), slow)
    assert time.monotonic() - started < 15
    assert r.kind == "unknown" and any("unreachable" in n for n in r.notes)
    asked = len(hub.state.requests)
    again = slow.fetch("acme/gated-llama", COMMIT)  # the rest of the run does not wait on it again
    assert again[3].endswith("not asked, the Hub was unreachable earlier in this run") and len(hub.state.requests) == asked


def test_pipeline_goes_online_and_names_the_source(hub, run, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(hub.state.cache))
    result = run(_deploy(tmp_path, "acme/tiny-llama", COMMIT), config=Config(online=True))
    (d,) = [d for d in result.deployments if d.engine]
    assert d.resolved.kind == "hub"


GPU_POD = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: llm, namespace: serving}}
spec:
  selector: {{matchLabels: {{app: llm}}}}
  template:
    metadata: {{labels: {{app: llm}}}}
    spec:
{scheduling}
      containers:
      - name: vllm
        image: vllm/vllm-openai:v0.10.2
        args: ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--max-model-len", "8192"]
        resources: {{limits: {{{resource}: 1}}}}
"""


@pytest.mark.parametrize("scheduling,resource,gpu,source", [
    ("      nodeSelector: {karpenter.k8s.aws/instance-gpu-name: l40s}", "nvidia.com/gpu", "L40S", "node label karpenter"),
    ("      nodeSelector: {node.kubernetes.io/instance-type: g6e.2xlarge}", "nvidia.com/gpu", "L40S", "instance type"),
    ("      nodeSelector: {nvidia.com/gpu.memory: '81559'}", "nvidia.com/gpu", "79 GiB GPU", "node label nvidia.com/gpu.memory"),
    ("      affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: "
     "[{key: cloud.google.com/gke-accelerator, operator: In, values: [nvidia-l4, nvidia-a100-80gb]}]}]}}}", "nvidia.com/gpu", "A100-80GB",
     "node affinity"),
    ("      nodeSelector: {kubernetes.io/os: linux}", "nvidia.com/mig-3g.40gb", "MIG 3g.40gb", "resource nvidia.com/mig-3g.40gb"),
])
def test_gpu_from_what_schedules_the_pod(run, tmp_path, scheduling, resource, gpu, source):
    path = tmp_path / "deploy.yaml"
    path.write_text(GPU_POD.format(scheduling=scheduling, resource=resource))
    (d,) = [d for d in run(path).deployments if d.engine]
    assert d.gpu.name == gpu and d.gpu.source.startswith(source)


def test_served_path_resolves_to_the_repository_config(run, tmp_path):
    """`--model /models/Qwen2-72B-Instruct-GPTQ-Int4` with its folder in the repository: the folder's config.json."""
    case = Path(__file__).parent / "checks" / "parallelism-shape-mismatch" / "fail2"
    (d,) = [d for d in run(case).deployments if d.engine]
    assert d.resolved.kind == "repo" and d.resolved.certain
    assert d.resolved.source == "config.json at models/Qwen2-72B-Instruct-GPTQ-Int4/config.json"
    assert d.resolved.arch.quant.method == "gptq" and d.resolved.arch.quant.group_size == 128


# A sharded FP8 checkpoint: its index names the tensors (layer 0's attention kept in bf16 by modules_to_not_convert).
SHARDED = {**CONFIG, "quantization_config": {"quant_method": "fp8", "activation_scheme": "dynamic", "modules_to_not_convert": ["self_attn"]}}
SHARD_TENSORS = [{"model.embed_tokens.weight": ("BF16", [128256, 2048]), "model.layers.0.self_attn.q_proj.weight": ("BF16", [2048, 2048])},
                 {"model.layers.0.mlp.down_proj.weight": ("F8_E4M3", [2048, 8192]), "model.layers.0.mlp.down_proj.weight_scale": ("F32", [2048])}]
SHARD_FILES = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
INDEX_JSON = {"metadata": {"total_size": 128256 * 2048 * 2 + 2048 * 2048 * 2 + 2048 * 8192 + 2048 * 4},
              "weight_map": {name: file for file, tensors in zip(SHARD_FILES, SHARD_TENSORS) for name in tensors}}


def test_the_hub_index_gives_stored_size_and_tensor_names_cached_at_the_commit(hub, run, tmp_path, monkeypatch):
    files = {"config.json": json.dumps(SHARDED).encode(), "model.safetensors.index.json": json.dumps(INDEX_JSON).encode(),
             **{f: safetensors_header(t) for f, t in zip(SHARD_FILES, SHARD_TENSORS)}}
    hub.state.repos["acme/sharded-fp8"] = Repo(files, COMMIT, {"main": COMMIT})
    r, _ = _resolved(run, _deploy(tmp_path, "acme/sharded-fp8", COMMIT), Hub(cache_dir=str(hub.state.cache)))
    assert r.kind == "hub" and "4 tensors and the stored size from model.safetensors.index.json" in r.source
    assert r.arch.stored_bytes == INDEX_JSON["metadata"]["total_size"] and set(r.arch.tensor_names) == set(INDEX_JSON["weight_map"])
    assert r.arch.kept_unquantized == (2048 * 2048, 0)  # the one q projection the index names, not the family's 16 layers
    assert any(p.endswith(f"/resolve/{COMMIT}/model.safetensors.index.json") for _m, p, _a in hub.state.requests)
    # from huggingface_hub's cache when the Hub is gone, and with HF_HUB_OFFLINE set
    hub.state.repos.clear()
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    again, _ = _resolved(run, _deploy(tmp_path, "acme/sharded-fp8", COMMIT), Hub(cache_dir=str(hub.state.cache)))
    assert again.kind == "hub" and again.arch.stored_bytes == INDEX_JSON["metadata"]["total_size"]
    assert again.arch.tensor_names == r.arch.tensor_names


def test_a_one_file_checkpoint_has_no_index_and_resolves_from_its_header(hub, run, tmp_path):
    hub_client = Hub(cache_dir=str(hub.state.cache))
    r, _ = _resolved(run, _deploy(tmp_path, "acme/tiny-llama", COMMIT), hub_client)
    assert r.kind == "hub" and r.arch.stored_bytes is None and r.arch.tensor_names == () and not r.notes
    assert hub_client.index("acme/tiny-llama", COMMIT) == (None, ())
