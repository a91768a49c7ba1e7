"""
## What it does
Reads a chart's templates for references Helm renders empty without an error: a field of `.Release`
that does not exist (`.Release.Namspace`), and a `.Values` key that no values file of the chart defines
and that the template never tests (`default`, `if`, `with`, `hasKey`, `required`).

## Why it matters
`.Release` and `.Values` are maps: a misspelt or moved key is not a render error, it is an empty
string or `null`. `livenessProbe: {{ toYaml .Values.livenessProbe }}` with the value renamed renders
`livenessProbe: null`, and the pod runs with no probe; `namespace: {{ .Release.Namspace }}` installs
into the default namespace. The chart renders, the review passes, the setting is gone.

## Example
```yaml
metadata:
  namespace: {{ .Release.Namspace }}
spec:
  containers:
  - livenessProbe:
      {{- toYaml .Values.livenessProbe | nindent 8 }}   # values.yaml calls it `probes.liveness`
```

## Instead
```yaml
metadata:
  namespace: {{ .Release.Namespace }}
spec:
  containers:
  - livenessProbe:
      {{- toYaml .Values.probes.liveness | nindent 8 }}
```

## References
- Helm built-in objects (the fields of .Release): https://helm.sh/docs/chart_template_guide/builtin_objects/
- Helm values files: https://helm.sh/docs/chart_template_guide/values_files/
"""

from __future__ import annotations

from ..findings import Severity
from . import Check
from .pipeline_findings import _none

# Raised by the chart loader (load/helm_refs.py) over each chart's templates and values files.
CHECKS = [Check("helm-value-undefined", Severity.warning, ("manifests-render",), __doc__, "every value a template reads exists",
                "a template reads a .Release field or a value that does not exist (rendered empty)", _none, applies=lambda d: False,
                scope="pipeline")]
