"""Property tests with a fixed budget: Kubernetes objects, ModelSpecs and config.json with fields of any type
never make modelready fail (no exception, no internal-error finding), and every file is in the report.
A short run of the corpus mutation fuzzer (tools/fuzz.py; `make fuzz` runs 10,000 cases) closes the suite."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelready.app import run as run_mod
from modelready.config import Config
from modelready.findings import Severity
from modelready.report import REPORTERS, Output

BUDGET = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["8Gi", "1", "two", "/health", "--model", "meta-llama/Llama-3.1-8B-Instruct",
                                                           "vllm/vllm-openai:v0.8.5", "nvidia.com/gpu", "In", "Exists", "\x00"]))
anything = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                        max_leaves=12)


def either(valid):
    """Mostly the right shape, sometimes anything at all."""
    return st.one_of(valid, valid, anything)


container = st.fixed_dictionaries({
    "name": either(st.just("vllm")),
    "image": either(st.just("vllm/vllm-openai:v0.8.5")),
    "args": either(st.just(["--model", "meta-llama/Llama-3.1-8B-Instruct", "--tensor-parallel-size", "2", "--max-model-len", "8192"])),
    "env": either(st.just([{"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf", "key": "token"}}}])),
    "resources": either(st.just({"limits": {"nvidia.com/gpu": 2}, "requests": {"cpu": "4", "memory": "32Gi"}})),
    "ports": either(st.just([{"containerPort": 8000}])),
    "readinessProbe": either(st.just({"httpGet": {"path": "/health", "port": 8000}, "periodSeconds": 10})),
    "volumeMounts": either(st.just([{"name": "shm", "mountPath": "/dev/shm"}])),
})
deployment = st.fixed_dictionaries({
    "apiVersion": st.just("apps/v1"),
    "kind": st.sampled_from(["Deployment", "StatefulSet", "LeaderWorkerSet", "Pod", "RayService"]),
    "metadata": either(st.just({"name": "llm", "labels": {"app": "llm"}, "annotations": {"modelready.io/skip": "pdb-missing"}})),
    "spec": either(st.fixed_dictionaries({
        "replicas": either(st.just(2)),
        "selector": either(st.just({"matchLabels": {"app": "llm"}})),
        "template": either(st.fixed_dictionaries({
            "metadata": either(st.just({"labels": {"app": "llm"}})),
            "spec": either(st.fixed_dictionaries({"containers": either(st.lists(either(container), min_size=1, max_size=2)),
                                                  "volumes": either(st.just([{"name": "shm", "emptyDir": {"medium": "Memory"}}]))})),
        })),
    })),
})
linked = st.lists(st.fixed_dictionaries({
    "apiVersion": st.just("v1"),
    "kind": st.sampled_from(["Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "ServiceMonitor", "PodMonitor", "InferencePool"]),
    "metadata": either(st.just({"name": "llm", "labels": {"app": "llm"}})),
    "spec": either(st.fixed_dictionaries({"selector": either(st.just({"app": "llm"})),
                                          "scaleTargetRef": either(st.just({"kind": "Deployment", "name": "llm"})),
                                          "minReplicas": either(st.just(1)), "maxReplicas": either(st.just(4))})),
}), max_size=3)
modelspec = st.fixed_dictionaries({
    "apiVersion": st.just("modelready.io/v1alpha1"),
    "kind": st.just("ModelSpec"),
    "metadata": either(st.just({"name": "llm"})),
    "spec": either(st.fixed_dictionaries({
        "deploymentRef": either(st.just({"kind": "Deployment", "name": "llm"})),
        "model": either(st.just({"id": "meta-llama/Llama-3.1-8B-Instruct", "configPath": "config.json", "maxContextLength": 8192})),
        "serving": either(st.just({"engine": "vllm", "gpu": {"type": "A10G", "count": 2}, "healthPath": "/health"})),
        "slo": either(st.just({"p95LatencyMs": 800})),
        "dependencies": either(st.just([{"name": "guard", "specRef": "spec.yaml", "latencyBudgetMs": 100}])),
    })),
})
config_json = st.fixed_dictionaries({
    "model_type": either(st.just("llama")),
    "architectures": either(st.just(["LlamaForCausalLM"])),
    "max_position_embeddings": either(st.just(8192)),
    "hidden_size": either(st.just(4096)),
    "num_hidden_layers": either(st.just(32)),
    "num_attention_heads": either(st.just(32)),
    "num_key_value_heads": either(st.just(8)),
    "vocab_size": either(st.just(128256)),
    "torch_dtype": either(st.just("bfloat16")),
    "text_config": either(st.just({"max_position_embeddings": 8192})),
    "quantization_config": either(st.just({"quant_method": "awq", "bits": 4})),
})


def check_folder(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, text in files.items():
            (root / name).write_text(text, encoding="utf-8")
        result, doc = run_mod.run([root], root, Config(), None, Severity.error)
        assert not result.errors, result.errors
        assert {r.path for r in doc.files} >= set(files)
        for reporter in REPORTERS.values():  # every renderer takes what the pipeline made
            reporter.render(Output(doc))


def dump(*docs) -> str:
    return yaml.safe_dump_all(docs, allow_unicode=True)


@BUDGET
@given(deployment, linked)
def test_kubernetes_objects_of_any_shape(dep, others):
    check_folder({"deploy.yaml": dump(dep, *others)})


@BUDGET
@given(modelspec, config_json, deployment)
def test_modelspecs_and_config_json_of_any_shape(spec, config, dep):
    check_folder({"spec.yaml": dump(spec), "config.json": json.dumps(config), "deploy.yaml": dump(dep)})


def test_corpus_mutations_short_run():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    import fuzz

    fuzz.warm_up()
    summary = fuzz.fuzz(cases=40, seed=7)
    assert not [f for f in summary["failures"] if fuzz.bad(f) or f.get("internal_errors")], summary["failures"]
    assert summary["cases"] == 40
