"""
## What it does
Finds an engine reachable through a public `LoadBalancer` Service (no internal-load-balancer
annotation, no source ranges) while the engine itself requires no API key.

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

from . import Hit, declare

INTERNAL = ("networking.gke.io/load-balancer-type", "cloud.google.com/load-balancer-type", "service.beta.kubernetes.io/aws-load-balancer-internal",
            "service.beta.kubernetes.io/azure-load-balancer-internal", "service.beta.kubernetes.io/oci-load-balancer-internal",
            "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type")


def _public(svc) -> bool:
    spec = svc.body.get("spec") if isinstance(svc.body.get("spec"), dict) else {}
    if svc.kind != "Service" or spec.get("type") != "LoadBalancer" or spec.get("loadBalancerSourceRanges"):
        return False
    meta = svc.body.get("metadata") if isinstance(svc.body.get("metadata"), dict) else {}
    ann = {str(k): str(v).lower() for k, v in (meta.get("annotations") or {}).items()}
    if any(k in ann for k in INTERNAL) or ann.get("service.beta.kubernetes.io/aws-load-balancer-scheme") == "internal":
        return False
    return True


@declare("engine-public-no-auth", "warning", ["auth-implemented"],
         "the engine is not exposed publicly without authentication", "a keyless engine is exposed through a public load balancer",
         doc=__doc__, applies=lambda d: d.engine is not None and d.engine.name in ("vllm", "sglang", "tgi") and bool(d.services))
def check(d):
    if d.engine.setting("api_key") is not None:
        return
    for svc in d.services:
        if _public(svc):
            yield Hit(f"Service {svc.name} exposes {d.engine.name} on a public LoadBalancer and the engine requires no API key", svc.loc)


CHECKS = [check]
