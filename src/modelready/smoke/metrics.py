"""Scrape the engine's /metrics once the load has run, and tell which expected metric groups it exports.

Parsing is prometheus_client's own exposition-format parser; the expected names per engine are data
(`smoke_metrics` in data/engines.yaml)."""

from __future__ import annotations

from ..data import engines
from .client import Client

GROUPS = ("latency", "tokens", "errors", "ttft", "itl", "kv_cache")


def scrape(client: Client, path: str | None, engine: str) -> dict:
    expected = engines().get(engine, {}).get("smoke_metrics") or {}
    out = {"path": path, "status": None, "names": 0, "groups": {}, "expected_known": bool(expected), "error": None}
    if not path:
        out["error"] = f"{engine} has no known metrics path"
        return out
    status, body = client.get(path, timeout=10)
    out["status"] = status
    if status != 200:
        out["error"] = f"GET {path} answered {status}" if status else f"GET {path}: no answer"
        return out
    from prometheus_client.parser import text_string_to_metric_families

    names: set[str] = set()
    try:
        for family in text_string_to_metric_families(body.decode("utf-8", "replace")):
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
