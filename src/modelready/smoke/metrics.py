"""Scrape the engine's /metrics once the load has run, and tell which expected metric groups it exports.

Parsing is prometheus_client's own exposition-format parser; the expected names per engine are data
(`smoke_metrics` in data/engines.yaml)."""

from __future__ import annotations

from typing import Any, Callable

from ..data import engines
from .client import Client

GROUPS = ("latency", "tokens", "errors", "ttft", "itl", "kv_cache", "running")


def _families(body: bytes) -> Any:  # prometheus_client metric families
    from prometheus_client.parser import text_string_to_metric_families

    return text_string_to_metric_families(body.decode("utf-8", "replace"))


def running_sampler(client: Client, path: str | None, engine: str, interval_s: float = 1.0) -> Callable[[], float | None]:
    """While the load runs: the largest batch the engine itself reports running (its `running` gauge),
    so batching is shown by the server, not inferred from the client. A thread; call the result to stop
    it and get the peak (None when the engine exports no such gauge)."""
    import threading

    names = set(engines().get(engine, {}).get("smoke_metrics", {}).get("running") or [])
    peak: list[float] = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval_s):
            status, body = client.get(path or "", timeout=2)  # runs only with a path
            if status != 200:
                continue
            try:
                values = [s.value for f in _families(body) for s in f.samples if s.name in names]
            except ValueError:
                continue
            if values:
                peak.append(sum(values))  # one series per model / engine: the batch is their sum

    if not names or not path:
        return lambda: None
    thread = threading.Thread(target=loop, daemon=True, name="smoke-running")
    thread.start()

    def finish() -> float | None:
        stop.set()
        thread.join()
        return max(peak) if peak else None

    return finish


def scrape(client: Client, path: str | None, engine: str) -> dict[str, Any]:
    expected = engines().get(engine, {}).get("smoke_metrics") or {}
    out: dict[str, Any] = {"path": path, "status": None, "names": 0, "groups": {}, "expected_known": bool(expected), "error": None}
    if not path:
        out["error"] = f"{engine} has no known metrics path"
        return out
    status, body = client.get(path, timeout=10)
    out["status"] = status
    if status != 200:
        out["error"] = f"GET {path} answered {status}" if status else f"GET {path}: no answer"
        return out
    names: set[str] = set()
    try:
        for family in _families(body):
            names.add(family.name)  # counters lose `_total` here; their samples keep it
            names.update(s.name for s in family.samples)
    except ValueError as e:
        out["error"] = f"{path} is not Prometheus text: {e}"
        return out
    out["names"] = len(names)
    for group in GROUPS:
        wanted = expected.get(group)
        out["groups"][group] = sorted(n for n in wanted if n in names) if wanted else None  # None: no name known
    return out
