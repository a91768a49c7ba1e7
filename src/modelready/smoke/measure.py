"""A short, bounded load: `concurrency` workers send streamed chat requests until `duration` is up.
It stops by itself: no request starts after the deadline and each has its own timeout."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from .client import Client, Reply


def percentiles(values: list[float], scale: float = 1000.0) -> dict[str, float] | None:
    """p50/p95/p99 by nearest rank (no interpolation: every figure is one that was measured), in ms."""
    if not values:
        return None
    ordered = sorted(values)

    def rank(p: int) -> float:
        index = -(-len(ordered) * p // 100) - 1  # ceil(n·p/100) - 1
        return round(ordered[max(0, min(len(ordered) - 1, index))] * scale, 2)

    return {"p50": rank(50), "p95": rank(95), "p99": rank(99), "max": round(ordered[-1] * scale, 2), "n": len(ordered)}


@dataclass
class Load:
    concurrency: int
    duration_s: float
    replies: list[Reply] = field(default_factory=list)
    max_in_flight: int = 0
    wall_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        ok = [r for r in self.replies if r.ok]
        errors = [r for r in self.replies if not r.ok]
        tokens = sum(r.output_tokens for r in ok)
        return {
            "concurrency": self.concurrency, "duration_s": self.duration_s, "wall_s": round(self.wall_s, 3),
            "requests": len(self.replies), "errors": len(errors),
            "error_rate": round(len(errors) / len(self.replies), 4) if self.replies else None,
            "error_classes": _classes(errors), "max_in_flight": self.max_in_flight, **_latencies(ok),
            "output_tokens": tokens,
            "output_tokens_per_s": round(tokens / self.wall_s, 2) if self.wall_s else None,
            "requests_per_s": round(len(ok) / self.wall_s, 3) if self.wall_s else None,
        }


def _classes(errors: list[Reply]) -> dict[str, int]:
    """Failed requests counted by what failed them (the error's first word: a status, a timeout)."""
    classes: dict[str, int] = {}
    for r in errors:
        key = r.error.split(":")[0] if r.error else "error"
        classes[key] = classes.get(key, 0) + 1
    return classes


def _latencies(ok: list[Reply]) -> dict[str, dict[str, float] | None]:
    return {"ttft_ms": percentiles([r.ttft_s for r in ok if r.ttft_s is not None]),
            "itl_ms": percentiles([gap for r in ok for gap in r.itl_s]),
            "latency_ms": percentiles([r.latency_s for r in ok if r.latency_s is not None])}


def run_load(client: Client, model: str, prompts: list[str], concurrency: int, duration_s: float, max_tokens: int,
             request_timeout: float, on_progress: Callable[[int, float], None] | None = None) -> Load:
    load = Load(concurrency, duration_s)
    lock = threading.Lock()
    in_flight = 0
    prompt_cycle = itertools.cycle(prompts)
    start = time.monotonic()
    deadline = start + duration_s

    def worker() -> None:
        nonlocal in_flight
        while time.monotonic() < deadline:
            with lock:
                prompt = next(prompt_cycle)
                in_flight += 1
                load.max_in_flight = max(load.max_in_flight, in_flight)
            reply = client.chat(model, prompt, max_tokens, request_timeout)
            with lock:
                in_flight -= 1
                load.replies.append(reply)
                if on_progress:
                    on_progress(len(load.replies), time.monotonic() - start)

    threads = [threading.Thread(target=worker, daemon=True, name=f"smoke-load-{i}") for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:  # bounded: the last request started before the deadline ends within its timeout
        t.join(max(0.0, deadline - time.monotonic()) + request_timeout + 1)
    load.wall_s = time.monotonic() - start
    return load
