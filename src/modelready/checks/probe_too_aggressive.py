"""
## What it does
Finds liveness or readiness probes of the serving container that kubelet will fail on a busy
engine: fired every second with a one-second timeout; given up after a single miss
(`failureThreshold: 1`); or an exec probe (`curl`, `python -c`) left at the one-second timeout
kubelet enforces on commands since Kubernetes 1.20.

## Why it matters
Under load an engine's HTTP server answers `/health` behind a full batch; a one-second timeout every
second turns a busy replica into an unready one (traffic shifts to the others, which then fail the
same way) or, for liveness, a restarted one that reloads its weights. The load spike becomes an outage.
With `failureThreshold: 1` one late answer is enough. An exec probe starts a process in the container
first (an interpreter, a client): under load that alone takes most of a second, and since 1.20 kubelet
kills it at `timeoutSeconds` (default 1) and counts a failure.

## Example
```yaml
livenessProbe: {httpGet: {path: /health, port: 8000}, periodSeconds: 1, timeoutSeconds: 1}
```

## Instead
```yaml
livenessProbe: {httpGet: {path: /health, port: 8000}, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3}
```

## References
- Kubernetes probe settings: https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#configure-probes
- Exec probe timeouts enforced (Kubernetes 1.20, KEP-1972): https://github.com/kubernetes/enhancements/tree/master/keps/sig-node/1972-kubelet-exec-probe-timeouts
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Container, Deployment, Probe
from . import Hit, declare, given


@declare("probe-too-aggressive", "warning", ["liveness-probe", "readiness-probe-health"],
         "probes leave a loaded engine time to answer", "a probe fails a busy engine (every second with a 1 s timeout, one miss, a 1 s exec)",
         doc=__doc__, applies=lambda d: d.engine_container is not None and d.engine is not None)
def check(d: Deployment) -> Iterator[Hit]:
    c = given(d.engine_container)
    gated = [p for k, p in sorted(c.probes.items()) if k in ("liveness", "readiness")]
    tight = [p for p in gated if p.period <= 1 and p.timeout <= 1]
    if tight:
        kinds = " and ".join(f"{p.kind}Probe" for p in tight)
        yield Hit(f"{kinds} of container {c.name} run every {tight[0].period} s with a {tight[0].timeout} s timeout: a busy engine "
                  "fails them under load", tight[0].loc)
    yield from _one_miss(c, [p for p in gated if p not in tight])
    yield from _slow_exec(c, [p for p in c.probes.values() if p not in tight])


def _one_miss(c: Container, probes: list[Probe]) -> Iterator[Hit]:
    for p in probes:
        if p.failure_threshold == 1:
            what = "restarts the engine, which reloads its weights" if p.kind == "liveness" else "takes the replica out of the Service"
            yield Hit(f"{p.kind}Probe of container {c.name} has failureThreshold: 1: one answer later than {p.timeout} s {what}", p.loc)


def _slow_exec(c: Container, probes: list[Probe]) -> Iterator[Hit]:
    slow = [p for p in probes if p.handler == "exec" and p.timeout <= 1]
    for p in sorted(slow, key=lambda p: p.kind):
        run = " ".join(p.command[:3]) or "its command"
        yield Hit(f"exec {p.kind}Probe of container {c.name} runs `{run}` with a {p.timeout} s timeout: since Kubernetes 1.20 kubelet "
                  "kills it at timeoutSeconds and counts a failure; on a busy engine starting the command alone can take that long", p.loc)

CHECKS = [check]
