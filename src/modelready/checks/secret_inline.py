"""
## What it does
Finds credentials written into the manifest: a literal `value` on an env var whose name says token,
key, secret or password (`HF_TOKEN`, `VLLM_API_KEY`, `NGC_API_KEY`, ...), and literal
`--api-key` / `--hf-token` arguments. The value itself is never printed.

## Why it matters
Manifests live in Git, in `kubectl get -o yaml`, in Helm release secrets and CI logs. A Hugging Face
token in plain text leaks gated-model access; an API key in args is visible to anyone who can list
pods (`ps` in the container, the pod spec in the API).

## Example
```yaml
env: [{name: HF_TOKEN, value: "hf_xxxxxxxxxxxxxxxxxxxx"}]
```

## Instead
```yaml
env: [{name: HF_TOKEN, valueFrom: {secretKeyRef: {name: hf-token, key: token}}}]
```

## References
- Kubernetes Secrets as environment variables: https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables
"""

from __future__ import annotations

from typing import Iterator

from .. import linear
from ..normalize.model import Deployment, secret_name
from . import Hit, declare

SECRET_FLAGS = ("--api-key", "--hf-token", "--token")
# Placeholders and references are not secrets: empty, $(VAR), ${VAR}, <fill-me>, {{ x }}, "none", "changeme"-style stubs.
# RE2, linear: the value is the PR's, and Python's re tried each `{{` of a value to the line's end (a 800 KB value of
# `{{` took minutes: the gate never reported).
PLACEHOLDER = linear.compile(r"(?i)^$|^\$|^<.*>$|\{\{.*\}\}|^(none|null|false|true|changeme|change-me|your[-_].*|xxx+|\*+|-)$")


def describe(value: str) -> str:
    return f"a literal of {len(value)} characters"


@declare("secret-inline", "error", ["secrets-handled"],
         "no credential is written into the manifest", "a credential is written into the manifest",
         doc=__doc__, applies=lambda d: True)
def check(d: Deployment) -> Iterator[Hit]:
    for _pod, c in d.containers():
        for ev in c.env:
            if ev.value is None or not secret_name(ev.name):
                continue
            if PLACEHOLDER.search(ev.value.strip()):
                continue
            yield Hit(f"env {ev.name} of container {c.name} is {describe(ev.value)}; use valueFrom.secretKeyRef", ev.loc)
    e = d.engine
    if e is not None:
        for flag in SECRET_FLAGS:
            v = e.flags.get(flag)
            if v is not None and v.value is not True and not PLACEHOLDER.search(str(v.value).removesuffix("\n")):  # re's $ before a final newline
                yield Hit(f"{flag} is {describe(str(v.value))} in the container arguments; read it from a Secret via an env var", v.loc)


CHECKS = [check]
