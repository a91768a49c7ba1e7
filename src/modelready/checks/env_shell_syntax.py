"""
## What it does
Finds `$VAR` and `${VAR}` in env values and in exec-form arguments. Kubernetes expands only
`$(VAR)` there; anything else reaches the process as the literal text.

## Why it matters
`value: $HF_TOKEN` gives the engine the eleven characters `$HF_TOKEN` as its token: gated model
downloads fail with 401 at start-up, after the pod has been scheduled on a GPU node.

## Example
```yaml
env: [{name: HUGGING_FACE_HUB_TOKEN, value: $HF_TOKEN}]
```

## Instead
```yaml
env:
- {name: HF_TOKEN, valueFrom: {secretKeyRef: {name: hf-secret, key: hf_api_token}}}
- {name: HUGGING_FACE_HUB_TOKEN, value: $(HF_TOKEN)}
```

## References
- Kubernetes dependent environment variables: https://kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables/
"""

from __future__ import annotations

import re
from typing import Iterator

from ..normalize.model import Container, Deployment
from . import Hit, declare

SHELL_REF = re.compile(r"(?<![$\\])\$(\{\w+\}|[A-Za-z_]\w*)")
# The whole value is one reference: the process surely receives a useless literal (a token, a model id).
WHOLE_REF = re.compile(r"^\s*\$(\{\w+\}|[A-Za-z_]\w*)\s*$")
SHELLS = ("sh", "bash", "ash", "zsh", "dash")


def _exec_form(c: Container) -> bool:
    first = (c.command or [""])[0].rsplit("/", 1)[-1]
    return first not in SHELLS and not (first == "env" and len(c.command) > 1 and c.command[1].rsplit("/", 1)[-1] in SHELLS)


@declare("env-shell-syntax", "error", ["env-vars-set", "secrets-handled"],
         "variable references use Kubernetes' $(VAR) syntax", "a $VAR reference reaches the process as literal text",
         doc=__doc__, applies=lambda d: True)
def check(d: Deployment) -> Iterator[Hit]:
    for _pod, c in d.containers():
        yield from _env_hits(c)
        # Args go to the image's entrypoint unchanged; only for a known engine image is that entrypoint known not to be a shell.
        if _exec_form(c) and (c.command or c is d.engine_container and d.engine is not None):
            yield from _arg_hits(c)


def _env_hits(c: Container) -> Iterator[Hit]:
    for ev in c.env:
        ref_m = SHELL_REF.search(ev.value) if ev.value and WHOLE_REF.match(ev.value) else None
        if ref_m:
            ref = ref_m.group(0)
            yield Hit(f"env {ev.name} of container {c.name} is the literal text {ref}: Kubernetes expands only $(VAR)", ev.loc)
        elif ev.value:
            # inside a longer value, only a reference to a variable this container defines is surely meant to expand
            defined = {e.name for e in c.env} - {ev.name}  # PATH=${PATH}:... : nothing to expand in Kubernetes either
            refs = [m.group(0) for m in SHELL_REF.finditer(ev.value) if m.group(1).strip("{}") in defined]
            if refs:
                yield Hit(f"env {ev.name} of container {c.name} contains the literal text {refs[0]}: no shell expands env values; "
                          f"write $({refs[0].strip('${}')})", ev.loc)


def _arg_hits(c: Container) -> Iterator[Hit]:
    for part in ("command", "args"):
        for i, arg in enumerate(getattr(c, part)):
            m = WHOLE_REF.match(arg)
            if m:
                yield Hit(f"{part}[{i}] of container {c.name} passes the literal text {m.group(0)}: no shell runs, and Kubernetes expands only $(VAR)", c.loc_of_arg(part, i))

CHECKS = [check]
