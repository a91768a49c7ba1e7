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

from .. import data
from . import Hit, declare, has_engine_args


@declare("model-unset", "error", ["model-uri-defined"],
         "the model to serve is named", "no model is named: the engine serves its default",
         doc=__doc__, applies=lambda d: has_engine_args(d) and d.engine.name in ("vllm", "sglang", "tgi"))
def check(d):
    if d.runtime_template:
        return  # a ServingRuntime serves whatever model the InferenceService that selects it names
    if d.model.id is None and d.model.uri is None:
        c = d.engine_container
        yield Hit(f"{d.engine.name} is started without a model and serves its built-in default{_default(d.engine)}", c.loc_of_arg("args", 0) if c.args else c.loc)


def _default(e) -> str:
    """The pinned release's own default model (vLLM EngineArgs.model), when the release is known."""
    key = data.version_key(e.version) if e.name == "vllm" and e.version else None
    if key is None:
        return ""
    return f" ({'facebook/opt-125m' if key < (0, 10, 0) else 'Qwen/Qwen3-0.6B'} in vLLM {e.version})"


CHECKS = [check]
