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

from ..findings import Loc
from ..normalize.model import Deployment
from . import Hit, declare

MUTABLE = {"latest", "nightly", "main", "master", "dev", "edge", "stable", "latest-nightly", "head"}


@declare("image-tag-mutable", "error", ["image-immutable", "runtime-version-pinned"],
         "every image is pinned to a fixed tag or digest", "an image uses a mutable tag",
         doc=__doc__)
def check(d: Deployment) -> Iterator[Hit]:
    # one finding per deployment and cause: every image with a mutable tag, with the containers that run it
    found: dict[str, tuple[str, list[str], Loc]] = {}
    for pod in d.pods:
        for c in pod.init_containers + pod.containers:
            img = c.image
            if img is None or img.digest or img.templated or c.borrowed_from:  # judged on the runtime it comes from
                continue
            if d.template_only and img.tag is None and "/" not in img.ref:
                continue  # a bare name the operator substitutes (ODH's `text-generation-inference`), not an image to pull
            if img.tag is None:
                why = "has no tag (pulls :latest)"
            elif img.tag.lower() in MUTABLE:
                why = f"uses the mutable tag :{img.tag}"
            else:
                continue
            entry = found.setdefault(img.ref, (why, [], img.loc))
            if c.name not in entry[1]:
                entry[1].append(c.name)
    if found:
        parts = [f"image {ref} of container{'s' if len(names) > 1 else ''} {', '.join(names)} {why}" for ref, (why, names, _loc) in found.items()]
        yield Hit("; ".join(parts), next(iter(found.values()))[2])


CHECKS = [check]
