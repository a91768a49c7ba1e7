"""
## What it does
Finds an operator CR that claims one model while its pods' engine starts another: an llmaz `Playground`
or `Service` whose `modelClaim` names an OpenModel (`source.modelHub.modelID`, which llmaz's model
loader fetches into the pod) while the engine's own arguments name a different model (`--model`,
`--model-path`). Where both names state a size, the message says both.

## Why it matters
The operator downloads, routes and sizes the GPUs for the claimed model, and the engine serves the other
one: a 405B claim running an 8B path pays for the 405B download and flavors and answers as the 8B, and
a path that the loader never filled does not start at all.

## Example
```yaml
kind: Service            # inference.llmaz.io
spec:
  modelClaims: {models: [{name: llama3-405b-instruct}]}   # OpenModel: meta-llama/Llama-3.1-405B
  workloadTemplate: ... command: [python3, -m, sglang.launch_server, --model-path, /workspace/models/models--meta-llama--Meta-Llama-3.1-8B-Instruct]
```

## Instead
```yaml
command: [python3, -m, sglang.launch_server, --model-path, /workspace/models/models--meta-llama--Llama-3.1-405B]
```

## References
- llmaz OpenModel and Playground: https://github.com/InftyAI/llmaz/tree/main/docs/examples
"""

from __future__ import annotations

import re
from typing import Iterator

from ..normalize.model import Deployment
from ..normalize.resolve import params_from_name
from . import Hit, declare, given


def model_name(text: str) -> str:
    """The model a name or path stands for: a Hub cache folder (`models--org--name`) as org/name, else the last part."""
    last = text.rstrip("/").rsplit("/", 1)[-1]
    cache = re.fullmatch(r"models--([^/]+?)--(.+)", last)
    return (f"{cache.group(1)}/{cache.group(2)}" if cache else last).lower()


def _same(a: str, b: str) -> bool:
    return model_name(a).rsplit("/", 1)[-1] == model_name(b).rsplit("/", 1)[-1]


def _applies(d: Deployment) -> bool:
    return d.claimed_model is not None and d.engine is not None and d.engine.setting("model") is not None


@declare("model-claim-mismatch", "warning", ["model-uri-defined"],
         "the engine serves the model the CR claims", "the engine serves another model than the one the CR claims",
         doc=__doc__, applies=_applies)
def check(d: Deployment) -> Iterator[Hit]:
    claimed, started = given(d.claimed_model), given(given(d.engine).setting("model"))
    if _same(str(claimed.value), str(started.value)):
        return
    a, b = params_from_name(model_name(str(claimed.value))), params_from_name(model_name(str(started.value)))
    sizes = f" (by their names, {a:g}B claimed and {b:g}B served)" if a and b and a != b else ""
    yield Hit(f"{d.kind} {d.name} claims {claimed.value} but its engine starts {started.value}{sizes}: the operator loads and "
              "sizes for the claimed model while the engine serves the other", started.loc)


CHECKS = [check]
