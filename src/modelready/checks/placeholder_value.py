"""
## What it does
Finds placeholders left where Kubernetes needs a real value: an image (`<image>`, `REPLACE_ME`), the
model to serve (`<model-name>`), a node selector or a required node-affinity value (`<your-gpu-type>`),
or a value of a Secret the pods read (`<your-hf-access-token-value>`).

## Why it matters
A placeholder image never pulls (ErrImagePull); a placeholder in a required node affinity matches no
node, so the pod stays Pending forever; a placeholder model name fails at download. The manifest
looks complete in review and fails only on the cluster.

## Example
```yaml
image: <image>
affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms:
  [{matchExpressions: [{key: cloud.google.com/gke-accelerator, operator: In, values: [<gpu-type>]}]}]}}}
```

## Instead
```yaml
image: nvcr.io/nvidia/tritonserver:24.08-trtllm-python-py3
affinity: ... values: [nvidia-h100-80gb]
```

## References
- Kubernetes node affinity: https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#node-affinity
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment, PodSpec
import re

from . import Hit, declare

# `${VAR}` is left alone: envsubst and OpenShift Template parameters fill it by design.
PLACEHOLDER = re.compile(r"<[A-Za-z][^<>\s]{0,60}>|\b(REPLACE[_-]?ME|CHANGE[_-]?ME|YOUR[_-][A-Z][A-Z0-9_-]+|INSERT[_-][A-Z][A-Z_-]+)\b")


def _required_terms(pod: PodSpec) -> list[str]:
    node = pod.affinity.get("nodeAffinity") if isinstance(pod.affinity, dict) else None
    req = node.get("requiredDuringSchedulingIgnoredDuringExecution") if isinstance(node, dict) else None
    terms = req.get("nodeSelectorTerms") if isinstance(req, dict) else None
    values = []
    for term in terms if isinstance(terms, list) else []:
        exprs = term.get("matchExpressions") if isinstance(term, dict) else None
        for expr in exprs if isinstance(exprs, list) else []:
            if isinstance(expr, dict):
                listed = expr.get("values")
                values += [f"{expr.get('key')}={v}" for v in (listed if isinstance(listed, list) else [])]
    return values


@declare("placeholder-value", "error", ["manifests-render", "model-uri-defined"],
         "no placeholder is left in an image, model or node selection", "a placeholder is left where a real value is needed",
         doc=__doc__, applies=lambda d: True)
def check(d: Deployment) -> Iterator[Hit]:
    for pod in d.pods:
        for c in pod.init_containers + pod.containers:
            if c.image is not None and PLACEHOLDER.search(c.image.ref):
                yield Hit(f"image {c.image.ref} of container {c.name} is a placeholder: the image cannot be pulled", c.image.loc)
        for text in [f"{k}={v}" for k, v in pod.node_selector.items()] + _required_terms(pod):
            if PLACEHOLDER.search(text):
                yield Hit(f"{pod.role} pods require node label {text}, a placeholder: no node matches and the pods stay Pending", pod.loc)
    if d.model.id and PLACEHOLDER.search(d.model.id) and d.model.loc is not None:
        yield Hit(f"the model to serve is the placeholder {d.model.id}", d.model.loc)
    for s in d.secrets:  # a placeholder is no secret: it may be named
        for (section, key), entry in sorted(s.entries.items(), key=lambda e: e[0][0] != "stringData"):
            value = entry.value
            if isinstance(value, str) and PLACEHOLDER.fullmatch(value.strip()):
                yield Hit(f"Secret {s.name} {section}.{key} is the placeholder {value.strip()}: the pods read it as the real value", entry.loc)


CHECKS = [check]
