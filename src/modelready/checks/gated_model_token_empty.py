"""
## What it does
Finds a gated Hugging Face model (Meta Llama, Google Gemma, several Mistral AI repositories: the
offline table data/gated_models.yaml) pulled with a Hub token that is set to
the empty string, in the container env or in the Secret it reads (its `data`, `stringData`, or the
container's `envFrom`). A chart's empty default is left alone: `helm install --set` fills it.

## Why it matters
Gated repositories answer 401 without a token of an account that accepted the licence. An empty
token is no token: the engine fails at start-up on a GPU node, after the image pull.

## Example
```yaml
args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]
env: [{name: HF_TOKEN, value: ""}]
```

## Instead
```yaml
env: [{name: HF_TOKEN, valueFrom: {secretKeyRef: {name: hf-token, key: token}}}]   # a real token
```

## References
- Gated models: https://huggingface.co/docs/hub/models-gated
"""

from __future__ import annotations

from typing import Any, Iterator

from .. import data
from ..findings import Loc

from ..normalize.model import Deployment
import base64

from . import Hit, declare, given

TOKEN_ENV = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGINGFACEHUB_API_TOKEN")


def _applies(d: Deployment) -> bool:
    return d.engine_container is not None and data.gated(d.model.id) is not None and d.model.uri is None


def _secret_value(d: Deployment, ref: dict[str, Any]) -> tuple[str | None, Loc | None]:
    for s in d.secrets:
        if s.name == ref.get("name"):
            key = str(ref.get("key"))
            for section in ("stringData", "data"):
                entry = s.entries.get((section, key))
                if entry is not None and isinstance(entry.value, str):
                    raw = entry.value if section == "stringData" else _decode(entry.value)
                    return raw, entry.loc
    return None, None


def _decode(text: str) -> str | None:
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except Exception:  # noqa: BLE001 - not base64: another check reports it
        return None


@declare("gated-model-token-empty", "error", ["secrets-handled", "model-uri-defined"],
         "a gated model is pulled with a token", "a gated model is pulled with an empty token",
         doc=__doc__, applies=_applies)
def check(d: Deployment) -> Iterator[Hit]:
    c = given(d.engine_container)
    for ev in c.env:
        if ev.name not in TOKEN_ENV:
            continue
        value, loc = ev.value, ev.loc
        ref = (ev.value_from or {}).get("secretKeyRef") if isinstance(ev.value_from, dict) else None
        if isinstance(ref, dict):
            value, secret_loc = _secret_value(d, ref)
            loc = secret_loc or ev.loc
        if value is not None and not value.strip() and not (loc is not None and loc.values_key) and "@" not in d.origin:
            # a chart's empty default (`hf_token: ""`) is what `helm install --set` fills: not certain from the files
            yield Hit(f"{d.model.id} is a gated model and {ev.name} of container {c.name} is empty: the Hub answers 401", loc)
            return


CHECKS = [check]
