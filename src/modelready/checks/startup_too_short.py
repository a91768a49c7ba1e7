"""
## What it does
Estimates how long the model takes to load (weights from the model name and precision, read at
1 GiB/s per pod, plus a minute of engine start) and compares it with the time the probes allow:
a liveness probe with no startup probe must not give up before the model is loaded, and a startup
probe's budget (`initialDelaySeconds + periodSeconds × failureThreshold`) should cover the load.

## Why it matters
A liveness probe that fires during model load restarts the container, which starts loading again:
the pod never becomes ready and the rollout stalls (CrashLoopBackOff with no error in the logs).
A warning: the load time is an estimate (the resolved model's weights, storage speed assumed), stated in
the message.

## Example
```yaml
livenessProbe: {httpGet: {path: /health, port: 8000}, initialDelaySeconds: 30, periodSeconds: 10}
```

## Instead
```yaml
startupProbe: {httpGet: {path: /health, port: 8000}, periodSeconds: 10, failureThreshold: 60}
livenessProbe: {httpGet: {path: /health, port: 8000}, periodSeconds: 10}
```

## References
- Kubernetes startup probes: https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare, given
from ._sizing import load_seconds


@declare("startup-too-short", "warning", ["readiness-waits-for-load"],
         "probes give the model time to load", "a probe gives up before the model can load",
         doc=__doc__, applies=lambda d: d.engine is not None and d.engine.capability("loads_weights_at_start") and d.engine_container is not None and bool(d.engine_container.probes))
def check(d: Deployment) -> Iterator[Hit]:
    c = given(d.engine_container)
    probes = c.probes
    need, how = load_seconds(d)
    startup, liveness = probes.get("startup"), probes.get("liveness")
    if startup is not None:
        if startup.budget_seconds < need:
            yield Hit(f"startupProbe allows {startup.budget_seconds} s but loading needs about {need} s ({how})", startup.loc)
    elif liveness is not None and liveness.budget_seconds < need:
        yield Hit(f"livenessProbe restarts the container after {liveness.budget_seconds} s, before loading ends (about {need} s: {how}); add a startupProbe", liveness.loc)


CHECKS = [check]
