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

import re

from ..findings import Loc
from . import Hit, declare


# a "License:" field or a "## License" section with words after it, in a card without YAML metadata
_PROSE_LICENSE = re.compile(r"^\s*(?:\*\*|__)?Licen[cs]e(?:\*\*|__)?\s*:?(?:\*\*|__)?\s*\S.{8,}|^#+\s*Licen[cs]e\s*$\n+\s*\S", re.I | re.M)


@declare("model-card-license-missing", "warning", ["model-license"],
         "the model card states its license", "the model card states no license",
         doc=__doc__, scope="modelcard", applies=lambda card: True)
def check(card):
    meta = card.metadata
    if not meta and _PROSE_LICENSE.search(card.body):
        return  # a repository's MODEL_CARD.md states it in its text ("**License:** ... Community License")
    if not meta:
        yield Hit("model card has no YAML metadata block, so no license", Loc(card.file, 1))
    elif not meta.get("license"):
        yield Hit("model card metadata has no license", Loc(card.file, card.metadata_line))
    elif str(meta.get("license")) == "other" and not meta.get("license_name") and not meta.get("license_link"):
        yield Hit("license is 'other' but neither license_name nor license_link says which", Loc(card.file, card.metadata_line))


CHECKS = [check]
