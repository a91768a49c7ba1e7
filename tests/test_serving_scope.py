"""`scope: serving` (the default): the gate blocks on what serves models, not on someone's MySQL example.

The layout is a slice of GoogleCloudPlatform/kubernetes-engine-samples (tests/layouts/serving-scope/SOURCES.md):
a MySQL Deployment with inline passwords, two files that do not parse and name no engine or one that
downloads the model, a vLLM Deployment that does not parse, and a privileged vLLM Deployment."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelready.config import Config, ConfigError, load_config

LAYOUT = Path(__file__).parent / "layouts" / "serving-scope"


def _by_file(result, check):
    return {f.loc.file: f for f in result.findings if f.check == check}


def test_findings_on_other_workloads_are_info_and_serving_ones_keep_their_severity(run):
    result = run(LAYOUT)
    mysql = [f for f in result.findings if f.loc.file == "mysql-deployment.yaml" and f.check == "secret-inline"]
    assert len(mysql) == 2 and {f.severity.name for f in mysql} == {"info"} and all("not a serving workload" in f.message for f in mysql)
    unread = _by_file(result, "input-unreadable")
    assert unread["hdml-static-pv-pvc.yaml"].severity.name == "warning" and "names no engine" in unread["hdml-static-pv-pvc.yaml"].message
    assert unread["vllm-gemma-deployment.yaml"].severity.name == "error"  # a vLLM server that does not parse blocks
    assert unread["producer-job.yaml"].severity.name == "error"  # it downloads the model with huggingface-cli
    assert _by_file(result, "pod-privileged")["vllm-privileged.yaml"].severity.name == "warning"  # the check's own severity


def test_scope_all_gates_on_every_workload(run):
    result = run(LAYOUT, config=Config(scope="all"))
    assert {f.severity.name for f in result.findings if f.check == "secret-inline"} == {"error"}
    assert {f.severity.name for f in result.findings if f.check == "input-unreadable"} == {"error"}
    assert not any("scope:" in f.message for f in result.findings)


def test_scope_is_read_from_the_config_and_a_wrong_value_is_refused(tmp_path):
    cfg = tmp_path / ".modelready.yaml"
    cfg.write_text("scope: all\n", encoding="utf-8")
    assert load_config(cfg).scope == "all"
    cfg.write_text("exclude: []\n", encoding="utf-8")
    assert load_config(cfg).scope == "serving"
    cfg.write_text("exclude: []\nscope: everything\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r":2: scope must be one of serving, all"):
        load_config(cfg)


def test_an_unparseable_json_that_is_no_manifest_is_skipped_with_why(run, tmp_path):
    (tmp_path / "dashboard.json").write_text('{"panels": [{"targets": [{"expr": ${DS}}]}]}', encoding="utf-8")
    (tmp_path / "broken.json").write_text('{"apiVersion": "apps/v1", "kind": "Deployment",}', encoding="utf-8")
    result = run(tmp_path)
    records = {r.path: r for r in result.files}
    assert records["dashboard.json"].status == "skipped" and "neither a manifest" in records["dashboard.json"].reason
    assert [f.loc.file for f in result.findings if f.check == "input-unreadable"] == ["broken.json"]


FINETUNE_JOB = """\
# after GoogleCloudPlatform/kubernetes-engine-samples ai-ml/llm-finetuning-gemma/finetune.yaml: a fine-tuning Job on L4s
apiVersion: batch/v1
kind: Job
metadata:
  name: finetune-job
spec:
  backoffLimit: 2
  template:
    spec:
      nodeSelector:
        cloud.google.com/gke-accelerator: nvidia-l4
      containers:
      - name: finetuner
        image: us-docker.pkg.dev/example/finetune-gemma:1.0.0
        command: ["accelerate", "launch", "--num_processes", "8", "finetune.py"]
        env:
        - name: MODEL_NAME
          value: google/gemma-2b
        resources:
          limits:
            nvidia.com/gpu: "8"
      restartPolicy: OnFailure
"""
BATCH_VLLM_JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: vllm-batch
spec:
  template:
    spec:
      containers:
      - name: vllm
        image: vllm/vllm-openai:v0.10.2
        command: ["python3", "-m", "vllm.entrypoints.openai.run_batch"]
        args: ["-i", "/data/in.jsonl", "-o", "/data/out.jsonl", "--model", "Qwen/Qwen2.5-1.5B-Instruct"]
        resources:
          limits:
            nvidia.com/gpu: "1"
      restartPolicy: Never
"""


def test_a_gpu_job_that_starts_no_engine_is_training_not_serving(run, tmp_path):
    """A Job's GPUs alone make it a fine-tuning or batch run: serving checks (probes, disruption budgets) do not
    apply and its findings are info; a Job that starts an engine is still judged as serving."""
    (tmp_path / "finetune.yaml").write_text(FINETUNE_JOB, encoding="utf-8")
    (tmp_path / "batch.yaml").write_text(BATCH_VLLM_JOB, encoding="utf-8")
    result = run(tmp_path)
    by_name = {d.name: d for d in result.deployments}
    assert not by_name["finetune-job"].serving and by_name["vllm-batch"].serving
    assert {f.severity.name for f in result.findings if f.loc.file == "finetune.yaml"} <= {"info"}


def test_the_claims_a_serving_pod_mounts_are_in_scope_with_their_volume_and_class(run, tmp_path):
    """A model cache on a PersistentVolumeClaim in its own file (as the GKE samples split them): the claim, the
    volume bound to it and their StorageClass link to the deployment, so what is wrong there gates like the rest;
    a claim nothing serving mounts stays info."""
    case = (Path(__file__).parent / "checks" / "weights-on-host-path" / "fail_pv.yaml").read_text(encoding="utf-8")
    deployment, claim, volume = case.split("---\n")
    (tmp_path / "vllm.yaml").write_text(deployment, encoding="utf-8")
    (tmp_path / "storage.yaml").write_text(claim.replace("accessModes: [ReadWriteOnce]", "accessMode: [ReadWriteOnce]") + "---\n" + volume
                                           + "---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: manual\n"
                                           "provisioner: kubernetes.io/no-provisioner\nvolumeBindingMode: WaitForFirstConsumer\n", encoding="utf-8")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "mysql-pvc.yaml").write_text(claim.replace("llama-weights", "mysql-data").replace("accessModes:", "accessMode:"),
                                                       encoding="utf-8")
    result = run(tmp_path)
    [d] = [d for d in result.deployments if d.serving]
    assert [(r.kind, r.name) for r in d.storage] == [("PersistentVolumeClaim", "llama-weights"), ("PersistentVolume", "llama-weights-pv"),
                                                      ("StorageClass", "manual")]
    schema = _by_file(result, "manifest-schema-invalid")
    assert schema["storage.yaml"].severity.name == "error" and "unknown field accessMode" in schema["storage.yaml"].message
    assert "other/mysql-pvc.yaml" not in schema  # not validated under scope: serving: it would only be info
    [on_node] = [f for f in result.findings if f.check == "weights-on-host-path"]
    assert on_node.loc.file == "storage.yaml" and "bound to PersistentVolume llama-weights-pv on hostPath /mnt/models" in on_node.message
