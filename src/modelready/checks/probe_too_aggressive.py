"""
## What it does
Finds liveness or readiness probes of the serving container that fire every second with a
one-second timeout.

## Why it matters
Under load an engine's HTTP server answers `/health` behind a full batch; a one-second timeout every
second turns a busy replica into an unready one (traffic shifts to the others, which then fail the
same way) or, for liveness, a restarted one that reloads its weights. The load spike becomes an outage.

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
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare


@declare("probe-too-aggressive", "warning", ["liveness-probe", "readiness-probe-health"],
         "probes leave a loaded engine time to answer", "a probe fires every second with a one-second timeout",
         doc=__doc__, applies=lambda d: d.engine_container is not None and d.engine is not None)
def check(d: Deployment) -> Iterator[Hit]:
    c = d.engine_container
    if c is None:
        return
    tight = [p for k, p in sorted(c.probes.items()) if k in ("liveness", "readiness") and p.period <= 1 and p.timeout <= 1]
    if tight:
        kinds = " and ".join(f"{p.kind}Probe" for p in tight)
        yield Hit(f"{kinds} of container {c.name} run every {tight[0].period} s with a {tight[0].timeout} s timeout: a busy engine "
                  "fails them under load", tight[0].loc)


CHECKS = [check]
