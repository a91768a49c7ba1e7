"""
## What it does
Warns when the serving engine runs from an archived or no longer maintained project's own image, and
names its successor: Hugging Face TGI (archived 2026-03-21 after maintenance mode from 2025-12-11; final release 3.3.7) and
TorchServe (limited maintenance).

## Why it matters
An archived engine gets no new model architectures, no security fixes and no performance work: a
deployment on it is frozen at its last release. Planning the move while it still works is cheaper
than doing it when the next model will not load.

## Example
```yaml
image: ghcr.io/huggingface/text-generation-inference:3.3.7
args: ["--model-id", "meta-llama/Llama-3.1-8B-Instruct"]
```

## Instead
```yaml
image: vllm/vllm-openai:v0.10.2
args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]
```

## References
- TGI README (maintenance mode, archived): https://github.com/huggingface/text-generation-inference
- TorchServe README (limited maintenance): https://github.com/pytorch/serve
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare, given


@declare("engine-archived", "warning", ["runtime-chosen"],
         "the serving engine is maintained", "the serving engine is archived or no longer maintained",
         doc=__doc__, applies=lambda d: d.engine is not None and d.engine.known)
def check(d: Deployment) -> Iterator[Hit]:
    e, c = given(d.engine), d.engine_container
    facts = e.capability("archived")
    image = c.image.ref.lower() if c is not None and c.image is not None else ""
    if isinstance(facts, dict) and any(p in image for p in facts["images"]):  # the project's own images, not a fork's
        where = e.version_loc or (c.image.loc if c is not None and c.image is not None else d.loc)
        yield Hit(f"{e.capability('release_name', e.name)} is {facts['status']}: no new models or fixes; move to {facts['successor']}", where)


CHECKS = [check]
