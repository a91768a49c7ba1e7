"""
## What it does
Reports a serving engine whose version cannot be told from the image tag or a pinned install.

## Why it matters
Engine flags, defaults and metric names change between releases (vLLM's default
`--gpu-memory-utilization` moved from 0.9 to 0.92; its KV-cache metric was renamed in 0.10). With
`:latest` or no tag, the same manifest runs a different engine after every image pull, and no flag
can be checked against the release that will run.

## Example
```yaml
image: vllm/vllm-openai:latest
```

## Instead
```yaml
image: vllm/vllm-openai:v0.10.2
```

## References
- Kubernetes images: https://kubernetes.io/docs/concepts/containers/images/#image-names
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare


@declare("engine-version-unknown", "warning", ["runtime-version-pinned"],
         "the serving engine version is pinned", "the serving engine version cannot be told",
         doc=__doc__, applies=lambda d: d.engine is not None and d.engine.capability("version_from_image"))
def check(d: Deployment) -> Iterator[Hit]:
    e, c = d.engine, d.engine_container
    if e is None or c is None:
        return
    if e.version is None:
        image = c.image
        shown = image.ref if image else "(no image)"
        yield Hit(f"{e.name} version unknown from image {shown}; pin a release tag or a digest", e.version_loc or d.loc)


CHECKS = [check]
