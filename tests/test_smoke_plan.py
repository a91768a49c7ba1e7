"""What a smoke run starts, taken from real example deployments; the plan matrix; how recorded smoke
results decide the catalog's smoke items in `modelready check`; the verdict on NVML figures."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from modelready import pipeline
from modelready.config import Config
from modelready.smoke import verdict
from modelready.smoke.target import from_deployment

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RECORDED = REPO / "tests" / "fixtures" / "smoke" / "transformers-serve-cpu.json"


def deployments(path: str):
    result = pipeline.run([REPO / path], Config(), REPO)
    return {f"{d.name}@{Path(d.origin.split('@')[-1]).name}": d for d in result.deployments if d.serving}


def test_target_from_the_chart():
    d = deployments("examples/charts/vllm-llama")["release-vllm-llama@values.yaml"]
    t = from_deployment(d)
    assert t.engine == "vllm" and t.image == "vllm/vllm-openai:v0.10.2"
    assert t.command == [] and t.args[:2] == ["--model", "meta-llama/Llama-3.1-8B-Instruct"]
    # the image's entrypoint is supplied for a process launcher, as the image would
    assert t.process_argv()[:3] == ["python3", "-m", "vllm.entrypoints.openai.api_server"]
    assert (t.port, t.health_path, t.gpus, t.shm_bytes) == (8000, "/health", 1, 8 * 2**30)
    assert t.secret_env == ["HF_TOKEN"] and t.model == "meta-llama/Llama-3.1-8B-Instruct"
    assert t.startup_budget_s == 900


def test_a_credential_written_in_the_manifest_is_never_passed():
    d = deployments("examples/manifests")["llama-70b@llama-70b.yaml"]
    t = from_deployment(d)
    assert "HUGGING_FACE_HUB_TOKEN" not in t.env and t.secret_env == ["HUGGING_FACE_HUB_TOKEN"]
    assert any("written in the manifest" in n for n in t.notes)
    assert t.argv[:3] == ["python3", "-m", "vllm.entrypoints.openai.api_server"]


def run_cli(*args, cwd=REPO, env=None):
    return subprocess.run([str(BIN / "modelready"), *args], capture_output=True, text=True, cwd=cwd, env=env)


def test_plan_is_a_matrix_of_what_changed(tmp_path):
    out = tmp_path / "github_output"
    changed = tmp_path / "changed.txt"
    changed.write_text("examples/charts/vllm-llama/values.yaml\nREADME.md\n")
    import os

    proc = run_cli("plan", "examples", "--changed", str(changed), env={**os.environ, "GITHUB_OUTPUT": str(out)})
    assert proc.returncode == 0, proc.stderr
    matrix = json.loads(proc.stdout)
    assert matrix == {"include": [{"id": "Deployment/default/release-vllm-llama@examples/charts/vllm-llama@values.yaml",
                                   "name": "release-vllm-llama", "path": "examples/charts/vllm-llama", "engine": "vllm",
                                   "gpus": 1, "gpu_type": "L4"}]}
    assert out.read_text() == f"matrix={proc.stdout.strip()}\ncount=1\n"
    every = json.loads(run_cli("plan", "examples", "--gpu-only").stdout)["include"]
    # one entry per chart (not per values set) and per manifest
    assert sorted(e["name"] for e in every) == ["llama-70b", "llama-70b-single", "llama-70b-tp", "qwen-7b-long", "release-vllm-llama"]
    assert {e["gpus"] for e in every if e["name"] == "llama-70b-tp"} == {2}


def test_recorded_smoke_result_decides_the_checklist(tmp_path):
    proc = run_cli("check", "examples/charts", "--smoke-result", str(RECORDED), "-f", "json", "-p", "all")
    doc = json.loads(proc.stdout)
    items = {i["id"]: i for i in doc["catalog"]["items"]}
    assert items["cold-start-measured"]["status"] == "passed"
    assert items["cold-start-measured"]["why"].startswith("command-line: cold start ")
    assert items["metrics-exported"]["status"] == "failed" and "404" in items["metrics-exported"]["why"]
    assert items["gpu-compat-tested"]["status"] == "skipped"
    assert doc["smoke"][0]["result"] == "fail" and doc["smoke"][0]["cold_start_s"] > 0
    # without a result the smoke items are skipped, and say how to get one
    plain = json.loads(run_cli("check", "examples/charts", "-f", "json").stdout)
    assert {i["status"] for i in plain["catalog"]["items"] if i["mode"] == "smoke"} == {"skipped"}
    # a file that is not a smoke result is refused with a clear message, not a traceback
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema_version": 1}))
    refused = run_cli("check", "examples/charts", "--smoke-result", str(bad))
    assert refused.returncode == 2 and "not a smoke result" in refused.stderr and "Traceback" not in refused.stderr


def with_gpu(doc: dict, gpus: int, devices: list[dict]) -> dict:
    """The recorded CPU run, as NVML would have reported it on a GPU runner (for the GPU items' logic)."""
    d = copy.deepcopy(doc)
    d["target"]["gpus"] = gpus
    d["gpu"] = {"available": True, "reason": None, "driver": "570.86.15", "devices": devices}
    return d


def device(i: int, start: int, peak: int) -> dict:
    return {"index": i, "name": "NVIDIA H100 80GB HBM3", "memory_total_mib": 81559, "memory_used_at_start_mib": start,
            "peak_memory_used_mib": peak, "peak_utilization_pct": 97, "mean_utilization_pct": 61.5, "samples": 40}


def test_gpu_items_from_nvml_figures():
    doc = json.loads(RECORDED.read_text())
    ok = verdict.items(with_gpu(doc, 1, [device(0, 1, 71234)]))
    assert ok["gpu-drivers-working"] == {"status": "passed", "why": "driver 570.86.15, 1 × NVIDIA H100 80GB HBM3", "evidence": []}
    assert ok["gpu-compat-tested"]["status"] == "passed" and "+71233 MiB" in ok["gpu-compat-tested"]["why"]
    # asked for 2, NVML sees 1
    assert verdict.items(with_gpu(doc, 2, [device(0, 1, 71234)]))["gpu-drivers-working"]["status"] == "failed"
    # served, but nothing was allocated on the GPU: it ran on the CPU
    cpu = verdict.items(with_gpu(doc, 1, [device(0, 1, 1)]))["gpu-compat-tested"]
    assert cpu["status"] == "failed" and "ran on the CPU" in cpu["why"]
    # NVML missing on a target that asks for a GPU
    no_nvml = copy.deepcopy(doc)
    no_nvml["target"]["gpus"] = 1
    assert verdict.items(no_nvml)["gpu-drivers-working"]["why"].startswith("the target asks for 1 GPU(s) but NVML")


def test_cold_start_beyond_the_probe_budget_fails():
    doc = json.loads(RECORDED.read_text())
    doc["target"]["startup_budget_s"] = 2
    doc["ready"]["cold_start_s"] = 7.5
    item = verdict.items(doc)["cold-start-measured"]
    assert item["status"] == "failed" and "Kubernetes would restart it" in item["why"]


@pytest.mark.parametrize("slo, ok", [({"latency": {"ttft": {"p95Ms": 1e9}}}, True), ({"latency": {"ttft": {"p95Ms": 0}}}, False)])
def test_slo_compared_with_the_measured_percentile(slo, ok):
    doc = json.loads(RECORDED.read_text())
    [check] = verdict.slo_checks(doc, slo)
    assert check["measured"] == doc["load"]["ttft_ms"]["p95"] and check["ok"] is ok



def test_progress_overwrites_one_line_on_a_terminal_only():
    import io

    from modelready.smoke.run import Progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty, log = Tty(), io.StringIO()
    for stream in (tty, log):
        p = Progress(stream=stream)
        p.update("waiting for /health: 3 s")
        p.line("ready after 4.0 s")
    assert tty.getvalue() == "\r\x1b[Kwaiting for /health: 3 s\r\x1b[Kmodelready smoke: ready after 4.0 s\n"
    assert log.getvalue() == "modelready smoke: ready after 4.0 s\n"


def test_smoke_settings_from_config(tmp_path):
    from modelready.config import ConfigError, load_config
    from modelready.smoke.run import Options

    cfg = tmp_path / ".modelready.yaml"
    cfg.write_text("smoke: {concurrency: 8, duration: 60, ready_timeout: 1200}\n")
    opts = Options(**load_config(cfg).smoke)
    assert (opts.concurrency, opts.duration_s, opts.ready_timeout_s, opts.max_tokens) == (8, 60, 1200, 64)
    cfg.write_text("smoke: {concurency: 8}\n")  # a misspelt key is warned about with the nearest, and ignored
    typo = load_config(cfg)
    assert typo.smoke == {} and typo.warnings == [f"{cfg}:1: unknown key smoke.concurency (did you mean 'concurrency'?), ignored"]
    cfg.write_text("smoke: {duration: ten}\n")
    with pytest.raises(ConfigError, match="smoke.duration must be a number"):
        load_config(cfg)


def test_every_corpus_deployment_gives_a_target_or_a_clear_reason(corpus_result):
    from modelready.smoke.target import plan

    result = corpus_result
    serving = [d for d in result.deployments if d.serving]
    reasons = []
    for d in serving:
        t = from_deployment(d)
        assert t.port > 0 and t.health_path.startswith("/")
        try:
            assert t.process_argv()
        except ValueError as e:  # no command in the manifest and no known image entrypoint: give --command
            reasons.append(str(e))
    assert len(serving) >= 60 and all("give --command" in r for r in reasons)
    groups = [from_deployment(d) for d in serving if sum(p.count for p in d.pods) > 1]
    assert groups and all(any("serving group of" in n for n in t.notes) for t in groups)
    assert len(plan(result.deployments, gpu_only=False)) <= len(serving)


def test_an_engine_that_runs_one_request_at_a_time_does_not_batch():
    doc = json.loads(RECORDED.read_text())
    doc["load"]["engine_max_running"] = 1
    item = verdict.items(doc)["batch-scheduling-validated"]
    assert item["status"] == "failed" and "requests queue instead of batching" in item["why"]
    doc["load"]["engine_max_running"] = 2
    assert "the engine batched up to 2" in verdict.items(doc)["batch-scheduling-validated"]["why"]
