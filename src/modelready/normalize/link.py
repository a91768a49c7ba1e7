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
                d.monitors.append(_related(o))
        if str(d.pod_annotations.get("prometheus.io/scrape", "")).lower() == "true":
            d.monitors.append(Related("annotation", "prometheus.io/scrape", d.loc))


def _spec(o: K8sObject) -> dict[str, Any]:
    spec = o.body.get("spec")
    return spec if isinstance(spec, dict) else {}


def _related(o: K8sObject) -> Related:
    return Related(o.kind, o.name, o.loc("metadata", "name"), _signals(o))


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
        d.monitors.append(_related(o))
    return False


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
