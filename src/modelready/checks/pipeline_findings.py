"""
## What it does
Reports inputs that could not be checked: YAML or JSON that does not parse, a chart Helm cannot
render (with Helm's own message and template line), fields of the wrong type (`containers` as a
map, `args` as a number, a list where `matchLabels` wants a map), model shapes in a config.json that
no model has (`num_attention_heads: 0`, `-32`, `31.5`, `1e12` layers: `model-config-invalid`, and the
config is then not used for memory or context arithmetic), inputs on which modelready itself
failed (`internal-error`: the stage, file, check and exception; the run goes on and exits 3), and
suppressions naming a check that does not exist.

## Why it matters
A file that cannot be read is a file nobody checked. A gate that silently skips it passes the very
change that broke it.

## Example
```yaml
args: ["--model", meta-llama/Llama-3.1-8B-Instruct   # unclosed list
```

## Instead
```yaml
args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]
```

## References
- Helm template debugging: https://helm.sh/docs/chart_template_guide/debugging/
"""

from __future__ import annotations

from typing import Iterable

from ..findings import Severity
from . import Check, Hit


def _none(_: object) -> Iterable[Hit]:
    return ()


# Raised by the pipeline itself, not by a function over the model; declared here so that the
# catalog, SARIF rules and suppressions know them like any other check.
CHECKS = [
    Check("input-unreadable", Severity.error, ("manifests-render",), __doc__, "every input file parses", "an input file does not parse", _none, applies=lambda d: False, scope="pipeline"),
    Check("helm-render-failed", Severity.error, ("manifests-render",), __doc__, "every chart renders with each values set", "a chart does not render", _none, applies=lambda d: False, scope="pipeline"),
    Check("field-type-invalid", Severity.error, ("manifests-render",), __doc__, "every field read has the type Kubernetes requires", "a field has the wrong type (a map where a list belongs)", _none, applies=lambda d: False, scope="pipeline"),
    Check("model-config-invalid", Severity.error, ("gpu-memory-fit",), __doc__, "every model shape in config.json is a positive integer in range",
          "a config.json shape (layers, heads, hidden size) is not a positive integer in range: nothing is sized from it", _none, applies=lambda d: False, scope="pipeline"),
    # scope "run": raised by isolate.py when modelready itself fails; no input should trip it, so it has no cases.
    Check("internal-error", Severity.error, ("manifests-render",), __doc__, "every input was checked to the end", "modelready failed on an input: it was not fully checked", _none, applies=lambda d: False, scope="run"),
    Check("suppression-unknown-check", Severity.warning, ("manifests-render",), __doc__, "suppressions name real checks", "a suppression names no known check", _none, applies=lambda d: False, scope="pipeline"),
]
