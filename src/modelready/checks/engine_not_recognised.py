"""
## What it does
Reports a workload that takes GPUs but runs no serving engine modelready recognises (vLLM, TGI,
SGLang, Triton, Ollama, NIM), from the image name or the command.

## Why it matters
Engine-aware checks (flags, probes, ports, metrics) cannot run on an unrecognised server, so the
deployment gets only generic Kubernetes checks. A custom server is a choice to state, not a default.

## Example
```yaml
image: registry.example.com/team/my-server:1.2
resources: {limits: {nvidia.com/gpu: 1}}
```

## Instead
```yaml
image: vllm/vllm-openai:v0.10.2
args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]
```

## References
- vLLM: https://docs.vllm.ai/
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare


@declare("engine-not-recognised", "info", ["runtime-chosen"],
         "a known serving engine runs the model", "the GPU workload runs no recognised serving engine",
         doc=__doc__, applies=lambda d: d.gpus_per_group() > 0 and not d.partial)
def check(d: Deployment) -> Iterator[Hit]:
    if d.engine is None:
        c = d.engine_container
        yield Hit(f"container {c.name if c else '?'} ({c.image.ref if c and c.image else 'no image'}) takes GPUs but runs no recognised engine", c.loc if c else d.loc)


CHECKS = [check]
