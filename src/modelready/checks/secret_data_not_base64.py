"""
## What it does
Reads the Secrets a serving pod takes values from and finds `data` entries that are not base64,
such as a shell variable (`${HF_TOKEN}`) meant to be filled by a script that never runs.

## Why it matters
The API server rejects a Secret whose `data` is not base64 (`illegal base64 data`), so the apply
fails; where a tool writes it anyway, the pod receives the variable's name as its token. Neither
shows in review: the manifest looks filled in.

## Example
```yaml
kind: Secret
data: {HF_TOKEN: ${HF_TOKEN}}
```

## Instead
```yaml
kind: Secret
stringData: {HF_TOKEN: "..."}   # or: kubectl create secret generic hf-token --from-literal=HF_TOKEN=...
```

## References
- Kubernetes Secret data and stringData: https://kubernetes.io/docs/concepts/configuration/secret/#editing-a-secret
"""

from __future__ import annotations

import base64
import binascii
import re

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare
from .placeholder_value import PLACEHOLDER

_VAR = re.compile(r"^\$\{?[A-Za-z_]\w*\}?$")


def _base64(text: str) -> bool:
    try:
        base64.b64decode("".join(text.split()), validate=True)
        return True
    except (binascii.Error, ValueError):
        return False


@declare("secret-data-not-base64", "error", ["secrets-handled"],
         "Secrets the pods read hold base64 data", "a Secret the pods read holds data that is not base64",
         doc=__doc__, applies=lambda d: bool(d.secrets))
def check(d: Deployment) -> Iterator[Hit]:
    for s in d.secrets:
        for (section, key), entry in s.entries.items():
            value = entry.value
            if section == "data" and isinstance(value, str) and not _base64(value) and not PLACEHOLDER.fullmatch(value.strip()):  # placeholder-value says it
                # the value is never echoed: a variable's name is shown, anything else only described
                what = f"the unexpanded variable {value}" if _VAR.match(value.strip()) else "text that is not base64"
                yield Hit(f"Secret {s.name} data.{key} is {what}: the API server rejects the Secret", entry.loc)


CHECKS = [check]
