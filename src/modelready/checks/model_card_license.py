"""
## What it does
Requires a model card's YAML front matter to state `license` (and `license_name` when the license
is `other`).

## Why it matters
Model licenses restrict commercial use, user counts and redistribution (Llama, Gemma, many
fine-tunes). A card without a license key gives the reviewer nothing to approve; the Hub's own
metadata is the place the answer belongs.

## Example
```markdown
---
tags: [text-generation]
---
```

## Instead
```markdown
---
license: apache-2.0
tags: [text-generation]
---
```

## References
- Hugging Face model card metadata: https://huggingface.co/docs/hub/model-cards#model-card-metadata
"""

from __future__ import annotations

from typing import Iterator

from ..findings import Loc
from ..normalize.artifacts import Card
from . import Hit, declare


@declare("model-card-license-missing", "warning", ["model-license"],
         "the model card states its license", "the model card states no license",
         doc=__doc__, subject=Card, applies=lambda card: True)
def check(card: Card) -> Iterator[Hit]:
    if not card.has_metadata and card.license_in_text:
        return  # a repository's MODEL_CARD.md states it in its text ("**License:** ... Community License")
    if not card.has_metadata:
        yield Hit("model card has no YAML metadata block, so no license", Loc(card.file, 1))
    elif card.license is None:
        yield Hit("model card metadata has no license", card.metadata_loc)
    elif card.license == "other" and card.license_name is None and card.license_link is None:
        yield Hit("license is 'other' but neither license_name nor license_link says which", card.metadata_loc)


CHECKS = [check]
