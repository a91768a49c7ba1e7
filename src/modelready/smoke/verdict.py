"""From measurements to decisions: the catalog's smoke items and the ModelSpec's SLOs, each with why.

Works on the smoke-result document alone, so a result made on a GPU runner can be judged anywhere."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, cast

# spec.slo.latency operation -> the measured distribution that answers it
LATENCY = {"ttft": "ttft_ms", "itl": "itl_ms", "e2e": "latency_ms", "request": "latency_ms"}
MAX_ERROR_RATE = 0.01


def slo_checks(result: dict[str, Any], slo: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One entry per SLO figure the spec states and the run measured: target, measured, ok."""
    load = result.get("load") or {}
    slo = slo or {}
    out = _latency_checks(load, slo.get("latency") or {})
    through = slo.get("throughput") or {}
    for key, measured_key in (("tokensPerSecond", "output_tokens_per_s"), ("requestsPerSecond", "requests_per_s")):
        if key in through:
            m = load.get(measured_key)
            out.append({"slo": f"throughput.{key}", "target": through[key], "measured": m, "unit": "/s",
                        "ok": None if m is None else m >= through[key], "note": f"at concurrency {load.get('concurrency')}"})
    if slo.get("coldStartSeconds") is not None:
        cold = (result.get("ready") or {}).get("cold_start_s")
        t = slo["coldStartSeconds"]
        out.append({"slo": "coldStartSeconds", "target": t, "measured": cold, "unit": "s", "ok": None if cold is None else cold <= t})
    return out


def _latency_checks(load: dict[str, Any], latency: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for op, targets in latency.items():
        dist = load.get(LATENCY.get(op, "")) if op in LATENCY else None
        for key, target in (targets or {}).items():
            p = key.removesuffix("Ms")
            if dist and p in dist:
                out.append({"slo": f"latency.{op}.{key}", "target": target, "measured": dist[p], "unit": "ms", "ok": dist[p] <= target})
            else:
                out.append({"slo": f"latency.{op}.{key}", "target": target, "measured": None, "unit": "ms", "ok": None})
    return out


def figures(result: dict[str, Any]) -> list[str]:
    """The headline figures of one run, for a terminal line or a check-run summary."""
    ready, load = result.get("ready") or {}, result.get("load") or {}
    out = [f"cold start {ready['cold_start_s']:.1f} s" if ready.get("cold_start_s") is not None else f"not ready ({ready.get('error')})"]
    if load:
        lat, ttft = load.get("latency_ms") or {}, load.get("ttft_ms") or {}
        out.append(f"latency p50 {lat.get('p50')} / p95 {lat.get('p95')} / p99 {lat.get('p99')} ms, TTFT p50 {ttft.get('p50')} ms, "
                   f"{load.get('output_tokens_per_s')} tokens/s, {load['errors']}/{load['requests']} errors")
    peaks = [d["peak_memory_used_mib"] for d in (result.get("gpu") or {}).get("devices", [])]
    if peaks:
        out.append(f"peak GPU memory {max(peaks)} MiB")
    return out


@dataclass(frozen=True)
class Run:
    """One smoke-result document, read once for the functions that decide the items."""

    result: dict[str, Any]

    def part(self, name: str) -> dict[str, Any]:
        return self.result.get(name) or {}

    @property
    def is_ready(self) -> bool:
        return bool(self.part("ready").get("ok"))

    @property
    def cold(self) -> float:
        return cast(float, self.part("ready").get("cold_start_s"))  # read once ready, when it is measured

    @property
    def not_ready(self) -> str:
        return f"never became ready: {self.part('ready').get('error') or 'not started'}"

    @property
    def prompts(self) -> list[dict[str, Any]]:
        return self.part("canary").get("prompts", [])  # type: ignore[no-any-return]

    def slos(self, failed: bool | None = None) -> list[dict[str, Any]]:
        return [s for s in self.result.get("slo", []) if failed is None or s["ok"] is (not failed)]


def decision(status: str, why: str, *evidence: str | None) -> dict[str, Any]:
    return {"status": status, "why": why, "evidence": [e for e in evidence if e]}


def _entrypoint(r: Run) -> dict[str, Any]:
    if not r.is_ready:
        return decision("failed", r.not_ready, *r.part("ready").get("log_tail", [])[-3:])
    answered = [p for p in r.prompts if p.get("ok")]
    if r.prompts and len(answered) == len(r.prompts):
        return decision("passed", f"started and answered {len(answered)} canary prompt(s)", f"served model {r.part('canary').get('model')}")
    bad = [p for p in r.prompts if not p.get("ok")]
    return decision("failed", f"{len(bad)} of {len(r.prompts)} canary prompt(s) unanswered: {bad[0].get('error') if bad else 'none sent'}")


def _storage_access(r: Run) -> dict[str, Any]:
    if not r.is_ready:
        return decision("failed", r.not_ready)
    return decision("passed", f"the engine read the model ({r.part('target').get('model') or 'from its args'}) and served it")


def _cold_start(r: Run) -> dict[str, Any]:
    if not r.is_ready:
        return decision("failed", r.not_ready)
    budget = r.part("target").get("startup_budget_s")
    over = [s for s in r.slos(failed=True) if s["slo"] == "coldStartSeconds"]
    if over:
        return decision("failed", f"cold start {r.cold:.1f} s is over the spec's {over[0]['target']} s")
    if budget is not None and r.cold > budget:
        return decision("failed", f"cold start {r.cold:.1f} s is over the {budget} s the probes allow: Kubernetes would restart it before it is ready")
    return decision("passed", f"cold start {r.cold:.1f} s" + (f" (probes allow {budget} s)" if budget is not None else ""))


def _storage_bandwidth(r: Run) -> dict[str, Any]:
    if not r.is_ready:
        return decision("failed", r.not_ready)
    size, cold = r.part("target").get("model_bytes"), r.cold
    return decision("passed", f"model loaded and ready in {cold:.1f} s" + (f", {size / 2**20 / cold:.1f} MiB/s over {size / 2**20:.1f} MiB" if size and cold else ""))


def _warmup(r: Run) -> dict[str, Any]:
    first = (r.prompts or [{}])[0].get("latency_ms")
    steady = (r.part("load").get("latency_ms") or {}).get("p50")
    if first is not None and steady is not None:
        return decision("passed", f"first request {first:.0f} ms after ready; steady-state p50 {steady:.0f} ms")
    if not r.is_ready:
        return decision("failed", r.not_ready)
    if first is None:
        return decision("failed", "no canary answer to time")
    return decision("skipped", "no load run to compare with")


def _no_load(r: Run) -> dict[str, Any] | None:
    """The decision of a load item when no load ran, else None."""
    if r.result.get("load") is not None:
        return None
    return decision("failed", r.not_ready) if not r.is_ready else decision("skipped", "no load run (load.duration 0)")


def _errors(load: dict[str, Any]) -> str:
    classes = f" ({', '.join(f'{k} ×{v}' for k, v in load['error_classes'].items())})" if load.get("error_classes") else ""
    return f"{load['errors']} of {load['requests']} requests failed" + classes


def _load_tested(r: Run) -> dict[str, Any]:
    load = r.part("load")
    rate = load.get("error_rate")
    if (none := _no_load(r)) is not None:
        return none
    if not load["requests"]:
        return decision("failed", "the load sent no request")
    if rate is not None and rate > MAX_ERROR_RATE:
        return decision("failed", _errors(load))
    lat = load.get("latency_ms") or {}
    measured = (f"p50 {lat.get('p50')} ms, p95 {lat.get('p95')} ms, p99 {lat.get('p99')} ms; "
                f"{load.get('output_tokens_per_s')} tokens/s at concurrency {load['concurrency']}")
    missed = [s for s in r.slos(failed=True) if s["slo"] != "coldStartSeconds"]
    if missed:
        return decision("failed", "misses " + "; ".join(f"{s['slo']} {s['measured']} vs {s['target']}{s['unit']}" for s in missed), measured)
    return decision("passed", measured, *(f"{s['slo']}: {s['measured']} ≤ {s['target']}" for s in r.slos(failed=False)))


def _batching(r: Run) -> dict[str, Any]:
    if (none := _no_load(r)) is not None:
        return none
    load = r.part("load")
    running, in_flight = load.get("engine_max_running"), load.get("max_in_flight", 0)
    if load["concurrency"] < 2:
        return decision("failed", "concurrency 1 never batches: set load.concurrency ≥ 2")
    if running is not None and running < 2 <= in_flight:
        return decision("failed", f"{in_flight} requests in flight but the engine ran at most {running:g} at a time: requests queue instead of batching")
    if in_flight >= 2 and (load.get("error_rate") or 0) <= MAX_ERROR_RATE:
        return decision("passed", f"{in_flight} requests in flight at once"
                        + (f", the engine batched up to {running:g}" if running is not None else " (the engine reports no batch size)")
                        + f"; {_errors(load)}")
    return decision("failed", f"at most {in_flight} request(s) in flight; {_errors(load)}")


# metric item -> the metric groups (smoke/metrics.py) it needs, and what they are called in a message
METRIC_ITEMS = {
    "metrics-exported": (("latency", "tokens"), "latency histogram or token counter"),
    "error-metrics": (("errors",), "error-count"),
    "latency-decomposition": (("ttft", "itl"), "TTFT or inter-token"),
    "cache-metrics": (("kv_cache",), "KV-cache"),
}


def _metric(item: str, r: Run) -> dict[str, Any]:
    wanted, label = METRIC_ITEMS[item]
    metrics = r.part("metrics")
    groups = metrics.get("groups") or {}
    if not r.is_ready:
        return decision("failed", r.not_ready)
    if metrics.get("error"):
        return decision("failed", metrics["error"])
    if any(groups.get(g) is None for g in wanted):
        return decision("skipped", f"no {label} metric names known for engine {r.part('target').get('engine')}; /metrics has {metrics.get('names')} names")
    missing = [g for g in wanted if not groups.get(g)]
    if missing:
        return decision("failed", f"/metrics exports no {', '.join(missing)} metric")
    ttft, itl = r.part("load").get("ttft_ms") or {}, r.part("load").get("itl_ms") or {}
    measured = f"measured TTFT p50 {ttft.get('p50')} ms, inter-token p50 {itl.get('p50')} ms" if ttft and item == "latency-decomposition" else ""
    return decision("passed", "exports " + ", ".join(n for g in wanted for n in groups[g]), measured)


def _no_gpu(r: Run) -> dict[str, Any] | None:
    """The decision of a GPU item when the target asks for none or none can be seen, else None."""
    gpus, gpu = r.part("target").get("gpus") or 0, r.part("gpu")
    if not gpus:
        return decision("skipped", "the target asks for no GPU: nothing to prove about GPUs")
    if not gpu.get("available"):
        return decision("failed", f"the target asks for {gpus} GPU(s) but {gpu.get('reason')}")
    return None


def _devices(r: Run) -> tuple[list[dict[str, Any]], str]:
    devices = r.part("gpu").get("devices") or []
    return devices, ", ".join(sorted({d["name"] for d in devices}))


def _gpu_drivers(r: Run) -> dict[str, Any]:
    if (none := _no_gpu(r)) is not None:
        return none
    devices, names = _devices(r)
    gpus = r.part("target").get("gpus") or 0  # some: _no_gpu decided a target asking for none
    if len(devices) < gpus:
        return decision("failed", f"the target asks for {gpus} GPU(s), NVML sees {len(devices)} ({names})")
    return decision("passed", f"driver {r.part('gpu').get('driver')}, {len(devices)} × {names}")


def _gpu_compat(r: Run) -> dict[str, Any]:
    if (none := _no_gpu(r)) is not None:
        return none
    devices, names = _devices(r)
    peak = sum(d["peak_memory_used_mib"] - d["memory_used_at_start_mib"] for d in devices)
    if r.is_ready and peak > 0:
        return decision("passed", f"served on {names}; peak GPU memory +{peak} MiB",
                        *(f"GPU {d['index']}: peak {d['peak_memory_used_mib']} of {d['memory_total_mib']} MiB, mean utilisation {d['mean_utilization_pct']} %" for d in devices))
    return decision("failed", r.not_ready if not r.is_ready else f"the engine served but allocated no GPU memory on {names}: it ran on the CPU")


# catalog item -> the function deciding it from one run
ITEMS: dict[str, Callable[[Run], dict[str, Any]]] = {
    "entrypoint-tested": _entrypoint,
    "storage-access-tested": _storage_access,
    "cold-start-measured": _cold_start,
    "storage-bandwidth": _storage_bandwidth,
    "warmup-documented": _warmup,
    "load-tested": _load_tested,
    "batch-scheduling-validated": _batching,
    **{item: partial(_metric, item) for item in METRIC_ITEMS},
    "gpu-drivers-working": _gpu_drivers,
    "gpu-compat-tested": _gpu_compat,
}


def items(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Catalog item id -> {status, why, evidence}; status passed, failed or skipped."""
    run = Run(result)
    out = {item: decide(run) for item, decide in ITEMS.items()}
    crash = result.get("crash")
    if crash:  # a server that dies under the smoke run is not ready, whatever it answered before
        why = f"exited with code {crash['exit_code']} during {crash['during']}"
        out["entrypoint-tested"] = decision("failed", why, *crash.get("log_tail", [])[-3:])
        out["load-tested"] = decision("failed", why)
    return out
