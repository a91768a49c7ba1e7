"""
## What it does
For vLLM served on CPUs (no GPU resource; the CPU image or `VLLM_CPU_KVCACHE_SPACE` set), adds the KV
cache space `VLLM_CPU_KVCACHE_SPACE` reserves (GiB, allocated at start) to the model's weights (from
its config.json or a bundled table entry confirmed from one; left out when the model is not known
that well) and compares the sum with the container's memory limit.

## Why it matters
The CPU backend allocates its whole KV cache at start-up in host memory: a limit below weights plus
that space has the container OOM-killed before it serves, and restarted in a loop.

## Example
```yaml
env: [{name: VLLM_CPU_KVCACHE_SPACE, value: "16"}]
resources: {limits: {memory: 8Gi}}
```

## Instead
```yaml
env: [{name: VLLM_CPU_KVCACHE_SPACE, value: "4"}]
resources: {limits: {memory: 8Gi}}
```

## References
- vLLM on CPU, `VLLM_CPU_KVCACHE_SPACE`: https://docs.vllm.ai/en/latest/getting_started/installation/cpu.html
"""

from __future__ import annotations

import re
from typing import Iterator

from ..normalize.model import Container, Deployment, Engine, EnvVar
from . import Hit, declare, given
from ._fit import GIB, engine_dtype, serving_quant

_QUANTITY = re.compile(r"^([0-9.]+)(Ki|Mi|Gi|Ti|k|K|M|G|T)?$")
_UNITS = {None: 1, "k": 1000, "K": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def quantity_bytes(text: str) -> int | None:
    """A Kubernetes memory quantity ("10Gi", "8G") in bytes."""
    m = _QUANTITY.match(text.strip())
    return int(float(m.group(1)) * _UNITS[m.group(2)]) if m else None


def _space(d: Deployment) -> tuple[Engine, Container, str, EnvVar] | None:
    """The engine, its container with no GPU and a memory limit, and the KV space variable the engine reads on CPUs, when set."""
    c, e = d.engine_container, d.engine
    if e is None or c is None or c.gpu() is not None or "memory" not in c.limits:
        return None
    name = e.capability("cpu_kv_space_env")
    space = c.env_map().get(name) if name else None
    return (e, c, str(name), space) if space is not None and space.value is not None else None


@declare("cpu-kv-space-exceeds-memory", "error", ["cpu-memory-allocated"],
         "the CPU KV cache space and the weights fit the memory limit", "the CPU KV cache space and the weights exceed the memory limit",
         doc=__doc__, applies=lambda d: _space(d) is not None)
def check(d: Deployment) -> Iterator[Hit]:
    e, c, name, space = given(_space(d))
    r = d.resolved
    try:
        kv = float(str(space.value))
    except ValueError:
        return
    limit = quantity_bytes(str(c.limits["memory"].value))
    if not limit:
        return
    weights, model = 0.0, "the model's weights not counted (its size is not known from a config.json)"
    if r is not None and r.arch is not None and r.certain:
        weights = r.arch.weight_bytes(engine_dtype(e), serving_quant(e, r)) / GIB
        model = f"{weights:.1f} GiB of weights for {r.label}"
    if kv + weights > limit / GIB:
        yield Hit(f"{name}={space.value} reserves {kv:g} GiB of KV cache at start, with {model}, more than the memory limit "
                  f"{c.limits['memory'].value} ({limit / GIB:.1f} GiB): the container is OOM-killed before it serves", space.loc)


CHECKS = [check]
