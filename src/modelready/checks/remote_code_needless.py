"""
## What it does
Finds `--trust-remote-code` (or `TRUST_REMOTE_CODE`, or `trust_remote_code: true` in engine kwargs) on a
model whose architecture transformers supports natively: its config.json names a model type of the
transformers release the table was read from and maps no class to the repository's own code
(`auto_map`). Where config.json has an `auto_map`, the flag is needed and says which code it runs.

## Why it matters
Trusting remote code lets the model repository run Python in the serving pod at load time. For a
natively supported model it buys nothing and leaves the door open: a later commit to the repository, or
a swapped model name, runs with the pod's credentials.

## Example
```yaml
args: ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--trust-remote-code"]
```

## Instead
```yaml
args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]
```

## References
- transformers, custom models and trust_remote_code: https://huggingface.co/docs/transformers/custom_models
- vLLM engine arguments: https://docs.vllm.ai/en/latest/configuration/engine_args.html
"""

from __future__ import annotations

from typing import Iterator

from .. import data
from ..normalize.model import Deployment
from . import Hit, declare, given


def _trusted(d: Deployment) -> bool:
    v = d.engine.setting("trust_remote_code") if d.engine is not None else None
    return v is not None and str(v.value).lower() not in ("false", "0", "no")


@declare("remote-code-needless", "warning", ["model-artifacts-versioned"],
         "remote code is trusted only where the model needs it", "remote code is trusted for a model transformers supports natively",
         doc=__doc__, applies=lambda d: d.engine is not None and d.engine.setting("trust_remote_code") is not None)
def check(d: Deployment) -> Iterator[Hit]:
    r = d.resolved
    if not _trusted(d) or r is None or r.arch is None or r.kind not in ("repo", "hub"):
        return  # only a real config.json tells auto_map; a bundled table entry does not keep it
    arch, native = r.arch, data.transformers_native()
    if arch.auto_map or arch.model_type not in native["model_types"]:
        return
    where = given(given(d.engine).setting("trust_remote_code")).loc
    yield Hit(f"{r.name} is model type {arch.model_type}, native in transformers {native['version']}, and its config.json maps no "
              f"class to remote code (no auto_map): trusting remote code is needless; drop it", where)


CHECKS = [check]
