"""
## What it does
Flags vLLM arguments that the pinned release marks deprecated.

## Why it matters
A deprecated flag still starts the server today and is removed in a later release; the upgrade that
removes it breaks the deployment with no change to the manifest. `--disable-log-requests` is the
common case: deprecated in 0.10 and gone by 0.20.

## Example
```yaml
image: vllm/vllm-openai:v0.10.2
args: ["--model", "Qwen/Qwen2.5-7B-Instruct", "--disable-log-requests"]
```

## Instead
```yaml
args: ["--model", "Qwen/Qwen2.5-7B-Instruct"]   # requests are not logged by default since 0.10
```

## References
- vLLM release notes: https://github.com/vllm-project/vllm/releases
"""

from __future__ import annotations

from typing import Iterator

from .. import data
from ..normalize.model import Deployment
from . import Hit, declare, given, has_vllm_flags

# The reference's deprecation lists come from a text heuristic; these two are known false positives.
NOT_DEPRECATED = {"--show-hidden-metrics-for-version", "--allow-deprecated-quantization"}


@declare("engine-flag-deprecated", "warning", ["engine-args-valid"],
         "no deprecated engine flags", "an engine flag is deprecated in the pinned release",
         doc=__doc__, applies=lambda d: d.engine is not None and has_vllm_flags(d) and d.engine.release is not None)
def check(d: Deployment) -> Iterator[Hit]:
    e = given(d.engine)
    release = e.release
    deprecated = set(data.vllm_flags()["deprecated"].get(release, [])) - NOT_DEPRECATED
    for flag, val in e.flags.items():
        if flag in deprecated:
            yield Hit(f"{flag} is deprecated in vLLM {release}; a later release removes it", val.loc)


CHECKS = [check]
