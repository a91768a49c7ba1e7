"""
## What it does
Reports a serving engine whose version cannot be told from the image tag or a pinned install, and
a TensorRT-LLM release whose options were not read (its flags are then checked for near typos only).

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

from .. import data
from ..normalize.model import Deployment
from . import Hit, declare, given


@declare("engine-version-unknown", "warning", ["runtime-version-pinned"],
         "the serving engine version is pinned", "the serving engine version cannot be told",
         doc=__doc__, applies=lambda d: d.engine is not None and d.engine.capability("version_from_image"))
def check(d: Deployment) -> Iterator[Hit]:
    e, c = given(d.engine), d.engine_container
    if c is None:
        return
    if e.version is None:
        image = c.image
        shown = image.ref if image else "(no image)"
        yield Hit(f"{e.name} version unknown from image {shown}; pin a release tag or a digest", e.version_loc or d.loc)
    elif e.capability("exact_release") and data.flag_release(str(e.capability("flag_table")), e.version) is None:
        read = sorted(data.engine_flags().get(str(e.capability("flag_table")), {}).get("versions", {}))
        name = e.capability("release_name", e.name)
        yield Hit(f"{name} {e.version}: no release read has its options (read: {', '.join(read)}); its flags and "
                  f"extra_llm_api_options keys were checked only for near typos of any release read's", e.version_loc or d.loc)


CHECKS = [check]
