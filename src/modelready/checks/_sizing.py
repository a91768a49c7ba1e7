"""Load-time estimate from the resolved model: its weight bytes, read at a stated rate. Stated, not hidden, in messages."""

from __future__ import annotations

from typing import Any

from ..normalize.architecture import ModelArch
from ..normalize.model import Deployment, Engine, ResolvedModel
from ._fit import GIB, engine_dtype, serving_quant

LOAD_GIB_PER_S = 1.0  # per pod, from a local or network volume; hub downloads are slower
ENGINE_START_S = 60  # process start, CUDA graphs and warm-up on top of reading weights


def load_seconds(d: Deployment) -> tuple[int, str]:
    """Estimated seconds from container start to ready, and how it was estimated. Worked out once for every
    deployment alike in what it reads: the model, the engine's dtype and quantization, the pods."""
    e, r = d.engine, d.resolved
    pods = max(1, sum(p.count for p in d.pods))
    quant = e.setting("quantization") if e is not None else None
    arch = r.arch if r is not None else None
    model = (r.name, r.source, r.params_b, r.name_quant, r.notes) if r is not None else None  # what it reads of the model but its shape
    key = (id(arch), model, engine_dtype(e), str(quant.value).lower() if quant is not None else None, pods)
    held = _LOADS.get(key)
    if held is None or held[0] is not arch:
        if len(_LOADS) > 10_000:
            _LOADS.clear()
        held = _LOADS[key] = (arch, _load_seconds(e, r, pods))
    return held[1]


_LOADS: dict[tuple[Any, ...], tuple[ModelArch | None, tuple[int, str]]] = {}  # the shape (held: its id stays its own) and the estimate


def _load_seconds(e: Engine | None, r: ResolvedModel | None, pods: int) -> tuple[int, str]:
    if r is not None and r.arch is not None:
        gib = r.arch.weight_bytes(engine_dtype(e), serving_quant(e, r)) / GIB
        what = f"~{gib:.0f} GiB of weights for {r.label}"
    elif r is not None and r.params_b:
        quant = serving_quant(e, r)
        gib = r.params_b * 1e9 * (quant.bits_per_weight / 8 if quant else 2) / GIB
        what = f"~{gib:.0f} GiB of weights for {r.params_b:g}B parameters ({r.source})"
    else:
        return ENGINE_START_S, f"model size unknown; the engine alone takes about {ENGINE_START_S} s to start"
    secs = int(ENGINE_START_S + gib / pods / LOAD_GIB_PER_S)
    return secs, f"{what} over {pods} pod(s) at {LOAD_GIB_PER_S:g} GiB/s + {ENGINE_START_S} s start"
