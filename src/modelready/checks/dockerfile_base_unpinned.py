"""
## What it does
Requires every `FROM` of a serving image's Dockerfile to name a fixed tag or a digest (build stages
and `ARG`-supplied bases are followed by name only).

## Why it matters
`FROM vllm/vllm-openai:latest` or `FROM python` rebuilds on whatever the tag points at today: CUDA,
PyTorch and the engine change under an unchanged Dockerfile, and the image that passed review is not
the one that ships.

## Example
```dockerfile
FROM vllm/vllm-openai:latest
```

## Instead
```dockerfile
FROM vllm/vllm-openai:v0.10.2
```

## References
- Dockerfile FROM: https://docs.docker.com/reference/dockerfile/#from
"""

from __future__ import annotations

from typing import Iterator

from ..findings import Loc
from ..load.artifacts import Dockerfile
from . import Hit, declare
from .image_tag_mutable import MUTABLE


@declare("dockerfile-base-unpinned", "warning", ["container-deps-pinned", "image-immutable"],
         "Dockerfile base images are pinned", "a Dockerfile base image is not pinned",
         doc=__doc__, subject=Dockerfile, applies=lambda df: True)
def check(df: Dockerfile) -> Iterator[Hit]:
    stages: set[str] = set()
    for ins in df.all("FROM"):
        words = [w for w in ins.value.split() if not w.startswith("--")]
        if not words:
            continue
        image = words[0]
        if len(words) >= 3 and words[1].lower() == "as":
            stages.add(words[2].lower())
        if image.lower() in stages or image == "scratch" or "$" in image:
            continue
        name, _, digest = image.partition("@")
        tag = name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else None
        if digest:
            continue
        if tag is None or tag.lower() in MUTABLE:
            yield Hit(f"FROM {image} {'has no tag' if tag is None else f'uses the mutable tag :{tag}'}", Loc(df.file, ins.line))


CHECKS = [check]
