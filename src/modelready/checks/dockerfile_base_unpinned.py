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

from ..normalize.artifacts import Build
from . import Hit, declare
from .image_tag_mutable import MUTABLE


@declare("dockerfile-base-unpinned", "warning", ["container-deps-pinned", "image-immutable"],
         "Dockerfile base images are pinned", "a Dockerfile base image is not pinned",
         doc=__doc__, subject=Build, applies=lambda build: True)
def check(build: Build) -> Iterator[Hit]:
    for base in build.bases:
        if base.digest is None and (base.tag is None or base.tag.lower() in MUTABLE):
            yield Hit(f"FROM {base.ref} {'has no tag' if base.tag is None else f'uses the mutable tag :{base.tag}'}", base.loc)


CHECKS = [check]
