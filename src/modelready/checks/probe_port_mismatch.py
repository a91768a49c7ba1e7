"""
## What it does
Compares the port each probe calls with the port the engine listens on (its `--port`, its env twin,
or the engine's default: vLLM 8000, TGI image 80, SGLang 30000). Named ports are resolved through
the container's `ports`.

## Why it matters
A probe on the wrong port never succeeds: the readiness probe keeps the pod out of the Service
forever, and a liveness probe restarts a healthy engine in a loop.

## Example
```yaml
args: ["--model", "Qwen/Qwen2.5-7B-Instruct", "--port", "8080"]
readinessProbe: {httpGet: {path: /health, port: 8000}}
```

## Instead
```yaml
readinessProbe: {httpGet: {path: /health, port: 8080}}
```

## References
- Kubernetes probes: https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment, as_int
from . import Hit, declare, given, has_engine_args


@declare("probe-port-mismatch", "error", ["port-configured", "readiness-probe-health"],
         "probes call the port the engine listens on", "a probe calls a port the engine does not listen on",
         doc=__doc__, applies=lambda d: d.engine is not None and has_engine_args(d) and d.engine.capability("llm_args") and d.engine_container is not None and bool(d.engine_container.probes))
def check(d: Deployment) -> Iterator[Hit]:
    e, c = given(d.engine), given(d.engine_container)
    want = e.port
    if want is None:
        return
    for probe in c.probes.values():
        if probe.handler not in ("httpGet", "tcpSocket") or probe.port is None:
            continue
        port = c.ports.get(str(probe.port)) if as_int(probe.port) is None else as_int(probe.port)
        if port is not None and port != want:
            yield Hit(f"{probe.kind}Probe calls port {probe.port}{f' ({port})' if str(port) != str(probe.port) else ''} but {e.name} listens on {want}", probe.loc)


CHECKS = [check]
