"""
## What it does
Requires the engine's command line to name the model to serve (vLLM `--model` or the positional of
`vllm serve`, SGLang `--model-path`, TGI `--model-id` / `MODEL_ID`).

## Why it matters
vLLM falls back to a default model when none is given (`facebook/opt-125m` up to 0.9,
`Qwen/Qwen3-0.6B` since 0.10): the deployment starts, passes its probes and serves the wrong model.

## Example
```yaml
args: ["--dtype", "bfloat16", "--max-model-len", "8192"]
```

## Instead
```yaml
args: ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--dtype", "bfloat16", "--max-model-len", "8192"]
```

## References
- vLLM `vllm serve`: https://docs.vllm.ai/en/latest/cli/serve.html
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare, has_engine_args


@declare("model-unset", "error", ["model-uri-defined"],
         "the model to serve is named", "no model is named: the engine serves its default",
         doc=__doc__, applies=lambda d: d.engine is not None and has_engine_args(d) and d.engine.capability("llm_args"))
def check(d: Deployment) -> Iterator[Hit]:
    e, c = d.engine, d.engine_container
    if e is None or c is None:
        return
    if d.model.id is None and d.model.uri is None:
        yield Hit(f"{e.name} is started without a model and serves its built-in default", c.loc_of_arg("args", 0) if c.args else c.loc)


CHECKS = [check]
