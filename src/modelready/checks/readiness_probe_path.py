"""
## What it does
Checks that an HTTP readiness probe calls an endpoint of the detected engine that reports model
health (vLLM `/health` or `/v1/models`, TGI `/health`, SGLang `/health` or `/health_generate`,
Triton `/v2/health/ready`).

## Why it matters
A probe on `/` or a path the engine does not serve either never succeeds (404: the pod never gets
traffic) or succeeds while the engine is dead.

## Example
```yaml
readinessProbe: {httpGet: {path: /healthz, port: 8000}}
```

## Instead
```yaml
readinessProbe: {httpGet: {path: /health, port: 8000}}
```

## References
- vLLM OpenAI server endpoints: https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare, given


def _applies(d: Deployment) -> bool:
    c = d.engine_container
    return d.engine is not None and d.engine.known and not d.engine.in_process and c is not None and c.probes.get("readiness") is not None and c.probes["readiness"].handler == "httpGet"


@declare("readiness-probe-wrong-path", "warning", ["readiness-probe-health"],
         "the readiness probe calls the engine's health endpoint", "the readiness probe does not call the engine's health endpoint",
         doc=__doc__, applies=_applies)
def check(d: Deployment) -> Iterator[Hit]:
    e, c = given(d.engine), given(d.engine_container)
    probe = c.probes["readiness"]
    paths = e.capability("health_paths")
    path = str(probe.path or "/").split("?")[0].rstrip("/") or "/"
    if path not in paths and not any(path.endswith(p) for p in paths if p != "/"):
        yield Hit(f"readinessProbe calls {probe.path or '/'}; {e.name} reports health on {', '.join(paths)}", probe.loc)


CHECKS = [check]
