"""
## What it does
Validates each ModelSpec against the ModelSpec v1alpha1 JSON Schema (draft 2020-12, shipped in the
package and published as docs/modelspec-v1alpha1.schema.json), with the line and JSON path of each
error and a "did you mean" for misspelt keys.

## Why it matters
A misspelt key (`maxContextToken`) is silently ignored by anything that reads the spec: the intent
it was meant to declare is never checked against the manifests.

## Example
```yaml
spec:
  model: {id: meta-llama/Llama-3.1-8B-Instruct, maxContextToken: 16384}
```

## Instead
```yaml
spec:
  model: {id: meta-llama/Llama-3.1-8B-Instruct, maxContextTokens: 16384}
```

## References
- JSON Schema 2020-12: https://json-schema.org/draft/2020-12
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.specs import SpecView
from . import Hit, declare


@declare("modelspec-invalid", "error", ["modelspec-valid"],
         "the ModelSpec is valid against its schema", "the ModelSpec does not validate",
         doc=__doc__, subject=SpecView, applies=lambda v: True)
def check(v: SpecView) -> Iterator[Hit]:
    for message, loc in v.problems:
        yield Hit(message, loc)


CHECKS = [check]
