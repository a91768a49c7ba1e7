"""The main job on real deployment files nobody here wrote: no traceback, every file accounted for."""

from __future__ import annotations

from .conftest import shared_or_skip


def test_check_on_the_corpus_accounts_for_every_file(corpus_report):
    corpus = shared_or_skip("corpus")
    proc, doc = corpus_report
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    on_disk = sorted(p.relative_to(corpus).as_posix() for p in corpus.rglob("*") if p.is_file())
    assert sorted(f["path"] for f in doc["files"]) == on_disk
    for f in doc["files"]:
        assert f["status"] in ("checked", "skipped", "error")
        assert f["status"] == "checked" or f["reason"], f
    assert not doc["errors"]
    # The known-broken corpus file is reported where it breaks, not skipped.
    broken = [x for x in doc["findings"] if x["check"] == "input-unreadable"]
    assert [(b["file"], b["line"]) for b in broken] == [
        ("GoogleCloudPlatform__kubernetes-engine-samples/ai-ml/infw-gw/examples/getting-started/vllm-llama3-8b-instruct.yaml", 17)]


def test_corpus_engines_and_multi_node_groups(corpus_result):
    result = corpus_result
    by_file = {(d.origin, d.name): d for d in result.deployments}
    lws = by_file[("kubernetes-sigs__lws/docs/examples/vllm/GPU/lws.yaml", "vllm")]
    # TP 8 × PP 2 over a leader and a worker of 8 GPUs each: 16 GPUs, no false alarm
    assert (lws.engine.name, lws.engine.version, lws.gpus_per_group()) == ("vllm", "0.8.5", 16)
    assert lws.engine.int_setting("tensor_parallel") * lws.engine.int_setting("pipeline_parallel") == 16
    assert lws.services, "the vllm-leader Service selects the LWS controller's labels"
    gke = by_file[("GoogleCloudPlatform__kubernetes-engine-samples/ai-ml/llm-serving-gemma/vllm/vllm-3-27b-it.yaml", "vllm-gemma-deployment")]
    assert gke.model.id == "google/gemma-3-27b-it"  # --model=$(MODEL_ID), expanded from the container env as the kubelet does
    tgi = by_file[("GoogleCloudPlatform__kubernetes-engine-samples/ai-ml/llm-serving-gemma/tgi/tgi-2-9b-it.yaml", "tgi-gemma-deployment")]
    assert tgi.engine.name == "tgi" and tgi.engine.int_setting("tensor_parallel") == 2  # NUM_SHARD env twin
    errors = {(f.check, f.loc.file) for f in result.findings if f.severity.name == "error"}
    assert not [e for e in errors if e[0] in ("parallelism-exceeds-gpus", "engine-flag-unknown", "dev-shm-missing", "model-unset")]
    assert ("env-shell-syntax", "kubernetes-sigs__lws/docs/examples/vllm/GPU/lws.yaml") in errors  # value: $HF_TOKEN
