"""One smoke run, top to bottom: launch, ready, canary, load, samples, teardown (always), verdict."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..masking import MASK
from . import verdict
from .client import Client
from .gpu import GpuSampler
from .launch import LaunchError, secret_values
from .measure import run_load
from .metrics import running_sampler, scrape
from .target import Target

DEFAULT_PROMPTS = [
    "Reply with one short sentence: what is the capital of France?",
    "List three prime numbers.",
    "Say hello.",
]
SCHEMA_VERSION = 1


@dataclass
class Options:
    ready_timeout_s: float = 900.0
    concurrency: int = 4
    duration_s: float = 30.0
    max_tokens: int = 64
    request_timeout_s: float = 60.0
    prompts: list[str] = field(default_factory=list)
    slo: dict[str, Any] | None = None
    api_key_env: str | None = None


class Interrupted(Exception):
    pass


def smoke(target: Target, launcher: Any, opts: Options, progress: "Progress | None" = None) -> dict[str, Any]:
    progress = progress or Progress(quiet=True)
    result: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "tool": {"name": "modelready", "version": __version__},
                    "started_at": _now(), "launcher": launcher.name, "target": target.describe() | {"model_bytes": _model_bytes(target.model)},
                    "launch": None, "ready": None, "canary": None, "load": None, "gpu": None, "metrics": None,
                    "crash": None, "teardown": None, "interrupted": False}
    secrets = [v for v in secret_values(target, launcher.environ)[0].values() if v]  # masked wherever logs are kept
    previous = signal.signal(signal.SIGTERM, _raise_interrupted) if _main_thread() else None
    gpu = GpuSampler().start()
    try:
        _launch_and_measure(target, launcher, opts, result, progress, secrets)
    except (KeyboardInterrupt, Interrupted):
        result["interrupted"] = True
        progress.line("interrupted: tearing down")
    finally:
        result["teardown"] = {"how": launcher.stop()}
        result["gpu"] = gpu.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        progress.line(f"teardown: {result['teardown']['how']}")
    result["finished_at"] = _now()
    result["slo"] = verdict.slo_checks(result, opts.slo)
    result["items"] = verdict.items(result)
    failed = result["interrupted"] or any(i["status"] == "failed" for i in result["items"].values())
    result["result"] = "fail" if failed else "pass"
    return result


def _launch_and_measure(target: Target, launcher: Any, opts: Options, result: dict[str, Any], progress: "Progress",
                        secrets: list[str]) -> None:
    t0 = time.monotonic()
    try:
        handle = launcher.start(target)
    except (LaunchError, ValueError) as e:
        result["launch"] = {"ok": False, "error": str(e)}
        result["ready"] = {"ok": False, "error": f"launch failed: {e}", "cold_start_s": None, "deadline_s": opts.ready_timeout_s, "log_tail": []}
        return
    result["launch"] = {"ok": True, "handle": handle, "missing_secrets": launcher.missing_secrets}
    progress.line(f"launched {target.name} ({handle}); waiting for {target.health_path}")
    api_key = os.environ.get(opts.api_key_env) if opts.api_key_env else None
    client = Client("127.0.0.1", launcher.host_port or target.port, api_key)  # launchers publish on loopback only
    result["ready"] = _wait_ready(client, target, launcher, opts, t0, progress, secrets)
    if not result["ready"]["ok"]:
        return
    progress.line(f"ready after {result['ready']['cold_start_s']:.1f} s")
    prompts = opts.prompts or DEFAULT_PROMPTS
    model = _canary(client, target, launcher, opts, result, prompts, secrets)
    if model is None:
        return
    progress.line(f"canary: {sum(p['ok'] for p in result['canary']['prompts'])}/{len(prompts)} answered")
    if opts.duration_s > 0 and opts.concurrency > 0:
        progress.line(f"load: {opts.concurrency} concurrent for {opts.duration_s:g} s")
        running = running_sampler(client, target.metrics_path, target.engine)
        load = run_load(client, model, prompts, opts.concurrency, opts.duration_s, opts.max_tokens, opts.request_timeout_s,
                        on_progress=lambda n, t: progress.update(f"load: {n} requests in {t:.0f} s"))
        result["load"] = load.summary() | {"engine_max_running": running()}
        progress.line(f"load: {result['load']['requests']} requests, {result['load']['errors']} errors")
        if _crashed(launcher, result, "load", secrets):
            return
    result["metrics"] = scrape(client, target.metrics_path, target.engine)


def _canary(client: Client, target: Target, launcher: Any, opts: Options, result: dict[str, Any], prompts: list[str],
            secrets: list[str]) -> str | None:
    """The served model (the target's, else the first /v1/models lists) asked each prompt once, into
    result["canary"]; the model, or None when there is none or the engine crashed on them."""
    status, body = client.get("/v1/models", timeout=10)
    listed = _model_ids(body) if status == 200 else []
    model = target.model or (listed[0] if listed else None)
    canary: dict[str, Any] = {"model": model, "models_status": status, "models_listed": listed, "prompts": []}
    result["canary"] = canary
    if model is None:
        canary["error"] = f"no model name: /v1/models answered {status} and none was given (--model)"
        return None
    for prompt in prompts:
        r = client.chat(model, prompt, opts.max_tokens, opts.request_timeout_s)
        canary["prompts"].append({"prompt": prompt, "ok": r.ok, "error": r.error, "status": r.status,
                                  "latency_ms": _ms(r.latency_s), "ttft_ms": _ms(r.ttft_s), "output_tokens": r.output_tokens,
                                  "finish_reason": r.finish_reason, "answer_chars": len(r.text)})
        if _crashed(launcher, result, "canary prompts", secrets):
            return None
    return model


def _wait_ready(client: Client, target: Target, launcher: Any, opts: Options, t0: float, progress: "Progress",
                secrets: list[str]) -> dict[str, Any]:
    deadline = t0 + opts.ready_timeout_s
    last = None
    while True:
        code = launcher.exit_code()
        if code is not None:
            return {"ok": False, "cold_start_s": None, "deadline_s": opts.ready_timeout_s,
                    "error": f"exited with code {code} after {time.monotonic() - t0:.1f} s", "log_tail": _redact(launcher.logs(), secrets)}
        status, _ = client.get(target.health_path, timeout=5)
        last = status
        if status == 200:
            return {"ok": True, "cold_start_s": round(time.monotonic() - t0, 3), "deadline_s": opts.ready_timeout_s, "error": None, "log_tail": []}
        if time.monotonic() >= deadline:
            return {"ok": False, "cold_start_s": None, "deadline_s": opts.ready_timeout_s,
                    "error": f"{target.health_path} not 200 within {opts.ready_timeout_s:g} s (last answer: {last or 'none'})",
                    "log_tail": _redact(launcher.logs(), secrets)}
        progress.update(f"waiting for {target.health_path}: {time.monotonic() - t0:.0f} s")
        time.sleep(0.5)


def _crashed(launcher: Any, result: dict[str, Any], during: str, secrets: list[str]) -> bool:
    code = launcher.exit_code()
    if code is None:
        return False
    result["crash"] = {"exit_code": code, "during": during, "log_tail": _redact(launcher.logs(), secrets)}
    return True


def _redact(lines: list[str], secrets: list[str]) -> list[str]:
    out = []
    for line in lines:
        for s in secrets:
            line = line.replace(s, MASK)
        out.append(line)
    return out


def _model_ids(body: bytes) -> list[str]:
    try:
        return [m["id"] for m in json.loads(body).get("data", []) if isinstance(m, dict) and "id" in m]
    except (ValueError, AttributeError):
        return []


def _model_bytes(model: str | None) -> int | None:
    p = Path(model) if model else None
    if p is None or not p.is_dir():
        return None
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _raise_interrupted(signum: int, frame: Any) -> None:
    raise Interrupted()


class Progress:
    """One self-overwriting line on a terminal; plain lines only (no spinner noise) in CI logs."""

    def __init__(self, quiet: bool = False, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() and not quiet
        self.quiet = quiet

    def update(self, text: str) -> None:
        if self.tty:
            self.stream.write(f"\r\033[K{text}")
            self.stream.flush()

    def line(self, text: str) -> None:
        if self.quiet:
            return
        self.stream.write(("\r\033[K" if self.tty else "") + f"modelready smoke: {text}\n")
        self.stream.flush()
