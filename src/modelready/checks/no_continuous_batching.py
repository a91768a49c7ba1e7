"""
## What it does
Reports a serving engine that does not batch requests continuously (iteration-level scheduling):
vLLM, TGI, SGLang and NIM do; Ollama and a plain Triton model repository do not by default.

## Why it matters
Static batching waits for a whole batch to finish before admitting new requests; under concurrent
LLM traffic, throughput per GPU drops several-fold and tail latency grows with the longest answer.

## Example
```yaml
image: ollama/ollama:0.3.12
```

## Instead
```yaml
image: vllm/vllm-openai:v0.10.2
```

## References
- Continuous batching (Orca, OSDI '22): https://www.usenix.org/conference/osdi22/presentation/yu
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare, given

@declare("no-continuous-batching", "info", ["continuous-batching"],
         "the engine batches continuously", "the engine does not batch continuously",
         doc=__doc__, applies=lambda d: d.engine is not None)
def check(d: Deployment) -> Iterator[Hit]:
    e, c = given(d.engine), d.engine_container
    if c is None:
        return
    if not e.capability("continuous_batching"):
        yield Hit(f"{e.name} does not schedule LLM requests with continuous batching by default", c.loc)


CHECKS = [check]
