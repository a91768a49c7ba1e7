"""
## What it does
Finds a key written twice in one mapping of a Kubernetes manifest, plain, JSON or rendered by Helm.

## Why it matters
Two `env:` lists, two `image:` lines or two `readinessProbe:` blocks in one container are one
value too many: kubectl refuses the file (`mapping key "env" already defined at line 31`), or, in
the releases that accept it, silently applies only the last one. Either way what the reviewer read
is not what the cluster runs: the first `--max-model-len` or secret reference simply vanishes.

## Example
```yaml
containers:
- name: vllm
  image: vllm/vllm-openai:v0.10.2
  image: vllm/vllm-openai:latest
```

## Instead
```yaml
containers:
- name: vllm
  image: vllm/vllm-openai:v0.10.2
```

## References
- kubectl refusing repeated keys (k8up-io/k8up#452): https://github.com/k8up-io/k8up/pull/452
- The API server keeping the last of them (kubernetes/kubernetes#89303): https://github.com/kubernetes/kubernetes/issues/89303
"""

from __future__ import annotations

from ..findings import Severity
from . import Check
from .pipeline_findings import _none

# Raised by the loaders (load/files.py, load/helm.py) while they parse: the repeated key is gone once parsed.
CHECKS = [Check("duplicate-key", Severity.error, ("manifests-render",), __doc__, "no manifest repeats a key",
                "a manifest gives one key twice (kubectl rejects it or drops one)", _none, applies=lambda d: False, scope="pipeline")]
