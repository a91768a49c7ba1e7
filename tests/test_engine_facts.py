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


def test_trtllm_llm_api_options_are_read_from_a_source_checkout_with_their_release_and_licence():
    row = data.engine_flags()["trtllm"]["versions"]["1.3.0rc3"]
    assert row["licence"] == "Apache-2.0" and "NVIDIA/TensorRT-LLM 1.3.0rc3" in row["source"] and "llm_args.py" in row["source"]
    opts = row["llm_api_options"]
    assert opts["default_backend"] == "pytorch"
    torch, trt = set(opts["backends"]["pytorch"]), set(opts["backends"]["tensorrt"])
    assert {"kv_cache_config", "max_batch_size", "max_num_tokens", "max_seq_len", "tensor_parallel_size",
            "enable_attention_dp", "cuda_graph_config"} <= torch
    assert "cuda_graph_config" not in trt and "build_config" in trt  # TorchLlmArgs' own field; TrtLlmArgs' engine build
    assert "free_gpu_memory_fraction" in opts["nested"]["kv_cache_config"]
    assert "speculative_config" not in opts["nested"]  # a DecodingBaseConfig chosen by decoding_type: left open
    assert {"--extra_llm_api_options", "--config"} <= set(row["flags"])


def test_gen_engine_flags_reads_llm_args_fields_nested_configs_and_serve_pops(tmp_path):
    # the shapes of llm_args.py and serve.py, small: inheritance, an alias, a closed nested config, an open one
    import importlib.util
    spec = importlib.util.spec_from_file_location("gen", Path(__file__).parents[1] / "tools" / "gen_engine_flags.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    llm_args = '''
class StrictBaseModel(BaseModel):
    class Config:
        extra = "forbid"
class KvCacheConfig(StrictBaseModel, PybindMirror):
    free_gpu_memory_fraction: Optional[float] = Field(default=0.9)
class DecodingBaseConfig(StrictBaseModel):
    max_draft_len: int = 0
class MTPDecodingConfig(DecodingBaseConfig):
    num_nextn_predict_layers: int = 1
class BaseLlmArgs(StrictBaseModel):
    model_config = {"extra": "forbid"}
    model: str = Field()
    kv_cache_config: KvCacheConfig = Field(default_factory=KvCacheConfig)
    speculative_config: Optional[DecodingBaseConfig] = None
    _private: int = 0
class TrtLlmArgs(BaseLlmArgs):
    build_config: object = None
class TorchLlmArgs(BaseLlmArgs):
    mpi_session: object = Field(default=None, validation_alias=AliasChoices("mpi_session", "_mpi_session"))
'''
    serve = '''
@click.option("--backend", type=str, default="pytorch")
@click.option("--config", "--extra_llm_api_options", "extra_llm_api_options")
def serve(backend, extra_llm_api_options):
    llm_args.pop("disagg_cluster", None)
'''
    opts = gen.trtllm_options(llm_args, serve)
    assert opts["backends"]["pytorch"] == ["_mpi_session", "disagg_cluster", "kv_cache_config", "model", "mpi_session", "speculative_config"]
    assert opts["backends"]["tensorrt"] == ["build_config", "disagg_cluster", "kv_cache_config", "model", "speculative_config"]
    assert opts["nested"] == {"kv_cache_config": ["free_gpu_memory_fraction"]} and opts["default_backend"] == "pytorch"


def test_an_options_file_in_a_mounted_configmap_is_checked_by_key_and_sets_the_engine(run):
    # the file wins over the command line (serve.py: update_llm_args_with_extra_dict)
    result = run(LAYOUTS / "trtllm-configmap")
    [d] = result.deployments
    e = d.engine
    assert (e.version, e.int_setting("tensor_parallel"), e.int_setting("max_num_seqs"), e.int_setting("max_model_len")) == ("1.3.0rc3", 4, 32, 32768)
    assert str(e.setting("gpu_memory_utilization").value) == "0.85" and e.setting("max_model_len").loc.line == 12
    assert e.int_setting("max_num_batched_tokens") == 24576  # not in the file: the flag's
    assert _unknown(result) == [
        (18, "kv_cache_config.enable_block_resue (extra_llm_api_options) is not a key of TensorRT-LLM 1.3.0rc3's LLM API options "
             "(pytorch backend): trtllm-serve exits at start; did you mean kv_cache_config.enable_block_reuse?"),
        (19, "print_iter_logs (extra_llm_api_options) is not a key of TensorRT-LLM 1.3.0rc3's LLM API options (pytorch backend): "
             "trtllm-serve exits at start; did you mean print_iter_log?")]
    found = {f.check for f in result.findings}
    assert "gpus-exceed-parallelism" in found and "engine-version-unknown" not in found  # TP 4 from the file, on 8 GPUs


def test_the_tensorrt_backend_judges_keys_by_trtllmargs(run, tmp_path):
    text = (LAYOUTS / "trtllm-configmap" / "deploy.yaml").read_text().replace("--backend pytorch", "--backend trt")
    (tmp_path / "d.yaml").write_text(text)
    msgs = [m for _, m in _unknown(run(tmp_path / "d.yaml"))]
    assert any(m.startswith("cuda_graph_config (extra_llm_api_options) is not a key of TensorRT-LLM 1.3.0rc3's LLM API options (tensorrt backend)")
               for m in msgs), msgs


def test_an_options_file_the_image_copies_is_read_and_an_unread_release_is_said(run):
    result = run(LAYOUTS / "trtllm-image")
    [d] = result.deployments
    assert d.engine.int_setting("max_num_batched_tokens") == 8192 and str(d.engine.setting("gpu_memory_utilization").value) == "0.9"
    [f] = [f for f in result.findings if f.check == "engine-flag-unknown"]
    assert (f.loc.file.endswith("extra-llm-api-config.yml"), f.loc.line) == (True, 7)
    assert f.message.startswith("max_seq_length (extra_llm_api_options) is not a key of the LLM API options of any TensorRT-LLM release read (1.3.0rc3)")
    [w] = [f for f in result.findings if f.check == "engine-version-unknown"]
    assert w.message.startswith("TensorRT-LLM 0.20.0: no release read has its options") and w.severity.name == "warning"


def test_an_options_file_outside_the_repository_is_said_not_read(run, tmp_path):
    text = (LAYOUTS / "trtllm-configmap" / "deploy.yaml").read_text().replace("/config/extra-llm-api-config.yml", "/opt/options.yml")
    (tmp_path / "d.yaml").write_text(text)
    result = run(tmp_path / "d.yaml")
    [d] = result.deployments
    assert d.engine.dynamic_args and d.engine.int_setting("tensor_parallel") == 8  # the flag's; the file may change it
    [f] = [f for f in result.findings if f.check == "engine-assumed"]
    assert "--extra_llm_api_options /opt/options.yml is not a file the repository holds" in f.message
    assert not _unknown(result)


def test_trtllm_flags_are_certain_only_for_the_release_read(run, tmp_path):
    # 1.3.0rc3 is read: a flag serve.py does not declare is an error, near typo or not; 1.2.0 is not: typos only
    text = (LAYOUTS / "trtllm-guide.yaml").read_text()
    # 1.3.0rc1 and 1.3.0 are other releases than the 1.3.0rc3 read: typos only there too
    for tag, expected in (("1.3.0rc3", [(20, "--enable_chunked_context is not a flag of TensorRT-LLM 1.3.0rc3: the server exits at start"),
                                        (21, "--max_seq_length is not a flag of TensorRT-LLM 1.3.0rc3: the server exits at start; did you mean --max_seq_len?")]),
                          *((t, [(21, "--max_seq_length is not a flag of any TensorRT-LLM release read (1.3.0rc3, main@00209af149e7): "
                                          "the server exits at start; did you mean --max_seq_len?")]) for t in ("1.2.0", "1.3.0rc1", "1.3.0"))):
        (tmp_path / "d.yaml").write_text(text.replace("release:0.21.0rc1", f"release:{tag}"))
        result = run(tmp_path / "d.yaml")
        assert _unknown(result) == expected, tag
        assert any(f.check == "engine-version-unknown" for f in result.findings) == (tag != "1.3.0rc3")


def test_an_options_file_that_is_not_yaml_is_said_not_read(run, tmp_path):
    text = (LAYOUTS / "trtllm-configmap" / "deploy.yaml").read_text().replace("    max_batch_size: 32\n", "    max_batch_size: [32\n", 1)
    (tmp_path / "d.yaml").write_text(text)
    result = run(tmp_path / "d.yaml")
    [f] = [f for f in result.findings if f.check == "engine-assumed"]
    assert "--extra_llm_api_options /config/extra-llm-api-config.yml is not valid YAML (line 1" in f.message
    assert result.deployments[0].engine.int_setting("max_num_seqs") == 16 and not _unknown(result)  # the flag's value
