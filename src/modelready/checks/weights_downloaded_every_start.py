"""
## What it does
Finds an engine that pulls its model from the Hugging Face Hub with no persistent volume under the
model cache: every new pod downloads the full weights again.

A deployment whose ModelSpec declares `model.loading: runtime-pull` has made that choice on purpose
and is not flagged.

## Why it matters
An 8B model is 16 GB, a 70B model 140 GB. Each scale-up, reschedule or rollout waits for that
download (and pays its egress); Hub rate limits and outages become serving outages, and a liveness
budget sized for loading from disk restarts the pod mid-download.

## Example
```yaml
args: ["--model", "Qwen/Qwen3-8B"]   # no volume at /root/.cache/huggingface
```

## Instead
```yaml
volumeMounts: [{name: hf-cache, mountPath: /root/.cache/huggingface}]
volumes: [{name: hf-cache, persistentVolumeClaim: {claimName: hf-cache}}]
```

## References
- Hugging Face cache: https://huggingface.co/docs/huggingface_hub/guides/manage-cache
- vLLM `--download-dir`: https://docs.vllm.ai/en/latest/configuration/engine_args.html
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare, given
from ._weights import PERSISTENT, mounts_under, weight_paths


def _applies(d: Deployment) -> bool:
    return (d.engine is not None and bool(d.engine.capability("llm_args") or d.engine.capability("llm_server")) and d.engine_container is not None
            and not d.partial and not d.template_only and d.model.scheme == "hf" and d.model.uri is None
            and d.declared_loading != "runtime-pull")  # a ModelSpec that chose to pull at start has decided it


@declare("weights-downloaded-every-start", "warning", ["model-loading-strategy"],
         "the model cache survives pod restarts", "every new pod downloads the model from the Hub again",
         doc=__doc__, applies=_applies)
def check(d: Deployment) -> Iterator[Hit]:
    c = given(d.engine_container)
    pod = d.pod_of(c)
    kept = [(m, v) for m, v in mounts_under(c, weight_paths(d)) if v in pod.volumes and pod.volumes[v].kind in PERSISTENT]
    if not kept:
        yield Hit(f"{d.model.id} is downloaded from the Hugging Face Hub by every new pod: no persistent volume holds "
                  f"container {c.name}'s model cache", d.model.loc or c.loc)


CHECKS = [check]
