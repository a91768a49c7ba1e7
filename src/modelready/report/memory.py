"""The memory figures of one deployment (the report's `memory` object) as lines a person reads: the text output
shows them with `--memory`, the PR comment folds them under the deployment. Works on the report document only."""

from __future__ import annotations

from typing import Any

GIB = 2**30
VERDICT = {"fits": "fits", "tight": "tight", "does-not-fit": "does not fit"}


def lines(mem: dict[str, Any]) -> list[str]:
    """Plain lines (the caller escapes them for its format)."""
    def g(b: int) -> str:
        return f"{b / GIB:.2f} GiB"

    lo, hi = mem["kv_gib_range"]
    tlo, thi = mem["kv_tokens_range"]
    out = [f"verdict: {VERDICT.get(mem['verdict'], mem['verdict'])} ({mem['verdict_reason']})",
           f"per {mem['gpu']} (TP {mem['tensor_parallel']}" + (f" × PP {mem['pipeline_parallel']}" if mem["pipeline_parallel"] > 1 else "")
           + f"), {mem['release']}: usable {g(mem['usable_bytes_per_gpu'])}, budget {g(mem['budget_bytes_per_gpu'])} at {mem['utilization_source']}",
           f"weights {g(mem['weights_bytes_per_gpu'])} per GPU; KV cache {mem['kv_bytes_per_token'] / 1024:.0f} KiB per token, "
           f"block {mem['block_size']}",
           *(f"overhead {t['term']}: {g(t['low_bytes'])}–{g(t['high_bytes'])} ({t['source']})" for t in mem["overhead"]),
           f"KV cache {mem['kv_gib']:.2f} GiB ({lo:.2f}–{hi:.2f}): {mem['kv_tokens']} tokens ({tlo}–{thi})",
           f"context {mem['max_model_len']} ({mem['max_model_len_source']}); the longest --max-model-len that fits: {mem['longest_max_model_len']}",
           f"concurrency {mem['concurrency']:g} requests of {mem['request_tokens']} tokens ({mem['request_tokens_source']})"]
    if mem.get("gpu_source"):
        out.append(f"GPU from {mem['gpu_source']}")
    return out
