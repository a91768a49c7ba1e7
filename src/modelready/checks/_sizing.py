"""Rough model sizes from what a manifest says, for load-time estimates. Stated, not hidden, in messages."""

from __future__ import annotations

import re

from ..normalize.model import Deployment
from ._memory import DTYPE_BYTES, QUANT_BYTES, weight_bytes_per_param

_PARAMS = re.compile(r"(?:(\d+)x)?(\d+(?:\.\d+)?)\s*[bB](?![a-zA-Z])")
# Quantization a model's name may announce ("...-AWQ", "...-FP8", "...-int4"): the memory tables' own keys.
_NAME_HINTS = sorted([*QUANT_BYTES, *(k for k in DTYPE_BYTES if k.startswith(("int", "fp8")))], key=len, reverse=True)
LOAD_GIB_PER_S = 1.0  # per pod, from a local or network volume; hub downloads are slower
ENGINE_START_S = 60  # process start, CUDA graphs and warm-up on top of reading weights


def params_billions(model_id: str | None) -> float | None:
    """'meta-llama/Llama-3.1-70B-Instruct' -> 70; 'Mixtral-8x7B' -> 56; None when the name does not say."""
    if not model_id:
        return None
    name = model_id.rsplit("/", 1)[-1]
    matches = list(_PARAMS.finditer(name))
    if not matches:
        return None
    m = matches[-1]  # the last size in the name: "Mixtral-8x7B-v0.1", "Llama-3.1-70B-Instruct"
    experts = int(m.group(1)) if m.group(1) else 1
    return experts * float(m.group(2))


def bytes_per_param(quantization: str | None, dtype: str | None, model_id: str | None) -> float:
    """As the memory check counts it, with the quantization read from the model's name when no flag says."""
    if not quantization:
        name = str(model_id or "").lower()
        quantization = next((hint for hint in _NAME_HINTS if hint in name), None)
    return weight_bytes_per_param(quantization, dtype) if quantization in QUANT_BYTES else (
        DTYPE_BYTES[quantization] if quantization in DTYPE_BYTES else weight_bytes_per_param(None, dtype))


def load_seconds(d: Deployment) -> tuple[int, str]:
    """Estimated seconds from container start to ready, and how it was estimated."""
    e = d.engine
    model = d.model.id
    b = params_billions(model)
    if b is None:
        return ENGINE_START_S, f"model size unknown; the engine alone takes about {ENGINE_START_S} s to start"
    quant_v, dtype_v = (e.setting("quantization"), e.setting("dtype")) if e else (None, None)
    quant = str(quant_v.value) if quant_v else None
    dtype = str(dtype_v.value) if dtype_v else None
    gib = b * 1e9 * bytes_per_param(quant, dtype, model) / 2**30
    pods = max(1, sum(p.count for p in d.pods))
    secs = int(ENGINE_START_S + gib / pods / LOAD_GIB_PER_S)
    return secs, f"~{gib:.0f} GiB of weights for {b:g}B parameters over {pods} pod(s) at {LOAD_GIB_PER_S:g} GiB/s + {ENGINE_START_S} s start"
