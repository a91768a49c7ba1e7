"""Engine arguments in every form seen in the wild parse into the same settings."""

from __future__ import annotations

import pytest

from modelready.findings import Loc
from modelready.normalize.engine import build_engine, detect_engine
from modelready.normalize.model import Container, EnvVar, Image


def container(image="vllm/vllm-openai:v0.10.2", command=(), args=(), env=()) -> Container:
    loc = Loc("deploy.yaml", 10)
    return Container(name="engine", image=Image.parse(image, loc), command=list(command), args=list(args),
                     env=[EnvVar(k, v, None, loc) for k, v in env], requests={}, limits={}, probes={}, ports={}, mounts={},
                     loc=loc, resources_loc=loc)


FORMS = {
    "args list": container(args=["--model", "meta-llama/Llama-3.1-8B-Instruct", "--tensor-parallel-size", "2", "--max-model-len", "8192"]),
    "equals form": container(args=["--model=meta-llama/Llama-3.1-8B-Instruct", "--tensor-parallel-size=2", "--max-model-len=8192"]),
    "vllm serve": container(command=["vllm", "serve", "meta-llama/Llama-3.1-8B-Instruct"], args=["-tp", "2", "--max_model_len", "8192"]),
    "python -m": container(command=["python3", "-m", "vllm.entrypoints.openai.api_server"],
                           args=["--model", "meta-llama/Llama-3.1-8B-Instruct", "--tensor-parallel-size", "2", "--max-model-len", "8192"]),
    "sh -c string": container(command=["/bin/sh", "-c"], args=[
        "pip list | grep vllm && exec vllm serve meta-llama/Llama-3.1-8B-Instruct \\\n  --tensor-parallel-size 2 \\\n  --max-model-len 8192"]),
    "bash -c with env": container(image="vllm/vllm-openai:v0.10.2", command=["bash", "-c", "vllm serve $(MODEL) --tensor-parallel-size 2 --max-model-len 8192"],
                                  env=[("MODEL", "meta-llama/Llama-3.1-8B-Instruct")]),
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_forms_agree(form):
    c = FORMS[form]
    assert detect_engine(c) == "vllm"
    e = build_engine(c, "vllm")
    assert e.argv_seen
    assert e.setting("model").value == "meta-llama/Llama-3.1-8B-Instruct"
    assert e.int_setting("tensor_parallel") == 2
    assert e.int_setting("max_model_len") == 8192
    assert e.version == "0.10.2"


def test_tgi_env_twins_and_flags():
    c = container(image="ghcr.io/huggingface/text-generation-inference:3.3.7", args=["--max-total-tokens", "8192"],
                  env=[("MODEL_ID", "google/gemma-2-9b-it"), ("NUM_SHARD", "2"), ("MAX_TOTAL_TOKENS", "4096")])
    e = build_engine(c, detect_engine(c))
    assert (e.name, e.version) == ("tgi", "3.3.7")
    assert e.setting("model").value == "google/gemma-2-9b-it"
    assert e.int_setting("tensor_parallel") == 2
    assert e.int_setting("max_model_len") == 8192  # the flag wins over its env twin


def test_sglang_aliases():
    c = container(image="lmsysorg/sglang:v0.5.5", command=["python3", "-m", "sglang.launch_server", "--model-path", "Qwen/Qwen2.5-7B-Instruct", "--tp", "4", "--host", "0.0.0.0"])
    e = build_engine(c, detect_engine(c))
    assert (e.name, e.version, e.int_setting("tensor_parallel"), e.setting("host").value) == ("sglang", "0.5.5", 4, "0.0.0.0")


def test_version_comes_from_the_engine_image_or_a_pinned_install_only():
    plain = container(image="ubuntu:22.04", command=["bash", "-c", "pip install vllm==0.8.5 && vllm serve facebook/opt-125m"])
    assert build_engine(plain, detect_engine(plain)).version == "0.8.5"
    unpinned = container(image="ubuntu:22.04", command=["bash", "-c", "pip install vllm && vllm serve facebook/opt-125m"])
    assert build_engine(unpinned, detect_engine(unpinned)).version is None


def test_runtime_assembled_args_are_marked_dynamic():
    c = container(command=["sh", "-c", "vllm serve $MODEL $EXTRA_ARGS"])
    assert build_engine(c, "vllm").dynamic_args


LLAMA_CPP = """\
# llama.cpp's server (tools/server/README.md): listens on 127.0.0.1:8080 unless --host is given,
# serves /health, and /metrics only with --metrics.
apiVersion: apps/v1
kind: Deployment
metadata: {name: qwen-gguf}
spec:
  replicas: 1
  selector: {matchLabels: {app: qwen-gguf}}
  template:
    metadata: {labels: {app: qwen-gguf}}
    spec:
      containers:
      - name: server
        image: ghcr.io/ggml-org/llama.cpp:server-cuda-b4719
        args: ["-m", "/models/qwen2.5-7b-instruct-q4_k_m.gguf", "--port", "8080", "-c", "8192"]
        ports: [{containerPort: 8080}]
        readinessProbe: {httpGet: {path: /health, port: 8080}}
        resources: {limits: {nvidia.com/gpu: 1}}
"""


def test_an_engine_is_one_row_in_engines_yaml(monkeypatch, tmp_path, run):
    """Adding an engine touches data/engines.yaml only: detection, argument parsing and every check that asks a
    capability (loopback, metrics, batching, probes) follow from its row. Shown with llama.cpp's server."""
    from modelready import data

    row = data.load_yaml("""
detect: {images: [llama.cpp:server], entrypoints: [llama-server]}
llm_server: true
continuous_batching: true
loads_weights_at_start: true
llm_args: true
version_from_image: true
default_port: 8080
health_paths: [/health, /v1/health]
metrics_path: /metrics
metrics_always_on: false
default_host: 127.0.0.1
settings:
  model: [--model, -m]
  host: [--host]
  port: [--port]
  max_model_len: [--ctx-size, -c]
  enable_metrics: [--metrics]
""")
    real = data.engines()
    monkeypatch.setattr(data, "engines", lambda: {**real, "llamacpp": row})
    (tmp_path / "deploy.yaml").write_text(LLAMA_CPP)
    result = run(tmp_path / "deploy.yaml")
    [d] = result.deployments
    assert d.engine.name == "llamacpp" and d.engine.port == 8080 and d.engine.int_setting("max_model_len") == 8192
    assert d.model.id == "/models/qwen2.5-7b-instruct-q4_k_m.gguf"
    found = {f.check: f.message for f in result.findings}
    assert found["engine-listens-on-loopback"] == "llamacpp listens on 127.0.0.1 unless --host 0.0.0.0 is given"
    assert found["metrics-disabled"] == "llamacpp serves no /metrics unless started with --metrics"
    assert {"engine-not-recognised", "no-continuous-batching", "probe-port-mismatch", "readiness-probe-wrong-path",
            "max-model-len-unset", "model-unset"}.isdisjoint(found)
    applied = {c for c, _s in result.applied}
    assert {"probe-port-mismatch", "readiness-probe-wrong-path", "max-model-len-unset", "startup-too-short"} <= applied
