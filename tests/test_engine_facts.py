"""Engine facts regenerated from the engines' released packages (tools/gen_engine_flags.py): SGLang's
server args per release, llama.cpp's server flags and env, trtllm-serve's options; the source of each is
recorded in the data, and engine-flag-unknown reads them on real commands."""

from __future__ import annotations

import re
from pathlib import Path

from modelready import data

from .conftest import shared_or_skip

LAYOUTS = Path(__file__).parent / "layouts" / "engine-facts"


def test_every_release_read_names_its_package_and_the_date():
    table = data.engine_flags()
    assert {"sglang", "llamacpp", "trtllm", "ollama"} <= set(table)
    for engine, rows in table.items():
        for version, row in rows["versions"].items():
            assert re.search(r"read \d{4}-\d\d-\d\d by tools/gen_engine_flags.py", row["source"]), (engine, version)
            assert len(row["flags"]) + len(row.get("env") or []) > 20 and all(f.startswith("-") for f in row["flags"])
    assert data.engines()["sglang"]["flag_table"] == "sglang" and data.engines()["llamacpp"]["flag_table"] == "llamacpp"


def _unknown(result):
    return sorted((f.loc.line, f.message) for f in result.findings if f.check == "engine-flag-unknown")


def test_sglang_flags_are_checked_against_the_pinned_release(run):
    # argparse's prefix matching: --mem-frac is --mem-fraction-static (an OME runtime in the corpus writes it)
    result = run(LAYOUTS / "sglang-typo.yaml")
    [d] = result.deployments
    assert (d.engine.name, d.engine.version, d.engine.int_setting("port")) == ("sglang", "0.4.3.post2", 8080)
    [(_, newer), (_, vllm_flag)] = _unknown(result)
    assert vllm_flag.startswith("--max-model-len is not a flag of SGLang 0.4.3.post2: the server exits at start")
    assert newer.startswith("--enable-dp-lm-head is not a flag of SGLang 0.4.3.post2") and "it exists in SGLang 0.4.6.post5" in newer


def test_trtllm_serve_is_recognised_with_its_literal_flags_and_localhost_default(run):
    result = run(LAYOUTS / "trtllm-deepseek.yaml")
    [d] = result.deployments
    e = d.engine
    assert (e.name, d.model.id, e.int_setting("tensor_parallel"), e.int_setting("max_num_seqs")) == (
        "trtllm", "/userdata/llms/deepseek-ai/DeepSeek-R1", 8, 161)
    assert str(e.setting("gpu_memory_utilization").value) == "0.8" and e.setting("trust_remote_code") is not None
    found = {f.check: f for f in result.findings}
    assert found["engine-listens-on-loopback"].message == "TensorRT-LLM listens on localhost unless --host 0.0.0.0 is given"
    assert "engine-flag-unknown" not in found and "dtype-unset" not in found  # every flag is serve.py's; no --dtype to ask for


def test_an_unpinned_trtllm_flag_is_an_error_only_where_it_is_a_typo(run):
    result = run(LAYOUTS / "trtllm-guide.yaml")
    [(line, msg)] = _unknown(result)
    assert line == 21 and msg.startswith("--max_seq_length is not a flag of any TensorRT-LLM release read") and msg.endswith("--max_seq_len?")
    # --enable_chunked_context is in no release read either, but the image's own release was not read: not certain


def test_the_llama_cpp_server_of_a_real_chart_is_read_with_its_flags(run):
    repo = shared_or_skip("corpus", "silogen__ai-workloads")
    chart = repo / "workloads/llm-inference-llamacpp-mi300x"
    result = run(chart, root=chart)
    engines = {(d.engine.name if d.engine else None) for d in result.deployments}
    assert engines == {"llamacpp"}
    d = result.deployments[0]
    assert {"-hf", "--host", "--port", "--n-gpu-layers", "--ctx-size"} <= set(d.engine.flags)
    assert not [f for f in result.findings if f.check in ("engine-flag-unknown", "engine-listens-on-loopback")]


def test_an_ome_runtime_is_read_and_argparse_prefixes_are_sglang_flags(run):
    repo = shared_or_skip("corpus", "sgl-project__ome")
    result = run(repo / "config/runtimes/srt/deepseek-ai/deepseek-v3-0324-rt.yaml", root=repo)
    [d] = result.deployments
    e = d.engine
    assert (d.kind, e.name, e.version, e.int_setting("tensor_parallel"), d.gpus_per_group()) == (
        "ClusterServingRuntime", "sglang", "0.5.5.post3", 8, 8)
    assert "--mem-fraction-static" in e.flags and str(e.setting("gpu_memory_utilization").value) == "0.9"  # written --mem-frac
    assert not [f for f in result.findings if f.severity.name == "error"]


_VLLM_034 = """apiVersion: apps/v1
kind: Deployment
metadata: {name: qwen}
spec:
  selector: {matchLabels: {app: qwen}}
  template:
    metadata: {labels: {app: qwen}}
    spec:
      nodeSelector: {cloud.google.com/gke-accelerator: nvidia-l4}
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.34.0
          args: ["--model", "Qwen/Qwen2.5-7B-Instruct", "--max-model-len", "8192"%s]
          resources: {limits: {nvidia.com/gpu: 1}}
"""


def test_the_kv_cache_is_counted_in_vllm_034_blocks_of_64_unless_block_size_is_set(run, tmp_path):
    assert data.vllm_flags()["block_size_default"]["0.34.0"] == 64  # read from the 0.34.0 wheel (gen_vllm_release)
    for extra, block in (("", 64), (', "--block-size", "16"', 16)):
        (tmp_path / "d.yaml").write_text(_VLLM_034 % extra)
        [d] = run(tmp_path / "d.yaml").deployments
        assert d.memory is not None and d.memory["block_size"] == block, d.memory
