"""From measurements to decisions: the catalog's smoke items and the ModelSpec's SLOs, each with why.

Works on the smoke-result document alone, so a result made on a GPU runner can be judged anywhere."""

from __future__ import annotations

# spec.slo.latency operation -> the measured distribution that answers it
LATENCY = {"ttft": "ttft_ms", "itl": "itl_ms", "e2e": "latency_ms", "request": "latency_ms"}
MAX_ERROR_RATE = 0.01


def slo_checks(result: dict, slo: dict | None) -> list[dict]:
    """One entry per SLO figure the spec states and the run measured: target, measured, ok."""
    load = result.get("load") or {}
    out = []
    for op, targets in ((slo or {}).get("latency") or {}).items():
        dist = load.get(LATENCY.get(op, "")) if op in LATENCY else None
        for key, target in (targets or {}).items():
            p = key.removesuffix("Ms")
            if dist and p in dist:
                out.append({"slo": f"latency.{op}.{key}", "target": target, "measured": dist[p], "unit": "ms", "ok": dist[p] <= target})
            else:
                out.append({"slo": f"latency.{op}.{key}", "target": target, "measured": None, "unit": "ms", "ok": None})
    through = (slo or {}).get("throughput") or {}
    for key, measured_key in (("tokensPerSecond", "output_tokens_per_s"), ("requestsPerSecond", "requests_per_s")):
        if key in through:
            m = load.get(measured_key)
            out.append({"slo": f"throughput.{key}", "target": through[key], "measured": m, "unit": "/s",
                        "ok": None if m is None else m >= through[key], "note": f"at concurrency {load.get('concurrency')}"})
    if (slo or {}).get("coldStartSeconds") is not None:
        cold = (result.get("ready") or {}).get("cold_start_s")
        t = slo["coldStartSeconds"]
        out.append({"slo": "coldStartSeconds", "target": t, "measured": cold, "unit": "s", "ok": None if cold is None else cold <= t})
    return out


def figures(result: dict) -> list[str]:
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


def items(result: dict) -> dict[str, dict]:
    """Catalog item id -> {status, why, evidence}; status passed, failed or skipped."""
    out: dict[str, dict] = {}
    target, ready, canary = result.get("target") or {}, result.get("ready") or {}, result.get("canary") or {}
    load, gpu, metrics = result.get("load"), result.get("gpu") or {}, result.get("metrics") or {}
    is_ready = bool(ready.get("ok"))
    cold = ready.get("cold_start_s")
    not_ready = f"never became ready: {ready.get('error') or 'not started'}"

    def put(item, status, why, *evidence):
        out[item] = {"status": status, "why": why, "evidence": [e for e in evidence if e]}

    answered = [p for p in canary.get("prompts", []) if p.get("ok")]
    if not is_ready:
        put("entrypoint-tested", "failed", not_ready, *ready.get("log_tail", [])[-3:])
    elif canary.get("prompts") and len(answered) == len(canary["prompts"]):
        put("entrypoint-tested", "passed", f"started and answered {len(answered)} canary prompt(s)", f"served model {canary.get('model')}")
    else:
        bad = [p for p in canary.get("prompts", []) if not p.get("ok")]
        put("entrypoint-tested", "failed", f"{len(bad)} of {len(canary.get('prompts', []))} canary prompt(s) unanswered: {bad[0].get('error') if bad else 'none sent'}")

    if is_ready:
        put("storage-access-tested", "passed", f"the engine read the model ({target.get('model') or 'from its args'}) and served it")
        budget = target.get("startup_budget_s")
        over = [s for s in result.get("slo", []) if s["slo"] == "coldStartSeconds" and s["ok"] is False]
        if over:
            put("cold-start-measured", "failed", f"cold start {cold:.1f} s is over the spec's {over[0]['target']} s")
        elif budget is not None and cold > budget:
            put("cold-start-measured", "failed", f"cold start {cold:.1f} s is over the {budget} s the probes allow: Kubernetes would restart it before it is ready")
        else:
            put("cold-start-measured", "passed", f"cold start {cold:.1f} s" + (f" (probes allow {budget} s)" if budget is not None else ""))
        size = target.get("model_bytes")
        put("storage-bandwidth", "passed", f"model loaded and ready in {cold:.1f} s" + (f", {size / 2**20 / cold:.1f} MiB/s over {size / 2**20:.1f} MiB" if size and cold else ""))
    else:
        for item in ("storage-access-tested", "cold-start-measured", "storage-bandwidth"):
            put(item, "failed", not_ready)

    summary = load or {}
    first = (canary.get("prompts") or [{}])[0].get("latency_ms")
    steady = (summary.get("latency_ms") or {}).get("p50")
    if first is not None and steady is not None:
        put("warmup-documented", "passed", f"first request {first:.0f} ms after ready; steady-state p50 {steady:.0f} ms")
    else:
        put("warmup-documented", "failed" if not is_ready or first is None else "skipped",
            not_ready if not is_ready else ("no canary answer to time" if first is None else "no load run to compare with"))

    if load is None:
        for item in ("batch-scheduling-validated", "load-tested"):
            put(item, "failed" if not is_ready else "skipped", not_ready if not is_ready else "no load run (load.duration 0)")
    else:
        rate = summary.get("error_rate")
        errs = f"{summary['errors']} of {summary['requests']} requests failed" + (f" ({', '.join(f'{k} ×{v}' for k, v in summary['error_classes'].items())})" if summary.get("error_classes") else "")
        if not summary["requests"]:
            put("load-tested", "failed", "the load sent no request")
        elif rate is not None and rate > MAX_ERROR_RATE:
            put("load-tested", "failed", errs)
        else:
            missed = [s for s in result.get("slo", []) if s["ok"] is False and s["slo"] != "coldStartSeconds"]
            lat = summary.get("latency_ms") or {}
            figures = (f"p50 {lat.get('p50')} ms, p95 {lat.get('p95')} ms, p99 {lat.get('p99')} ms; "
                       f"{summary.get('output_tokens_per_s')} tokens/s at concurrency {summary['concurrency']}")
            if missed:
                put("load-tested", "failed", "misses " + "; ".join(f"{s['slo']} {s['measured']} vs {s['target']}{s['unit']}" for s in missed), figures)
            else:
                put("load-tested", "passed", figures, *(f"{s['slo']}: {s['measured']} ≤ {s['target']}" for s in result.get("slo", []) if s["ok"]))
        engine_running = summary.get("engine_max_running")
        if summary["concurrency"] < 2:
            put("batch-scheduling-validated", "failed", "concurrency 1 never batches: set load.concurrency ≥ 2")
        elif engine_running is not None and engine_running < 2 <= summary.get("max_in_flight", 0):
            put("batch-scheduling-validated", "failed", f"{summary['max_in_flight']} requests in flight but the engine ran at most "
                f"{engine_running:g} at a time: requests queue instead of batching")
        elif summary.get("max_in_flight", 0) >= 2 and (rate or 0) <= MAX_ERROR_RATE:
            put("batch-scheduling-validated", "passed", f"{summary['max_in_flight']} requests in flight at once"
                + (f", the engine batched up to {engine_running:g}" if engine_running is not None else " (the engine reports no batch size)")
                + f"; {errs}")
        else:
            put("batch-scheduling-validated", "failed", f"at most {summary.get('max_in_flight', 0)} request(s) in flight; {errs}")

    ttft, itl = (summary.get("ttft_ms") or {}), (summary.get("itl_ms") or {})
    measured = f"measured TTFT p50 {ttft.get('p50')} ms, inter-token p50 {itl.get('p50')} ms" if ttft else ""
    groups = metrics.get("groups") or {}

    def metric_item(item, wanted, label):
        if not is_ready:
            return put(item, "failed", not_ready)
        if metrics.get("error"):
            return put(item, "failed", metrics["error"])
        if any(groups.get(g) is None for g in wanted):
            return put(item, "skipped", f"no {label} metric names known for engine {target.get('engine')}; /metrics has {metrics.get('names')} names")
        missing = [g for g in wanted if not groups.get(g)]
        if missing:
            return put(item, "failed", f"/metrics exports no {', '.join(missing)} metric")
        put(item, "passed", "exports " + ", ".join(n for g in wanted for n in groups[g]), measured if item == "latency-decomposition" else "")

    metric_item("metrics-exported", ("latency", "tokens"), "latency histogram or token counter")
    metric_item("error-metrics", ("errors",), "error-count")
    metric_item("latency-decomposition", ("ttft", "itl"), "TTFT or inter-token")
    metric_item("cache-metrics", ("kv_cache",), "KV-cache")

    gpus = target.get("gpus") or 0
    devices = gpu.get("devices") or []
    if not gpus:
        for item in ("gpu-drivers-working", "gpu-compat-tested"):
            put(item, "skipped", "the target asks for no GPU: nothing to prove about GPUs")
    elif not gpu.get("available"):
        for item in ("gpu-drivers-working", "gpu-compat-tested"):
            put(item, "failed", f"the target asks for {gpus} GPU(s) but {gpu.get('reason')}")
    else:
        names = ", ".join(sorted({d["name"] for d in devices}))
        if len(devices) < gpus:
            put("gpu-drivers-working", "failed", f"the target asks for {gpus} GPU(s), NVML sees {len(devices)} ({names})")
        else:
            put("gpu-drivers-working", "passed", f"driver {gpu.get('driver')}, {len(devices)} × {names}")
        peak = sum(d["peak_memory_used_mib"] - d["memory_used_at_start_mib"] for d in devices)
        if is_ready and peak > 0:
            put("gpu-compat-tested", "passed", f"served on {names}; peak GPU memory +{peak} MiB",
                *(f"GPU {d['index']}: peak {d['peak_memory_used_mib']} of {d['memory_total_mib']} MiB, mean utilisation {d['mean_utilization_pct']} %" for d in devices))
        else:
            put("gpu-compat-tested", "failed", not_ready if not is_ready else f"the engine served but allocated no GPU memory on {names}: it ran on the CPU")
    crash = result.get("crash")
    if crash:  # a server that dies under the smoke run is not ready, whatever it answered before
        why = f"exited with code {crash['exit_code']} during {crash['during']}"
        put("entrypoint-tested", "failed", why, *crash.get("log_tail", [])[-3:])
        put("load-tested", "failed", why)
    return out
