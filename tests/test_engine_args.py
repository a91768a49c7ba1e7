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


# --- One engine invocation, from every place a serving process starts (each with a public fixture) ---

from pathlib import Path  # noqa: E402

from .conftest import shared_or_skip  # noqa: E402

LAYOUTS = Path(__file__).parent / "layouts"


def _by_check(result, check):
    return [f for f in result.findings if f.check == check]


def test_env_from_a_configmap_configures_the_engine_although_args_exist(run):
    result = run(LAYOUTS / "envfrom-tgi")
    [d] = result.deployments
    e = d.engine
    assert (e.name, d.model.id, e.port, e.int_setting("max_model_len")) == ("tgi", "Intel/neural-chat-7b-v3-3", 2080, 2048)
    assert d.model.loc.line == 8  # MODEL_ID in the ConfigMap, not the Deployment
    assert not [f for f in result.findings if f.check in ("model-unset", "probe-port-mismatch", "max-model-len-unset")]


def test_a_start_script_mounted_from_a_configmap_is_the_invocation(run):
    repo = shared_or_skip("corpus", "GoogleCloudPlatform__kubernetes-engine-samples")
    result = run(repo / "ai-ml/llm-serving-gemma/trtllm", root=repo)
    [d] = result.deployments
    argv = {str(v.value): v.loc.line for v in d.engine.invocation.argv}
    assert argv["/tensorrtllm_backend/scripts/launch_triton_server.py"] == 28  # the ConfigMap's script, at its own line
    assert argv["--model_repo"] == 30 and argv["tail"] == 32


def test_a_dockerfile_cmd_starts_an_engine_that_the_engine_checks_read(run):
    result = run(LAYOUTS / "image-start")
    d = next(d for d in result.deployments if d.name.endswith("mistral7b_4bit.Dockerfile"))
    assert (d.kind, d.engine.name, d.model.id) == ("Image", "vllm", "mistralai/Mistral-7B-Instruct-v0.2")
    [bad] = _by_check(result, "engine-flag-value-invalid")  # --quantization int4: no vLLM release has that choice
    assert "int4" in bad.message and bad.loc.file.endswith("mistral7b_4bit.Dockerfile") and bad.severity.name == "error"
    assert not _by_check(result, "image-tag-mutable")  # the base image is a build's: dockerfile-base-unpinned says it


def test_a_containerfile_is_read_and_a_shell_form_entrypoint_with_env_defaults_proves_no_absence(run):
    result = run(LAYOUTS / "image-start")
    assert any(f.path.endswith("Containerfile") and f.status == "checked" for f in result.files)
    d = next(d for d in result.deployments if d.name.endswith("Containerfile"))
    assert d.engine.name == "vllm" and d.engine.dynamic_args  # ${MODEL_NAME:-...}: expanded at run time
    assert not [f for f in result.findings if f.subject.startswith("Image/-/") and f.subject.split("@")[0].endswith("Containerfile")
                and f.check in ("max-model-len-unset", "model-unset")]


def test_a_script_the_image_copies_from_the_repository_is_read(run, tmp_path):
    # the shape of koyeb/example-vllm's Dockerfile with its command moved into a script the image copies
    (tmp_path / "Dockerfile").write_text('FROM vllm/vllm-openai:v0.8.5\nCOPY start.sh /app/start.sh\nENTRYPOINT ["/app/start.sh"]\n')
    (tmp_path / "start.sh").write_text("#!/bin/sh\nexec python3 -m vllm.entrypoints.openai.api_server \\\n"
                                       "    --model meta-llama/Llama-3.1-8B-Instruct \\\n    --max-model-length 8192\n")
    result = run(tmp_path)
    [d] = result.deployments
    assert (d.engine.name, d.engine.version) == ("vllm", "0.8.5")
    [f] = _by_check(result, "engine-flag-unknown")
    assert (f.loc.file, f.loc.line) == ("start.sh", 4)


def test_kserve_huggingface_runtime_with_vllm_backend_drops_a_mistyped_flag_an_error(run):
    result = run(LAYOUTS / "kserve-hf-vllm")
    [d] = result.deployments
    assert (d.engine.name, d.model.id) == ("vllm", "meta-llama/meta-llama-3-8b-instruct")
    [f] = _by_check(result, "engine-flag-unknown")
    assert f.severity.name == "error" and "parse_known_args" in f.message and "--max-model-len" in f.message
    assert not [x for x in _by_check(result, "engine-flag-unknown") if "--model_id" in x.message or "--backend" in x.message]


def test_a_servingruntime_beside_its_inferenceservice_completes_the_invocation(run):
    repo = shared_or_skip("corpus", "opendatahub-io__caikit-tgis-serving")
    result = run(repo / "demo/kserve/custom-manifests/tgis", root=repo)
    d = next(d for d in result.deployments if d.ref == "InferenceService/default/tgis-example-isvc")
    c = d.engine_container
    assert (d.engine.name, c.image.ref, c.borrowed_from) == ("tgi", "quay.io/opendatahub/text-generation-inference:stable",
                                                             "ServingRuntime tgis-runtime")
    assert c.arg_locs["args"][0].file.endswith("tgis-servingruntime.yaml")  # the runtime's args, at their own lines
    assert not [f for f in _by_check(result, "image-tag-mutable") if f.subject.startswith("InferenceService/")]  # judged on the runtime


def test_a_custom_image_named_for_an_engine_is_recognised_as_assumed():
    c = container(image="opea/vllm:latest", args=["--model", "meta-llama/Meta-Llama-3-8B-Instruct"])
    assert detect_engine(c) == "vllm"
    e = build_engine(c, "vllm")
    assert e.assumed and "opea/vllm:latest" in e.assumed and e.version is None and e.argv_seen
    wrapped = container(image="registry.example.com/team/vllm-mistral-7b:1.0", command=["/opt/start.sh"])
    e = build_engine(wrapped, detect_engine(wrapped))
    assert e.name == "vllm" and not e.argv_seen and "not vllm's entrypoint" in e.unparsed


def test_vllm_0_34_facts_come_from_its_released_package():
    from modelready import data

    table = data.vllm_flags()
    rel = table["versions"]["0.34.0"]
    assert "vllm-0.34.0" in rel["source"] and "gen_vllm_release.py" in rel["source"]
    assert table["block_size_default"]["0.34.0"] == 64 and table["gpu_memory_utilization_default"]["0.34.0"] == 1.0
    assert set(table["versions"]["0.33.0"]["flags"]) <= set(rel["flags"])  # nothing removed; 17 added


@pytest.mark.parametrize("word", ["-O0", "-O3", "-O=2"])
def test_vllm_optimization_levels_are_flags_not_unknown(word):
    e = build_engine(container(image="vllm/vllm-openai:v0.34.0", args=["--model", "Qwen/Qwen3-8B", word]), "vllm")
    assert e.flags["--optimization-level"].value == word.lstrip("-O=") and "--optimization-level" in e.flags
    from modelready.checks.engine_flag_unknown import known_flags
    assert set(e.flags) <= known_flags(e.release) | {"<model>"}
