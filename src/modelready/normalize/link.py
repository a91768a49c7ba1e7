"""Link what points at a deployment: Services, autoscalers, disruption budgets, metrics scrapers."""

from __future__ import annotations

from typing import Any

from ..load.k8s import K8sObject
from .model import Deployment, Related, Value



def link(deployments: list[Deployment], objects: list[K8sObject]) -> None:
    """Objects link within their own origin (one chart render, or all plain files of the run) and namespace."""
    by_scope: dict[tuple[str, str], list[K8sObject]] = {}
    for o in objects:
        by_scope.setdefault((_scope(o.origin), o.namespace), []).append(o)
    for d in deployments:
        scope = by_scope.get((_scope(d.origin), d.namespace), [])
        services = [o for o in scope if _link(d, o, _spec(o))]
        for o in scope:
            if o.kind == "ServiceMonitor" and any(_selects(_spec(o).get("selector"), s.labels) for s in services):
                d.monitors.append(Related(o.kind, o.name, o.loc("metadata", "name"), scrapes=_service_monitor_ports(o, services)))
        wanted = _secret_names(d)
        d.secrets += [Related(o.kind, o.name, o.loc("metadata", "name"), entries=_entries(o))
                      for o in scope if o.kind == "Secret" and o.name in wanted and _near(o, d)]
        if str(d.pod_annotations.get("prometheus.io/scrape", "")).lower() == "true":
            d.monitors.append(Related("annotation", "prometheus.io/scrape", d.loc))


def _spec(o: K8sObject) -> dict[str, Any]:
    spec = o.body.get("spec")
    return spec if isinstance(spec, dict) else {}


def _related(o: K8sObject) -> Related:
    return Related(o.kind, o.name, o.loc("metadata", "name"), _signals(o), public=_public(o))


def _entries(o: K8sObject) -> dict[tuple[str, str], Value]:
    """A Secret's data and stringData keys with their values and lines."""
    return {(sec, str(k)): Value(v, o.loc(sec, k)) for sec in ("data", "stringData")
            if isinstance(o.body.get(sec), dict) for k, v in o.body[sec].items()}


# annotations that make a cloud load balancer internal (GKE, AWS, Azure, OCI, IBM)
INTERNAL_LB = ("networking.gke.io/load-balancer-type", "cloud.google.com/load-balancer-type", "service.beta.kubernetes.io/aws-load-balancer-internal",
               "service.beta.kubernetes.io/azure-load-balancer-internal", "service.beta.kubernetes.io/oci-load-balancer-internal",
               "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type")


def _public(o: K8sObject) -> bool:
    """A Service on a public load balancer: type LoadBalancer, no source ranges, no internal-LB annotation."""
    spec = _spec(o)
    if o.kind != "Service" or spec.get("type") != "LoadBalancer" or spec.get("loadBalancerSourceRanges"):
        return False
    ann = {str(k): str(v).lower() for k, v in o.annotations.items()}
    return not any(k in ann for k in INTERNAL_LB) and ann.get("service.beta.kubernetes.io/aws-load-balancer-scheme") != "internal"


def _service_monitor_ports(o: K8sObject, services: list[K8sObject]) -> tuple[int | str, ...]:
    """The pod ports a ServiceMonitor scrapes: each endpoint's Service port (by name or number) to its targetPort."""
    out: list[int | str] = []
    for ep in _spec(o).get("endpoints") or []:
        if not isinstance(ep, dict):
            continue
        for svc in services:
            for sp in (_spec(svc).get("ports") or []) if svc.kind == "Service" else []:
                if isinstance(sp, dict) and (sp.get("name") == ep.get("port") or str(sp.get("port")) == str(ep.get("targetPort", ""))):
                    out += [p for p in [sp.get("targetPort", sp.get("port"))] if isinstance(p, (int, str))]
    return tuple(out)


def _pod_monitor_ports(o: K8sObject) -> tuple[int | str, ...]:
    spec = _spec(o)
    endpoints = spec.get("podMetricsEndpoints") or spec.get("endpoints") or []
    ports = [ep.get("port", ep.get("targetPort")) for ep in endpoints if isinstance(ep, dict)]
    return tuple(p for p in ports if isinstance(p, (int, str)))


def _signals(o: K8sObject) -> tuple[str, ...]:
    """What an autoscaler scales on: HPA metric types, KEDA ScaledObject trigger types ("" for an entry without one)."""
    spec = _spec(o)
    entries = spec.get("metrics") if o.kind == "HorizontalPodAutoscaler" else spec.get("triggers") if o.kind == "ScaledObject" else None
    if not entries:
        return ()
    if not isinstance(entries, list):
        return ("",)
    return tuple(str(e.get("type") or "") if isinstance(e, dict) else "" for e in entries)


# autoscaler field -> the Deployment attribute it fills when the workload does not say
SCALE_FIELDS = (("minReplicas", "min_replicas"), ("minReplicaCount", "min_replicas"), ("maxReplicas", "max_replicas"), ("maxReplicaCount", "max_replicas"))


def _link(d: Deployment, o: K8sObject, spec: dict[str, Any]) -> bool:
    """Attach `o` to `d` where it points at it; True when `o` fronts d's pods (a Service or an InferencePool)."""
    selector = spec.get("selector")
    # An InferencePool (Gateway API inference extension) fronts pods the way a Service does.
    if (o.kind == "Service" and _selects(selector, d.pod_labels, plain=True)) or (
            o.kind == "InferencePool" and (_selects(selector, d.pod_labels, plain=True) or _selects(selector, d.pod_labels))):
        d.services.append(_related(o))
        return True
    if _targets(spec.get("scaleTargetRef"), d):
        d.autoscalers.append(_related(o))
        for key, attr in SCALE_FIELDS:
            if key in spec and getattr(d, attr) is None:
                setattr(d, attr, Value(spec[key], o.loc("spec", key)))
    elif o.kind == "PodDisruptionBudget" and _selects(selector, d.pod_labels):
        d.disruption_budgets.append(_related(o))
    elif o.kind in ("PodMonitor", "PodMonitoring", "ClusterPodMonitoring") and _selects(selector, d.pod_labels):
        d.monitors.append(Related(o.kind, o.name, o.loc("metadata", "name"), scrapes=_pod_monitor_ports(o)))
    return False


def _near(o: K8sObject, d: Deployment) -> bool:
    """A Secret read by value belongs with the deployment: the same render, or the same folder of plain files."""
    return "@" in d.origin or o.file.rsplit("/", 1)[0] == d.loc.file.rsplit("/", 1)[0]


def _secret_names(d: Deployment) -> set[str]:
    names = set()
    for _pod, c in d.containers():
        for ev in c.env:
            ref = (ev.value_from or {}).get("secretKeyRef") if isinstance(ev.value_from, dict) else None
            if isinstance(ref, dict) and ref.get("name"):
                names.add(str(ref["name"]))
    return names


def _scope(origin: str) -> str:
    return origin if "@" in origin else ""


def _targets(ref: object, d: Deployment) -> bool:
    if not isinstance(ref, dict):
        return False
    kind = ref.get("kind", "Deployment")
    return ref.get("name") == d.name and kind == d.kind


def _selects(selector: object, labels: dict[str, str], plain: bool = False) -> bool:
    """Label selector semantics: a Service selector is a plain map; others are matchLabels/matchExpressions."""
    if not isinstance(selector, dict) or not labels:
        return False
    if plain:
        return bool(selector) and all(labels.get(str(k)) == str(v) for k, v in selector.items())
    ml = selector.get("matchLabels") or {}
    exprs = selector.get("matchExpressions") or []
    if not ml and not exprs:
        return False
    return all(labels.get(str(k)) == str(v) for k, v in ml.items()) and all(_matches(e, labels) for e in exprs)


# matchExpressions operator -> whether (key, values, labels) passes; an unknown operator passes, as before
OPERATORS = {
    "In": lambda key, values, labels: labels.get(key) in values,
    "NotIn": lambda key, values, labels: labels.get(key) not in values,
    "Exists": lambda key, values, labels: key in labels,
    "DoesNotExist": lambda key, values, labels: key not in labels,
}


def _matches(e: object, labels: dict[str, str]) -> bool:
    if not isinstance(e, dict):
        return False
    test = OPERATORS.get(e.get("operator"))  # type: ignore[arg-type]
    return test is None or bool(test(str(e.get("key")), [str(v) for v in e.get("values") or []], labels))
