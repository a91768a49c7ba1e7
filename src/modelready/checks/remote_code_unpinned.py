"""
## What it does
Requires a pinned revision when the engine runs with `--trust-remote-code`.

## Why it matters
`--trust-remote-code` executes Python from the model repository at start-up. Without `--revision`
(and `--code-revision`), whoever can push to that repository runs code in your GPU pod, with its
service account and secrets, on the next restart.

## Example
```yaml
args: ["--model", "microsoft/Phi-3-mini-128k-instruct", "--trust-remote-code"]
```

## Instead
```yaml
args: ["--model", "microsoft/Phi-3-mini-128k-instruct", "--trust-remote-code", "--revision", "<commit sha>"]
```

## References
- Hugging Face remote code: https://huggingface.co/docs/transformers/custom_models
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare, given


@declare("remote-code-unpinned", "warning", ["model-artifacts-versioned", "secrets-handled"],
         "remote code, if trusted, is pinned to a revision", "remote model code runs from an unpinned revision",
         doc=__doc__, applies=lambda d: d.engine is not None and d.engine.setting("trust_remote_code") is not None)
def check(d: Deployment) -> Iterator[Hit]:
    e = given(d.engine)
    trust = given(e.setting("trust_remote_code"))
    if str(trust.value).lower() in ("false", "0"):
        return
    if e.setting("revision") is None and e.setting("code_revision") is None and d.model.scheme == "hf":
        yield Hit(f"--trust-remote-code runs code from {d.model.id} at whatever revision is current; pin --revision", trust.loc)


CHECKS = [check]
