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
