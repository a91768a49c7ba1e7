"""
## What it does
Finds an engine reachable from outside the cluster while the engine itself requires no API key:
through a public `LoadBalancer` Service (no internal-load-balancer annotation, no source ranges),
a `NodePort` Service (every node's address), or an Ingress or HTTPRoute to its Service that carries
no authentication annotation (nginx `auth-url`, ALB/oauth2 auth, Traefik middlewares).

## Why it matters
vLLM, SGLang and TGI serve anyone who can reach the port: a public load balancer in front of a
keyless engine is a free GPU endpoint for the internet, and its `/v1/models` tells scanners what it
serves.

## Example
```yaml
kind: Service
spec: {type: LoadBalancer, selector: {app: llama}, ports: [{port: 80, targetPort: 8000}]}
```

## Instead
```yaml
spec: {type: ClusterIP}   # behind an authenticating gateway; or --api-key from a Secret
```

## References
- vLLM security (API key): https://docs.vllm.ai/en/latest/usage/security.html
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare, given

@declare("engine-public-no-auth", "warning", ["auth-implemented"],
         "the engine is not exposed publicly without authentication", "a keyless engine is exposed (LoadBalancer, NodePort, Ingress, HTTPRoute)",
         doc=__doc__, applies=lambda d: d.engine is not None and "api_key" in (d.engine.capability("settings") or {}) and bool(d.services))  # no Service: nothing routes to it
def check(d: Deployment) -> Iterator[Hit]:
    e = given(d.engine)
    if e.setting("api_key") is not None:
        return  # an engine that can require a key (its row names an api_key setting) and is given one
    for way in d.exposures:
        if way.public:
            what = f"{way.kind} {way.name} exposes {e.name} through {way.exposure}" if way.kind != "Service" else \
                f"Service {way.name} exposes {e.name} on {way.exposure}"
            extra = " and carries no authentication annotation (a gateway's own policy cannot be seen from the files)" if way.kind != "Service" else ""
            yield Hit(f"{what}{extra}, and the engine requires no API key", way.loc)


CHECKS = [check]
