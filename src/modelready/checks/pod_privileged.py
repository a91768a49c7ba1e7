"""
## What it does
Finds serving pods that run privileged containers, add capabilities that own the node (`SYS_ADMIN`,
`NET_ADMIN`, `SYS_PTRACE`, `SYS_MODULE`, `ALL`), run as root by an explicit `runAsUser: 0`, or share
the node's network, IPC or PID namespace.

## Why it matters
A privileged inference container (often added for RDMA or GPU debugging) owns the node: a model
server parsing untrusted prompts and loading remote code is the last place for it. `hostNetwork`
puts the engine's unauthenticated API on the node's address; `hostIPC` shares memory with every
other host-IPC pod. `SYS_ADMIN` is most of `privileged` under another name, and root inside the
container is root on the node after any escape. Device access for RDMA or GPUs is granted by device
plugins without any of these (RDMA needs `IPC_LOCK` at most, which is not flagged).

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

from ..findings import Loc
from ..normalize.model import Container, Deployment, PodSpec
from . import Hit, declare


def _privileges(pod: PodSpec) -> list[tuple[str, Loc]]:
    """(what, where) for each way the pod's containers hold more of the node than serving needs."""
    everyone = pod.init_containers + pod.containers
    return _privileged(everyone) + _capabilities(everyone) + _root(pod, everyone) + sorted(pod.host_namespaces.items())


def _privileged(everyone: list[Container]) -> list[tuple[str, Loc]]:
    privileged = [c for c in everyone if c.privileged is not None]
    if not privileged:
        return []
    return [(f"privileged container{'s' if len(privileged) > 1 else ''} {', '.join(c.name for c in privileged)}", privileged[0].privileged.loc)]  # type: ignore[union-attr]


def _capabilities(everyone: list[Container]) -> list[tuple[str, Loc]]:
    capped = [c for c in everyone if c.capabilities]
    if not capped:
        return []
    caps = sorted({cap for c in capped for cap in c.capabilities})
    return [(f"capabilit{'ies' if len(caps) > 1 else 'y'} {', '.join(caps)} added to {', '.join(c.name for c in capped)}",
             next(iter(capped[0].capabilities.values())))]


def _root(pod: PodSpec, everyone: list[Container]) -> list[tuple[str, Loc]]:
    root = [(c, uid) for c in everyone if (uid := c.run_as_user or pod.run_as_user) is not None and uid.value == 0]
    if not root:
        return []
    return [(f"root (runAsUser: 0) in {', '.join(c.name for c, _uid in root)}", root[0][1].loc)]

@declare("pod-privileged", "warning", ["pod-privileges-minimal"],
         "serving pods run unprivileged, as non-root, in their own namespaces",
         "a serving pod is privileged, adds node capabilities, runs as root or shares the node's namespaces",
         doc=__doc__)
def check(d: Deployment) -> Iterator[Hit]:
    for pod in d.pods:
        found = _privileges(pod)
        if found:
            yield Hit(f"{pod.role} pods of {d.name} run with {', '.join(what for what, _loc in found)}", found[0][1])


CHECKS = [check]
