"""
## What it does
Names what modelready could not analyse and why: a chart, OpenShift Template or kustomization that
yields no workload although its sources define one (every values set leaves it switched off, an
object kind whose pods an operator builds), a chart dependency that is neither vendored nor in the
repository, a values set left out; and what a run-wide bound cut, with the bound: files past
`MODELREADY_MAX_FILES`, values sets and overlays past the render budget, and files, renders and
deployments past the run's CPU budget (`MODELREADY_CPU_BUDGET_S`).

## Why it matters
A gate that reads "33 files checked, PASS" over an umbrella chart that rendered nothing has checked
nothing. Saying what was not analysed keeps a pass honest and tells the author what to pin.

## Example
```yaml
# Chart.yaml of an umbrella chart; ../llm-service/helm does not exist in the repository
dependencies:
  - name: llm-service
    repository: file://../llm-service/helm
```

## Instead
```yaml
dependencies:
  - name: llm-service
    repository: file://../../llm-service/helm   # a chart in the repository: assembled and rendered
```

## References
- Helm dependencies: https://helm.sh/docs/helm/helm_dependency/
- modelready values sets: docs/checks.md (charts: in .modelready.yaml)
"""

from __future__ import annotations

from typing import Any

from ..findings import Severity
from . import Check


def _none(_: Any) -> tuple[()]:
    return ()


# Raised by the pipeline (it knows what it could not read); declared here for the catalog, SARIF and suppressions.
CHECKS = [
    Check("not-analysed", Severity.warning, ("manifests-render",), __doc__, "every chart, template and overlay was analysed",
          "something was not analysed", _none, applies=lambda d: False, scope="pipeline"),
]
