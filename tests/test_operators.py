"""Groups and operators read as their controllers run them: a multi-node engine on a StatefulSet,
controller-added labels, KubeRay's injected probes, Ray Serve's engine config, InferencePool, Knative."""

from __future__ import annotations

from pathlib import Path

from .conftest import shared_or_skip

LAYOUTS = Path(__file__).parent / "layouts"


def test_a_multi_node_engine_on_a_statefulset_counts_gpus_across_its_pods(run):
    result = run(LAYOUTS / "sglang-statefulset")
    [d] = result.deployments
    assert (d.engine.name, d.engine.int_setting("tensor_parallel"), d.engine.int_setting("nnodes")) == ("sglang", 16, 2)
    assert d.gpus_per_group() == 16  # 2 pods × 8 GPUs: TP 16 fits
    assert not [f for f in result.findings if f.check == "parallelism-exceeds-gpus"]


def test_a_service_selecting_the_statefulset_pod_index_label_fronts_the_group(run):
    result = run(LAYOUTS / "sglang-statefulset")
    [d] = result.deployments
    assert {s.name for s in d.services} == {"deepseek-sglang", "deepseek-sglang-serving"}  # pod-index "0" is the rank-0 pod


def test_an_inference_pool_fronts_its_pods_like_a_service(run):
    result = run(LAYOUTS / "inferencepool")
    [d] = result.deployments
    assert [(s.kind, s.name) for s in d.services] == [("InferencePool", "vllm-llama3-8b-instruct")]
    assert not [f for f in result.findings if f.check == "service-missing"]


def test_kuberay_injected_probes_and_the_ray_serve_engine_config(run):
    repo = shared_or_skip("corpus", "ray-project__kuberay")
    result = run(repo)
    [d] = [d for d in result.deployments if d.name == "ray-serve-llm"]
    assert "KubeRay" in d.injected_probes
    assert not [f for f in result.findings if f.subject.startswith("RayService/default/ray-serve-llm") and "probe-missing" in f.check]
    # engine_kwargs inside the serveConfigV2 string, at their own lines of the file
    e = d.engine
    assert (e.name, d.model.id, e.int_setting("max_model_len")) == ("vllm", "Qwen/Qwen2.5-7B-Instruct", 1024)
    assert e.setting("max_model_len").loc.line == 18 and e.setting("dtype").value == "bfloat16"


def test_knative_min_scale_annotation_is_the_deployments_minimum(run):
    case = Path(__file__).parent / "checks" / "scale-to-zero-llm" / "fail_knative.yaml"
    result = run(case, root=case.parent)
    [d] = result.deployments
    assert d.min_replicas.value == "0" and d.min_replicas.loc.line > 0
    assert [f.check for f in result.findings if f.check == "scale-to-zero-llm"] == ["scale-to-zero-llm"]


def test_an_abbreviated_vllm_flag_is_read_as_the_full_flag_of_the_pinned_release(run):
    case = Path(__file__).parent / "checks" / "engine-flag-abbreviated" / "fail.yaml"
    result = run(case, root=case.parent)
    [d] = result.deployments
    assert d.engine.version == "0.8.5" and d.engine.int_setting("max_num_seqs") == 64  # --max-num-seq, by argparse prefix
    by_check = {f.check: f.severity.name for f in result.findings}
    assert by_check.get("engine-flag-abbreviated") == "warning" and "engine-flag-unknown" not in by_check


def test_engine_arguments_a_shell_expands_from_env_are_read(run):
    result = run(LAYOUTS / "vllm-env-args")
    [d] = result.deployments
    assert (d.engine.int_setting("tensor_parallel"), d.engine.int_setting("max_model_len")) == (4, 32768)
    assert d.engine.setting("tensor_parallel").loc.line == 26  # the env value's line
    assert "parallelism-exceeds-gpus" in {f.check for f in result.findings if f.severity.name == "error"}  # TP 4 on 2 GPUs


def test_a_kind_is_a_file_and_the_kind_lists_derive_from_the_declarations():
    from modelready.normalize import kinds

    reg = kinds.registry()
    assert reg["LeaderWorkerSet"][0].family == "lws" and reg["RayService"][0].family == "ray"
    # Knative's Service runs pods; the core Service never does: one name, two groups, two declarations
    assert kinds.lookup("Service", "serving.knative.dev/v1").read is not None
    assert kinds.lookup("Service", "v1").read is None
    assert kinds.lookup("InferenceService", "serving.kserve.io/v1beta1").traits.completed_by_operator
    assert kinds.lookup("SomeOperatorCR", "example.com/v1") is None  # read by the generic template walk
    assert "Service" not in kinds.pod_creating() and "LeaderWorkerSet" in kinds.pod_creating()


def test_the_normalized_model_imports_no_stage_that_fills_it():
    """model.py holds the types; the stages import it, never the other way round (no import circle)."""
    from .test_layering import SRC, imports

    normalize = {p.stem: p for p in (SRC / "normalize").glob("*.py")}
    graph = {name: {t.rsplit(".", 1)[-1] for _line, t in imports(p) if t.startswith("modelready.normalize.")} for name, p in normalize.items()}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(n == goal or (n not in seen and not seen.add(n) and reaches(n, goal, seen)) for n in graph.get(start, ()))

    circles = sorted(n for n in graph if reaches(n, n, set()))
    assert circles == []


# --- Operator CRs that create serving pods: read to an engine invocation (public fixtures) ---

def _checks(result, subject_prefix):
    return {f.check: f for f in result.findings if f.subject.startswith(subject_prefix)}


def test_a_kubeai_model_starts_vllm_with_its_args_at_their_lines(run):
    repo = shared_or_skip("corpus", "substratusai__kubeai")
    result = run(repo / "manifests/models/llama-3.1-70b-instruct-fp8-h100.yaml", root=repo)
    [d] = result.deployments
    e = d.engine
    assert (d.kind, e.name, d.model.id) == ("Model", "vllm", "neuralmagic/Meta-Llama-3.1-70B-Instruct-FP8")
    assert (e.int_setting("tensor_parallel"), e.int_setting("max_model_len"), d.gpus_per_group()) == (2, 65536, 2)
    assert e.setting("tensor_parallel").loc.line == 15
    found = _checks(result, "Model/")
    assert found["engine-flag-abbreviated"].loc.line == 12  # --max-num-batched-token
    assert "gpu-pod-without-cpu-memory-requests" not in found  # the resource profile sets them


def test_a_nim_service_runs_its_nim_image(run):
    repo = shared_or_skip("corpus", "NVIDIA__nim-deploy")
    result = run(repo / "cloud-service-providers/aws/eks/storage/nim-operator-nim-service.yaml", root=repo)
    [d] = [d for d in result.deployments if d.kind == "NIMService"]
    assert (d.engine.name, d.engine_container.image.ref, d.gpus_per_group()) == ("nim", "nvcr.io/nim/meta/llama3-8b-instruct:1.0.3", 1)
    assert not [f for f in result.findings if f.check == "not-analysed"]


def test_a_kaito_workspace_runs_vllm_with_its_configmap_arguments(run):
    repo = shared_or_skip("corpus", "kaito-project__kaito")
    result = run(repo / "examples/inference/kaito_workspace_custom_config.yaml", root=repo)
    [d] = result.deployments
    e = d.engine
    assert (e.name, d.model.id, e.int_setting("max_model_len"), e.int_setting("tensor_parallel")) == (
        "vllm", "deepseek-r1-distill-qwen-14b", 131072, 2)
    assert e.setting("max_model_len").loc.line == 14  # inside the ConfigMap's inference_config.yaml
    found = _checks(result, "Workspace/")
    assert "engine-assumed" in found and "parallelism-exceeds-gpus" not in found  # KAITO sizes the GPUs
    assert "max-model-len-unset" not in found and "dtype-unset" not in found  # the preset adds its own args


def test_a_kaito_inference_set_is_read_like_a_workspace(run):
    repo = shared_or_skip("corpus", "kaito-project__kaito")
    result = run(repo / "examples/inference/kaito_inferenceset_mistral_7b-instruct.yaml", root=repo)
    [d] = result.deployments
    assert (d.kind, d.engine.name, d.model.id, d.replicas) == ("InferenceSet", "vllm", "mistral-7b-instruct", 1)


def test_an_llmaz_playground_serves_the_open_model_it_claims(run):
    result = run(LAYOUTS / "llmaz-speculative")
    [d] = result.deployments
    e = d.engine
    assert (d.kind, e.name, d.model.id, e.int_setting("tensor_parallel"), d.gpus_per_group()) == (
        "Playground", "vllm", "facebook/opt-6.7b", 1, 1)
    assert d.model.loc.file == "model.yaml" and e.setting("tensor_parallel").loc.file == "playground.yaml"


def test_an_llm_inference_service_v1alpha2_is_read(run):
    repo = shared_or_skip("corpus", "kserve__kserve")
    result = run(repo / "docs/samples/llmisvc/opt-125m-cpu/llm-inference-service-facebook-opt-125m-cpu.yaml", root=repo)
    [d] = result.deployments
    assert d.kind == "LLMInferenceService" and d.partial and d.model.uri


def test_a_ray_serve_application_configured_by_runtime_env_is_a_vllm_engine(run):
    result = run(LAYOUTS / "ray-serve-vllm")
    [d] = result.deployments
    e = d.engine
    assert (e.name, e.version, d.model.id, e.int_setting("tensor_parallel")) == ("vllm", "0.5.4", "meta-llama/Meta-Llama-3-8B-Instruct", 2)
    assert e.setting("tensor_parallel").loc.line == 22  # TENSOR_PARALLELISM inside serveConfigV2
    assert "runtime_env" in e.assumed and d.gpus_per_group() == 2
    assert not [f for f in result.findings if f.check == "parallelism-exceeds-gpus"]  # TP 2 on the 2-GPU worker
