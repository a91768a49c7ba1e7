"""
## What it does
Finds serving pods that run privileged containers or share the node's network, IPC or PID namespace.

## Why it matters
A privileged inference container (often added for RDMA or GPU debugging) owns the node: a model
server parsing untrusted prompts and loading remote code is the last place for it. `hostNetwork`
puts the engine's unauthenticated API on the node's address; `hostIPC` shares memory with every
other host-IPC pod. Device access for RDMA or GPUs is granted by device plugins without either.

## Example
```yaml
hostNetwork: true
containers: [{name: sglang, securityContext: {privileged: true}}]
```

## Instead
```yaml
containers: [{name: sglang, resources: {limits: {nvidia.com/gpu: 8, rdma/ib: 1}}}]   # device plugins, no privilege
```

## References
- Kubernetes Pod Security Standards (baseline): https://kubernetes.io/docs/concepts/security/pod-security-standards/
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare


@declare("pod-privileged", "warning", ["pod-privileges-minimal"],
         "serving pods run unprivileged in their own namespaces", "a serving pod is privileged or shares the node's namespaces",
         doc=__doc__)
def check(d: Deployment) -> Iterator[Hit]:
    for pod in d.pods:
        names = [c.name for c in pod.init_containers + pod.containers if c.privileged is not None]
        what = ([f"privileged container{'s' if len(names) > 1 else ''} {', '.join(names)}"] if names else []) + sorted(pod.host_namespaces)
        if what:
            first = next((c.privileged.loc for c in pod.init_containers + pod.containers if c.privileged is not None), None)
            loc = first or next(iter(pod.host_namespaces.values()))
            yield Hit(f"{pod.role} pods of {d.name} run with {', '.join(what)}", loc)


CHECKS = [check]
