"""
## What it does
Checks the value of choice flags (`--dtype`, `--quantization`, `--kv-cache-dtype`, `--load-format`)
against the choices of the pinned vLLM release, and `--gpu-memory-utilization` against (0, 1].

## Why it matters
argparse rejects an invalid choice at start-up; a memory fraction above 1 or at 0 makes the engine
fail its memory profiling. Both only show on a GPU node, after the image pull and the model download.

## Example
```yaml
args: ["--model", "mistralai/Mistral-7B-v0.3", "--dtype", "bf16", "--gpu-memory-utilization", "90"]
```

## Instead
```yaml
args: ["--model", "mistralai/Mistral-7B-v0.3", "--dtype", "bfloat16", "--gpu-memory-utilization", "0.90"]
```

## References
- vLLM engine arguments: https://docs.vllm.ai/en/latest/configuration/engine_args.html
"""

from __future__ import annotations

from typing import Any, Iterator

from .. import data
from ..normalize.model import Deployment
from . import Hit, declare, has_vllm_flags


@declare("engine-flag-value-invalid", "error", ["engine-args-valid", "precision-explicit"],
         "engine flag values are valid choices", "an engine flag has a value the engine rejects",
         doc=__doc__, applies=has_vllm_flags)
def check(d: Deployment) -> Iterator[Hit]:
    e = d.engine
    if e is None:
        return
    release = e.release
    versions = data.vllm_flags()["versions"]
    for flag, val in e.flags.items():
        if val.value is True or "$" in str(val.value) or "{" in str(val.value):
            continue
        if flag == "--gpu-memory-utilization":
            try:
                frac = float(str(val.value))
            except ValueError:
                yield Hit(f"--gpu-memory-utilization {val.value!r} is not a number", val.loc)
                continue
            if not 0 < frac <= 1:
                yield Hit(f"--gpu-memory-utilization {frac} is outside (0, 1]: it is a fraction of GPU memory", val.loc)
            continue
        choices = _choices(versions, release, flag)
        if choices and str(val.value) not in choices:
            yield Hit(f"{flag} {val.value} is not one of {', '.join(choices)} (vLLM {release or 'any release'})", val.loc)


def _choices(versions: dict[str, Any], release: str | None, flag: str) -> list[str] | None:
    """The flag's choices at the pinned release; any release's when it cannot be told."""
    if release:
        return [str(c) for c in versions[release]["choices"].get(flag) or [] if c is not None] or None
    if any(not v["choices"].get(flag) for v in versions.values()):
        return None  # a release that takes any value (--block-size from 0.20): unpinned, nothing is certain
    return sorted({str(c) for v in versions.values() for c in v["choices"].get(flag) or [] if c is not None}) or None


CHECKS = [check]
