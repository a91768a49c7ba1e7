"""
## What it does
Requires every image of a serving deployment (sidecars and init containers too) to name a fixed
tag or a digest; `latest`, `nightly`, `main` and a missing tag are mutable.

## Why it matters
A mutable tag makes each node pull whatever the tag points at when the pod lands there: two
replicas can run different engine builds, and a rollback redeploys the broken build.

## Example
```yaml
image: vllm/vllm-openai:latest
```

## Instead
```yaml
image: vllm/vllm-openai:v0.10.2
# or, strictest: vllm/vllm-openai@sha256:...
```

## References
- Kubernetes images: https://kubernetes.io/docs/concepts/containers/images/#updating-images
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare

MUTABLE = {"latest", "nightly", "main", "master", "dev", "edge", "stable", "latest-nightly", "head"}


@declare("image-tag-mutable", "error", ["image-immutable", "runtime-version-pinned"],
         "every image is pinned to a fixed tag or digest", "an image uses a mutable tag",
         doc=__doc__)
def check(d: Deployment) -> Iterator[Hit]:
    for pod in d.pods:
        for c in pod.init_containers + pod.containers:
            img = c.image
            if img is None or img.digest or img.templated:
                continue
            if img.tag is None:
                yield Hit(f"image {img.ref} of container {c.name} has no tag (pulls :latest)", img.loc)
            elif img.tag.lower() in MUTABLE:
                yield Hit(f"image {img.ref} of container {c.name} uses the mutable tag :{img.tag}", img.loc)


CHECKS = [check]
