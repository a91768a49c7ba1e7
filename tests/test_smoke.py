"""`modelready smoke` with the process launcher against a real OpenAI-compatible server from PyPI:
`transformers serve` on a tiny random Llama made here, on the CPU. Also a server that never gets
ready, one that dies at start, one killed mid-run, and Ctrl-C: each gives clear failed items and
leaves no process behind."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import jsonschema
import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SCHEMA = json.loads((REPO / "src" / "modelready" / "smoke" / "smoke-result.schema.json").read_text())
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "NO_COLOR": "1"}

pytest.importorskip("transformers")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_command(server, port: int) -> str:
    """The engine a smoke run launches: a stand-in on `port` for the session's one real server (conftest.smoke_server)."""
    return server.command(port)


def smoke_cli(tmp_path: Path, *args: str, timeout: float = 180) -> tuple[subprocess.CompletedProcess, dict]:
    out = tmp_path / "smoke-result.json"
    proc = subprocess.run([str(BIN / "modelready"), "smoke", *args, "-o", str(out)], capture_output=True, text=True,
                          timeout=timeout, env=ENV, cwd=tmp_path)
    assert out.exists(), proc.stderr
    doc = json.loads(out.read_text())
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    return proc, doc


def group_gone(doc: dict) -> bool:
    """The launcher started the target in its own session: no member of that process group is left."""
    pid = int(doc["launch"]["handle"].split()[-1])
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_real_server_every_measured_field_present_and_plausible(tmp_path, tiny_model, smoke_server):
    port = free_port()
    proc, doc = smoke_cli(tmp_path, "--command", serve_command(smoke_server, port), "--port", str(port), "--model", str(tiny_model),
                          "--concurrency", "3", "--duration", "2", "--max-tokens", "12", "--ready-timeout", "120")
    assert doc["ready"]["ok"], doc["ready"]
    assert 0.5 < doc["ready"]["cold_start_s"] < 120
    canary = doc["canary"]
    assert canary["model"] == str(tiny_model) and len(canary["prompts"]) == 3
    for p in canary["prompts"]:
        assert p["ok"] and p["status"] == 200 and p["answer_chars"] > 0
        assert 0 < p["ttft_ms"] <= p["latency_ms"]
        assert p["output_tokens"] == 12 and p["finish_reason"] == "length"  # random weights: it never stops early
    load = doc["load"]
    assert load["errors"] == 0 and load["error_rate"] == 0 and load["requests"] >= 3
    assert load["max_in_flight"] == 3
    assert 2 <= load["wall_s"] < 2 + 60  # bounded: nothing starts after the deadline
    for dist in ("ttft_ms", "itl_ms", "latency_ms"):
        d = load[dist]
        assert 0 <= d["p50"] <= d["p95"] <= d["p99"] <= d["max"], (dist, d)
    assert load["ttft_ms"]["p50"] <= load["latency_ms"]["p50"]
    assert load["output_tokens"] == 12 * load["requests"]
    assert load["output_tokens_per_s"] == pytest.approx(load["output_tokens"] / load["wall_s"], rel=0.01)
    assert doc["target"]["model_bytes"] > 100_000  # the safetensors file
    assert doc["gpu"]["available"] is False and doc["gpu"]["reason"]
    # transformers serve has no /metrics: the observability items fail and say so
    assert doc["metrics"]["status"] == 404
    items = doc["items"]
    assert {k for k, v in items.items() if v["status"] == "passed"} == {
        "entrypoint-tested", "storage-access-tested", "cold-start-measured", "storage-bandwidth", "warmup-documented",
        "load-tested", "batch-scheduling-validated"}
    assert items["metrics-exported"] == {"status": "failed", "why": "GET /metrics answered 404", "evidence": []}
    assert items["gpu-compat-tested"]["status"] == "skipped"
    assert "MiB/s" in items["storage-bandwidth"]["why"]
    assert doc["result"] == "fail" and proc.returncode == 1
    assert group_gone(doc)
    assert "cold start" in proc.stdout and "❌ metrics-exported" in proc.stdout
    # quiet in CI logs: plain lines, no carriage-return progress
    assert "\r" not in proc.stderr and "modelready smoke: ready after" in proc.stderr


def test_spec_prompts_and_slos_decide(tmp_path, tiny_model, smoke_server):
    """Canary prompts come from the ModelSpec; an SLO no CPU can meet fails load-tested with figures."""
    import yaml

    body = yaml.safe_load((REPO / "examples" / "model" / "modelspec.yaml").read_text())
    body["spec"]["slo"] = {"latency": {"e2e": {"p95Ms": 0.001}, "ttft": {"p50Ms": 100000}}, "coldStartSeconds": 600}
    body["spec"]["release"]["canaryPrompts"] = ["What is your refund policy?"]
    spec = tmp_path / "modelspec.yaml"
    spec.write_text(yaml.safe_dump(body))
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: modelready.io/v1alpha1\nkind: ModelSpec\nspec: {slo: {coldStart: 1}}\n")
    refused = subprocess.run([str(BIN / "modelready"), "smoke", "--command", "true", "--spec", str(bad)], capture_output=True, text=True, env=ENV)
    assert refused.returncode == 2 and "invalid ModelSpec" in refused.stderr and "Traceback" not in refused.stderr
    port = free_port()
    _proc, doc = smoke_cli(tmp_path, "--command", serve_command(smoke_server, port), "--port", str(port), "--model", str(tiny_model),
                           "--spec", str(spec), "--concurrency", "2", "--duration", "2", "--max-tokens", "4")
    assert [p["prompt"] for p in doc["canary"]["prompts"]] == ["What is your refund policy?"]
    by = {s["slo"]: s for s in doc["slo"]}
    assert by["latency.e2e.p95Ms"]["ok"] is False and by["latency.e2e.p95Ms"]["measured"] == doc["load"]["latency_ms"]["p95"]
    assert by["latency.ttft.p50Ms"]["ok"] is True
    assert by["coldStartSeconds"]["ok"] is True
    assert doc["items"]["load-tested"]["status"] == "failed"
    assert doc["items"]["load-tested"]["why"].startswith("misses latency.e2e.p95Ms")
    assert doc["items"]["cold-start-measured"]["status"] == "passed"
    assert group_gone(doc)


def test_never_ready_times_out_and_kills_the_whole_group(tmp_path):
    # a shell that forks a child: both must be gone after teardown
    proc, doc = smoke_cli(tmp_path, "--command", "sh -c 'sleep 300 & sleep 300'", "--port", str(free_port()), "--ready-timeout", "2")
    assert doc["ready"]["ok"] is False
    assert doc["ready"]["error"].startswith("/health not 200 within 2 s")
    assert doc["items"]["entrypoint-tested"]["status"] == "failed"
    assert doc["items"]["cold-start-measured"]["why"].startswith("never became ready")
    assert doc["load"] is None and doc["canary"] is None
    assert proc.returncode == 1 and group_gone(doc)


def test_crash_at_start_reports_exit_code_and_log_tail_without_secrets(tmp_path):
    """A secretKeyRef env var is filled from the runner's environment and never written out."""
    from modelready.smoke import launch, run, target as tgt

    t = tgt.from_command(f"{sys.executable} -c \"import os, sys; print('token', os.environ['HF_TOKEN']); print('CUDA out of memory'); sys.exit(3)\"",
                         None, free_port(), "/health")
    t.secret_env = ["HF_TOKEN"]
    secret = "hf_" + "Q" * 34
    launcher = launch.ProcessLauncher(tmp_path / "log.txt", environ={**ENV, "HF_TOKEN": secret})
    doc = run.smoke(t, launcher, run.Options(ready_timeout_s=30))
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    assert doc["ready"]["error"].startswith("exited with code 3 after")
    assert "CUDA out of memory" in doc["ready"]["log_tail"]
    assert "token [redacted]" in doc["ready"]["log_tail"]
    assert doc["items"]["entrypoint-tested"]["status"] == "failed"
    assert secret not in json.dumps(doc)
    assert doc["target"]["secret_env"] == ["HF_TOKEN"]


def test_server_killed_mid_run_is_a_failed_item(tmp_path, tiny_model, smoke_server):
    from modelready.smoke import launch, run, target as tgt
    from modelready.smoke.client import Client

    port = free_port()
    t = tgt.from_command(serve_command(smoke_server, port), None, port, "/health")
    launcher = launch.ProcessLauncher(tmp_path / "log.txt", environ=ENV)

    def kill_when_loaded():  # what the OOM killer does to a serving engine
        client = Client("127.0.0.1", port)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and client.get("/health")[0] != 200:
            time.sleep(0.2)
        time.sleep(1.5)
        os.kill(launcher.proc.pid, signal.SIGKILL)

    threading.Thread(target=kill_when_loaded, daemon=True).start()
    t.model = str(tiny_model)
    doc = run.smoke(t, launcher, run.Options(concurrency=2, duration_s=6, max_tokens=8, request_timeout_s=10))
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    assert doc["ready"]["ok"]
    assert doc["crash"]["exit_code"] == -9 and doc["crash"]["during"] in ("canary prompts", "load")
    assert doc["items"]["entrypoint-tested"]["status"] == "failed"
    assert doc["items"]["entrypoint-tested"]["why"].startswith("exited with code -9 during")
    assert doc["items"]["load-tested"]["status"] == "failed"
    assert doc["result"] == "fail" and group_gone(doc)


def test_ctrl_c_tears_down_and_exits_130(tmp_path):
    out = tmp_path / "smoke-result.json"
    # SIGINT as a terminal leaves it, whatever this run inherited: a suite started in the background (`cmd &`
    # in a script) ignores SIGINT, and Python then installs no KeyboardInterrupt handler in the child
    proc = subprocess.Popen([str(BIN / "modelready"), "smoke", "--command", "sh -c 'sleep 300 & sleep 300'", "--port", str(free_port()),
                             "-o", str(out)], env=ENV, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 300  # a backstop only: a loaded machine may take long to get there
    while proc.poll() is None and time.monotonic() < deadline and not (tmp_path / "smoke-result.log").exists():
        time.sleep(0.1)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    doc = json.loads(out.read_text())
    assert doc["interrupted"] is True and doc["result"] == "fail"
    assert doc["teardown"]["how"].startswith("stopped by SIGTERM")
    assert "interrupted: tearing down" in stderr
    assert group_gone(doc)


HUNG_ENGINE = """
import sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):  # healthy on /health, then never answers a completion: a hung engine
    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()
        self.wfile.write(b"ok")
    def do_POST(self):
        time.sleep(3600)
    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def test_requests_that_time_out_are_failed_items_and_the_load_still_stops(tmp_path):
    server = tmp_path / "hung_engine.py"
    server.write_text(HUNG_ENGINE)
    port = free_port()
    proc, doc = smoke_cli(tmp_path, "--command", f"{sys.executable} {server} {port}", "--port", str(port), "--model", "m",
                          "--request-timeout", "1", "--concurrency", "2", "--duration", "1", timeout=60)
    assert doc["ready"]["ok"]
    assert [p["error"] for p in doc["canary"]["prompts"]] == ["TimeoutError: timed out"] * 3
    load = doc["load"]
    assert load["requests"] >= 2 and load["errors"] == load["requests"] and load["error_rate"] == 1
    assert load["error_classes"] == {"TimeoutError": load["requests"]}
    assert load["wall_s"] < 1 + 1 + 2  # duration + one request timeout + slack: it stopped by itself
    assert load["ttft_ms"] is None and load["output_tokens_per_s"] == 0
    items = doc["items"]
    assert items["entrypoint-tested"]["why"] == "3 of 3 canary prompt(s) unanswered: TimeoutError: timed out"
    assert items["load-tested"]["status"] == "failed" and "(TimeoutError ×" in items["load-tested"]["why"]
    assert items["batch-scheduling-validated"]["status"] == "failed"
    assert proc.returncode == 1 and group_gone(doc)


def test_the_charts_deployment_with_its_modelspec(tmp_path, tiny_model, smoke_server):
    """The chart's deployment, started with a stand-in command on this CPU machine: canary prompts and
    SLOs come from the ModelSpec that describes it (examples/model/modelspec.yaml), found by itself."""
    import yaml

    port = free_port()
    proc, doc = smoke_cli(tmp_path, str(REPO / "examples"), "--deployment", "release-vllm-llama", "--command", serve_command(smoke_server, port),
                          "--port", str(port), "--model", str(tiny_model), "--gpus", "0", "--concurrency", "2", "--duration", "2", "--max-tokens", "4")
    spec = yaml.safe_load((REPO / "examples" / "model" / "modelspec.yaml").read_text())["spec"]
    assert [p["prompt"] for p in doc["canary"]["prompts"]] == spec["release"]["canaryPrompts"]
    assert {s["slo"] for s in doc["slo"]} >= {"latency.ttft.p50Ms", "latency.e2e.p99Ms", "throughput.tokensPerSecond"}
    target = doc["target"]
    assert target["subject"] == "Deployment/default/release-vllm-llama@examples/charts/vllm-llama@values.yaml"  # paths from the git top level
    assert target["secret_env"] == ["HF_TOKEN"] and target["startup_budget_s"] == 900
    assert doc["items"]["cold-start-measured"]["why"].endswith("(probes allow 900 s)")
    assert group_gone(doc)


def test_metrics_groups_from_a_real_prometheus_exposition():
    """vLLM's names exposed by prometheus_client itself (counters gain _total), scraped over HTTP."""
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

    from modelready.smoke.client import Client
    from modelready.smoke.metrics import scrape

    registry = CollectorRegistry()
    Histogram("vllm:e2e_request_latency_seconds", "e2e", ["model_name"], registry=registry).labels("m").observe(0.4)
    Histogram("vllm:time_to_first_token_seconds", "ttft", ["model_name"], registry=registry).labels("m").observe(0.05)
    Histogram("vllm:inter_token_latency_seconds", "itl", ["model_name"], registry=registry).labels("m").observe(0.01)
    Counter("vllm:generation_tokens", "tokens", ["model_name"], registry=registry).labels("m").inc(12)
    Counter("vllm:request_success", "finished", ["model_name", "finished_reason"], registry=registry).labels("m", "stop").inc()
    Gauge("vllm:kv_cache_usage_perc", "kv", ["model_name"], registry=registry).labels("m").set(0.2)
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    try:
        got = scrape(Client("127.0.0.1", port), "/metrics", "vllm")
        sglang = scrape(Client("127.0.0.1", port), "/metrics", "sglang")
    finally:
        server.shutdown()
    assert got["status"] == 200 and got["error"] is None
    assert got["groups"] == {"latency": ["vllm:e2e_request_latency_seconds"], "tokens": ["vllm:generation_tokens", "vllm:generation_tokens_total"],
                             "errors": ["vllm:request_success", "vllm:request_success_total"], "ttft": ["vllm:time_to_first_token_seconds"],
                             "itl": ["vllm:inter_token_latency_seconds"], "kv_cache": ["vllm:kv_cache_usage_perc"], "running": []}
    # the same page read as SGLang's: none of its names, and no error counter known for it at all
    assert sglang["groups"]["latency"] == [] and sglang["groups"]["errors"] is None


def test_the_engines_own_batch_gauge_is_sampled_during_the_load():
    from prometheus_client import CollectorRegistry, Gauge, start_http_server

    from modelready.smoke.client import Client
    from modelready.smoke.metrics import running_sampler

    registry = CollectorRegistry()
    running = Gauge("vllm:num_requests_running", "running", ["model_name"], registry=registry)
    port = free_port()
    server, _thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    try:
        finish = running_sampler(Client("127.0.0.1", port), "/metrics", "vllm", interval_s=0.05)
        for n in (1, 3, 2):
            running.labels("m").set(n)
            time.sleep(0.3)
        peak = finish()
    finally:
        server.shutdown()
    assert peak == 3
    assert running_sampler(Client("127.0.0.1", port), "/metrics", "openai")() is None  # no gauge known: nothing sampled
