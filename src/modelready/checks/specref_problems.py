"""
## What it does
Resolves each dependency's `specRef`, always relative to the repository root: an absolute path, a
path that climbs out with `..`, or a symlink that leads outside the repository is refused; a
target that does not exist (or is no ModelSpec) is an error for a required dependency and a warning
for an optional one.

## Why it matters
A dependency graph that points outside the repository cannot be reviewed with the change and may
read files the CI runner should never expose; a dangling reference means the guardrail or
retriever the model relies on is not described anywhere.

## Example
```yaml
dependencies: [{name: guard, specRef: ../../other-repo/guard.modelspec.yaml}]
```

## Instead
```yaml
dependencies: [{name: guard, specRef: specs/guard.modelspec.yaml}]
```

## References
- ModelSpec schema: docs/modelspec-v1alpha1.schema.json
"""

from __future__ import annotations

from typing import Callable, Iterator

from ..findings import Severity
from ..normalize.specs import SpecView
from . import Check, Hit

WHY = {"absolute": "is an absolute path", "escapes": "climbs out of the repository", "symlink-outside": "is a symlink that leads outside the repository",
       "missing": "does not exist", "not-a-modelspec": "is not a ModelSpec"}


def _hits(kinds: set[str], optional: bool | None) -> Callable[[SpecView], Iterator[Hit]]:
    def run(v: SpecView) -> Iterator[Hit]:
        for r in v.refs:
            if r.problem in kinds and (optional is None or r.optional == optional):
                yield Hit(f"dependency {r.name}: specRef {r.target} {WHY[r.problem]}", r.loc)
    return run


CHECKS = [
    Check[SpecView]("specref-outside-repo", Severity.error, ("specref-resolves",), __doc__, "specRefs stay inside the repository",
          "a specRef points outside the repository", _hits({"absolute", "escapes", "symlink-outside"}, None), applies=lambda v: bool(v.refs), scope="spec"),
    Check[SpecView]("specref-unresolved", Severity.error, ("specref-resolves", "dependencies-defined"), __doc__, "every required dependency's specRef resolves",
          "a required dependency's specRef does not resolve", _hits({"missing", "not-a-modelspec"}, False), applies=lambda v: bool(v.refs), scope="spec"),
    Check[SpecView]("specref-optional-unresolved", Severity.warning, ("specref-resolves", "optional-dependencies"), __doc__, "optional dependencies' specRefs resolve",
          "an optional dependency's specRef does not resolve", _hits({"missing", "not-a-modelspec"}, True), applies=lambda v: bool(v.refs), scope="spec"),
]
