"""
## What it does
Requires the engine's command line to name the model to serve (vLLM `--model` or the positional of
`vllm serve`, SGLang `--model-path`, TGI `--model-id` / `MODEL_ID`).

A KServe `ServingRuntime` is exempt: the InferenceService that selects it names the model (KServe
mounts its `storageUri` at `/mnt/models`).

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

from .. import data
from ..normalize.model import Deployment, Engine
from . import Hit, declare, given, has_engine_args


@declare("model-unset", "error", ["model-uri-defined"],
         "the model to serve is named", "no model is named: the engine serves its default",
         doc=__doc__, applies=lambda d: d.engine is not None and has_engine_args(d) and d.engine.capability("llm_args"))
def check(d: Deployment) -> Iterator[Hit]:
    e, c = given(d.engine), d.engine_container
    if c is None or d.template_only:
        return  # a ServingRuntime serves whatever model the InferenceService that selects it names
    if d.model.id is None and d.model.uri is None:
        yield Hit(f"{e.name} is started without a model and serves its built-in default{_default(e)}", c.loc_of_arg("args", 0) if c.args else c.loc)


def _default(e: Engine) -> str:
    """The pinned release's own default model (the engine row's default_model), when the release is known."""
    key = data.version_key(e.version) if e.version else None
    table: dict[str, str] = e.capability("default_model") or {}
    since = [v for v in table if key is not None and (data.version_key(v) or (0, 0, 0)) <= key]
    if not since:
        return ""
    return f" ({table[max(since, key=lambda v: data.version_key(v) or (0, 0, 0))]} in {e.capability('release_name', e.name)} {e.version})"


CHECKS = [check]
