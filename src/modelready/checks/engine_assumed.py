"""
## What it does
Says what modelready assumed to recognise the serving engine, and what it could not read: a custom
image taken for a vLLM, SGLang or TGI build from its name, an operator that starts its default engine
(a KAITO preset, an llmaz BackendRuntime), or a wrapper command whose engine arguments are not in the
files.

## Why it matters
Engine checks judge flags against the engine's real release. When the engine is an assumption, so is
every engine finding on the deployment; when the arguments are passed by a wrapper, a missing flag
proves nothing. Saying so keeps a pass honest: the reviewer knows which facts to confirm.

## Example
```yaml
image: opea/vllm:latest          # a vLLM build under another name
command: ["/opt/start.sh"]       # passes its own arguments to the engine
```

## Instead
```yaml
image: vllm/vllm-openai:v0.10.2  # the official image, its release in the tag
args: ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--max-model-len", "8192"]
```

## References
- vLLM Docker images: https://docs.vllm.ai/en/latest/deployment/docker.html
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare, given


@declare("engine-assumed", "warning", ["runtime-chosen"],
         "the serving engine is recognised from an official image or its own entrypoint",
         "the serving engine is an assumption, or its arguments are not in the files",
         doc=__doc__, applies=lambda d: d.engine is not None)
def check(d: Deployment) -> Iterator[Hit]:
    e, c = given(d.engine), d.engine_container
    if not (e.assumed or e.unparsed):
        return
    said = "; ".join(x for x in (e.assumed, e.unparsed) if x)
    yield Hit(f"{e.name}: {said}; engine findings here rest on that", c.loc if c is not None else d.loc)


CHECKS = [check]
