"""
## What it does
Finds a gated Hugging Face model (Meta Llama, Gemma, several Mistral AI repositories: the offline table
`data/gated_models.yaml`, each entry with its sources, or the Hub's own "gated" answer when it was
asked) that a pod downloads with no Hub token anywhere in the files: no `HF_TOKEN` or
`HUGGING_FACE_HUB_TOKEN` in any container's env, in the Secrets and ConfigMaps it reads whole (`envFrom`),
nor `--hf-token`. It stays silent where the token or the weights can come from elsewhere: an `envFrom`
source that is not in the files, a persistent volume that may hold the cache, `HF_HUB_OFFLINE`, a mirror
(`HF_ENDPOINT`), an operator that fetches the model, or an image run by someone else.

## Why it matters
A gated repository answers 401 without the token of an account that accepted its licence. The engine
fails at start on a GPU node, after the image pull, and crash-loops; nothing in CI ran it.

## Example
```yaml
args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]
# no env at all
```

## Instead
```yaml
env: [{name: HF_TOKEN, valueFrom: {secretKeyRef: {name: hf-token, key: token}}}]
```

## References
- Gated models: https://huggingface.co/docs/hub/models-gated
"""

from __future__ import annotations

from typing import Iterator

from .. import data
from ..normalize.model import Deployment
from . import Hit, declare, given
from .gated_model_token_empty import TOKEN_ENV

# the weights or the token can come from somewhere the files do not show
ELSEWHERE = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_ENDPOINT")


def gated_why(d: Deployment) -> str | None:
    """Why the model is gated: the offline table's entry, or the Hub's answer when it was asked."""
    entry = data.gated(d.model.id)
    if entry is not None:
        return f"{entry['why']}; gated per modelready's offline table"
    r = d.resolved
    if r is not None and any("gated:" in n for n in r.notes):
        return "the Hub answered that it is gated"
    return None


def _applies(d: Deployment) -> bool:
    return (d.engine_container is not None and d.model.uri is None and not d.traits.image_only and not d.traits.partial
            and gated_why(d) is not None)


def _token_elsewhere(d: Deployment) -> bool:
    secrets = {s.name for s in d.secrets if s.kind == "Secret" and s.entries}
    for pod, c in d.containers():
        names = {e.name for e in c.env}
        if names & set(TOKEN_ENV) or names & set(ELSEWHERE):
            return True
        if any(src.kind != "Secret" or src.name not in secrets for src in c.env_from):
            return True  # a ConfigMap or a Secret the files do not hold may carry it
        if any(pod.volumes.get(v) is not None and pod.volumes[v].kind in ("persistentVolumeClaim", "hostPath") for v in c.mounts.values()):
            return True  # a volume that may hold the downloaded cache
    return d.engine is not None and d.engine.setting("hf_token") is not None


@declare("gated-model-token-missing", "warning", ["secrets-handled", "model-uri-defined"],
         "a gated model is pulled with a Hub token", "a gated model is pulled with no Hub token in the files",
         doc=__doc__, applies=_applies)
def check(d: Deployment) -> Iterator[Hit]:
    c, why = given(d.engine_container), given(gated_why(d))
    if _token_elsewhere(d):
        return
    where = d.model.loc or c.loc
    yield Hit(f"{d.model.id} is a gated Hugging Face model ({why}) and container {c.name} gets no Hub token: no "
              f"{' or '.join(TOKEN_ENV[:2])} in its env or envFrom, no --hf-token; the download answers 401 at start", where)


CHECKS = [check]
