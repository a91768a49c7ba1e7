"""
## What it does
Follows `specRef`s between ModelSpecs and reports each dependency cycle once, printed as the cycle
(a → b → c → a).

## Why it matters
A cycle of model calls (a guardrail that calls the model it guards) has no latency bound and no
order in which the services can start; one slow node stalls all of them.

## Example
```yaml
# chat.yaml -> guard.yaml -> reranker.yaml -> chat.yaml
```

## Instead
```yaml
# chat.yaml -> guard.yaml, chat.yaml -> reranker.yaml
```

## References
- ModelSpec schema: docs/modelspec-v1alpha1.schema.json
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.specs import SpecView
from . import Hit, declare


@declare("spec-dependency-cycle", "error", ["no-circular-dependencies"],
         "the dependency graph has no cycle", "ModelSpecs depend on each other in a cycle",
         doc=__doc__, subject=SpecView, applies=lambda v: bool(v.refs))
def check(v: SpecView) -> Iterator[Hit]:
    for cycle in v.cycles:
        if v.file == min(cycle):  # report each cycle once, from its smallest file
            ref = next(r for r in v.refs if r.resolved == cycle[1])
            yield Hit("dependency cycle: " + " → ".join(cycle), ref.loc)


CHECKS = [check]
