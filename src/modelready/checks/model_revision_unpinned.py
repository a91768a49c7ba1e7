"""
## What it does
Requires a revision (a commit or tag) for a model pulled from the Hugging Face Hub by name.

## Why it matters
A Hub repository is mutable: weights, tokenizer and chat template can change under the same name.
Without `--revision`, two replicas started a day apart may serve different models, and an incident
cannot be reproduced. Models from a volume, S3 or GCS are versioned by their path and are not
checked here.

## Example
```yaml
args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]
```

## Instead
```yaml
args: ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--revision", "0e9e39f249a16976918f6564b8830bc894c89659"]
```

## References
- Hugging Face Hub revisions: https://huggingface.co/docs/huggingface_hub/guides/download#from-specific-version
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare


@declare("model-revision-unpinned", "warning", ["model-artifacts-versioned"],
         "the model revision is pinned", "the model is pulled from the Hub without a pinned revision",
         doc=__doc__, applies=lambda d: d.model.scheme == "hf" and d.model.id is not None and "$" not in d.model.id and "{" not in d.model.id)
def check(d: Deployment) -> Iterator[Hit]:
    if not d.model.revision and "@" not in (d.model.uri or ""):
        yield Hit(f"model {d.model.id} is pulled from the Hub at its current revision; pin --revision", d.model.loc or d.loc)


CHECKS = [check]
