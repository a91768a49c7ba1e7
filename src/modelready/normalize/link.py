"""Link what points at a deployment: Services, autoscalers, disruption budgets, metrics scrapers.

Linking is indexed, never a scan of every object per deployment: selectors by one of their label
pairs (every pair must match, so any one finds all candidates), autoscalers by the name they target.
A selector of the wrong shape is reported once on its object and selects nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from ..load.k8s import K8sObject
from .fields import kind_of as _kind
from .model import Deployment, Related, Value

_POD_MONITORS = ("PodMonitor", "PodMonitoring", "ClusterPodMonitoring")
_OPS = {"In", "NotIn", "Exists", "DoesNotExist"}

# autoscaler field -> the Deployment attribute it fills when the workload does not say
SCALE_FIELDS = (("minReplicas", "min_replicas"), ("minReplicaCount", "min_replicas"), ("maxReplicas", "max_replicas"), ("maxReplicaCount", "max_replicas"))

Guard = Callable[[Deployment], AbstractContextManager[object]]


@dataclass
class _Selector:
    labels: dict[str, str]
    exprs: list[tuple[str, str, list[str]]] = field(default_factory=list)

    def matches(self, labels: dict[str, str]) -> bool:
        if not labels or not all(labels.get(k) == v for k, v in self.labels.items()):
            return False
        for key, op, values in self.exprs:
            if (op == "In" and labels.get(key) not in values) or (op == "NotIn" and labels.get(key) in values) or \
                    (op == "Exists" and key not in labels) or (op == "DoesNotExist" and key in labels):
                return False
        return True


_Entry = tuple[int, K8sObject, _Selector]


class _Index:
    """Objects of one scope (origin and namespace) that select pods or services, by label pair."""

    def __init__(self) -> None:
        self.by_pair: dict[str, dict[tuple[str, str], list[_Entry]]] = {}
        self.unpaired: dict[str, list[_Entry]] = {}  # expressions only
        self.by_target: dict[tuple[str, str], list[tuple[int, K8sObject]]] = {}
        self.secrets: dict[str, list[tuple[int, K8sObject]]] = {}  # by name
        self.routes: dict[str, list[K8sObject]] = {}  # Ingresses and HTTPRoutes by the Service names they send to

    def add(self, role: str, pos: int, o: K8sObject, sel: _Selector | None) -> None:
        if sel is None or (not sel.labels and not sel.exprs):
            return  # an empty selector selects nothing here (as before): no workload is meant by it
        entry = (pos, o, sel)
        if sel.labels:
            self.by_pair.setdefault(role, {}).setdefault(next(iter(sel.labels.items())), []).append(entry)
        else:
            self.unpaired.setdefault(role, []).append(entry)

    def selecting(self, role: str, labels: dict[str, str]) -> list[K8sObject]:
        pairs = self.by_pair.get(role, {})
        found = {pos: (o, sel) for item in labels.items() for pos, o, sel in pairs.get(item, ())}
        found.update({pos: (o, sel) for pos, o, sel in self.unpaired.get(role, ())})
        return [o for pos, (o, sel) in sorted(found.items(), key=lambda kv: kv[0]) if sel.matches(labels)]


def link(deployments: list[Deployment], objects: list[K8sObject], guard: Guard | None = None) -> None:
    """Objects link within their own origin (one chart render, or all plain files of the run) and namespace.

    `guard(deployment)` gives a context in which one deployment's linking may fail alone.
    """
    scopes: dict[tuple[str, str], _Index] = {}
    volumes: dict[tuple[str, str, str, str], K8sObject] = {}  # (scope, kind, namespace or "" when cluster-wide, name)
    for pos, o in enumerate(objects):
        if o.kind in _STORAGE:
            volumes.setdefault((_scope(o.origin), o.kind, o.namespace if o.kind == "PersistentVolumeClaim" else "", o.name), o)
            ref = _spec(o).get("claimRef")
            if o.kind == "PersistentVolume" and isinstance(ref, dict) and ref.get("name"):  # a static volume made for one claim
                volumes.setdefault((_scope(o.origin), "claimRef", str(ref.get("namespace") or "default"), str(ref["name"])), o)
        _index(scopes.setdefault((_scope(o.origin), o.namespace), _Index()), pos, o)
    empty = _Index()
    for d in deployments:
        with (guard(d) if guard else nullcontext()):
            _link_one(d, scopes.get((_scope(d.origin), d.namespace), empty))
            d.storage += _storage(d, lambda kind, ns, name: volumes.get((_scope(d.origin), kind, ns, name)))


_STORAGE = ("PersistentVolumeClaim", "PersistentVolume", "StorageClass")


def _storage(d: Deployment, find: Callable[[str, str, str], K8sObject | None]) -> list[Related]:
    """The claims d's pods mount (a pvc:// model URI too), the volumes bound to them, the classes they name: each once."""
    claims = {v.claim for pod in d.pods for v in pod.volumes.values() if v.claim}
    if (d.model.uri or "").startswith("pvc://"):
        claims.add(str(d.model.uri).removeprefix("pvc://").split("/", 1)[0])
    out: dict[tuple[str, str], Related] = {}
    for claim in sorted(claims):
        for o in _claimed(find, d.namespace, claim):
            if (o.kind, o.name) not in out and _beside(o, d):
                out[(o.kind, o.name)] = _stored(o, claim)
    return list(out.values())


def _claimed(find: Callable[[str, str, str], K8sObject | None], namespace: str, claim: str) -> list[K8sObject]:
    """The claim, the PersistentVolume bound to it (its volumeName, or a volume whose claimRef names it), their classes."""
    pvc = find("PersistentVolumeClaim", namespace, claim)
    pv = find("PersistentVolume", "", str(_spec(pvc).get("volumeName") or "")) if pvc is not None else None
    pv = pv or find("claimRef", namespace, claim)
    found = [o for o in (pvc, pv) if o is not None]
    return found + [sc for o in found if (sc := find("StorageClass", "", str(_spec(o).get("storageClassName") or ""))) is not None]


def _stored(o: K8sObject, claim: str) -> Related:
    host = _spec(o).get("hostPath") if o.kind == "PersistentVolume" else None
    return Related(o.kind, o.name, o.loc("metadata", "name"), claim=claim, host_path=str(host.get("path") or "") if isinstance(host, dict) else "")


def _beside(o: K8sObject, d: Deployment) -> bool:
    """The same render, or the same folder of plain files: an examples repository reuses claim names across folders."""
    return "@" in d.origin or o.file.rpartition("/")[0] == d.loc.file.rpartition("/")[0]


def _spec(o: K8sObject) -> dict[str, Any]:
    spec = o.body.get("spec")
    return spec if isinstance(spec, dict) else {}


def _index(ix: _Index, pos: int, o: K8sObject) -> None:
    if o.kind == "Secret":
        ix.secrets.setdefault(o.name, []).append((pos, o))
        return
    if o.kind in ("Ingress", "HTTPRoute"):
        for name in _backends(o):
            ix.routes.setdefault(name, []).append(o)
        return
    spec = o.body.get("spec")
    if not isinstance(spec, dict):
        return
    if o.kind == "Service" or o.kind == "InferencePool":
        # An InferencePool (Gateway API inference extension) fronts pods the way a Service does, in either form.
        sel = spec.get("selector")
        matchy = o.kind == "InferencePool" and isinstance(sel, dict) and ("matchLabels" in sel or "matchExpressions" in sel)
        ix.add("service", pos, o, _label_selector(o, sel) if matchy else _plain_selector(o, sel))
    elif isinstance(spec.get("scaleTargetRef"), dict):
        ref = spec["scaleTargetRef"]
        ix.by_target.setdefault((str(ref.get("kind", "Deployment")), str(ref.get("name"))), []).append((pos, o))
    elif o.kind == "PodDisruptionBudget":
        ix.add("pdb", pos, o, _label_selector(o, spec.get("selector")))
    elif o.kind in _POD_MONITORS:
        ix.add("podmonitor", pos, o, _label_selector(o, spec.get("selector")))
    elif o.kind == "ServiceMonitor":
        ix.add("servicemonitor", pos, o, _label_selector(o, spec.get("selector")))


def _link_one(d: Deployment, ix: _Index) -> None:
    labels = d.pod_labels
    services = ix.selecting("service", labels)
    d.services += [_related(o) for o in services]
    _autoscale(d, ix)
    _expose(d, services, ix)
    d.disruption_budgets += [_related(o) for o in ix.selecting("pdb", labels)]
    d.monitors += [Related(o.kind, o.name, o.loc("metadata", "name"), scrapes=_pod_monitor_ports(o)) for o in ix.selecting("podmonitor", labels)]
    seen: set[int] = set()
    for s in services:
        for o in ix.selecting("servicemonitor", s.labels):
            if id(o) not in seen:
                seen.add(id(o))
                d.monitors.append(Related(o.kind, o.name, o.loc("metadata", "name"), scrapes=_service_monitor_ports(o, services)))
    secrets = sorted((e for name in _secret_names(d) for e in ix.secrets.get(name, ())), key=lambda e: e[0])
    d.secrets += [Related(o.kind, o.name, o.loc("metadata", "name"), entries=_entries(o)) for _pos, o in secrets if _near(o, d)]
    if str(d.pod_annotations.get("prometheus.io/scrape", "")).lower() == "true":
        d.monitors.append(Related("annotation", "prometheus.io/scrape", d.loc))


def _autoscale(d: Deployment, ix: _Index) -> None:
    """The autoscalers targeting the workload by kind and name; their bounds fill the replicas it leaves unset."""
    for _pos, o in ix.by_target.get((d.kind, d.name), ()):
        d.autoscalers.append(_related(o))
        spec = _spec(o)
        for key, attr in SCALE_FIELDS:
            if key in spec and getattr(d, attr) is None:
                setattr(d, attr, Value(spec[key], o.loc("spec", key)))


def _related(o: K8sObject) -> Related:
    return Related(o.kind, o.name, o.loc("metadata", "name"), _signals(o), public=_public(o))


def _expose(d: Deployment, services: list[K8sObject], ix: _Index) -> None:
    d.exposures += [e for e in map(_exposure, services) if e.public]
    d.exposures += [_exposure(r) for name in dict.fromkeys(o.name for o in services if o.kind == "Service") for r in ix.routes.get(name, ())]


def _backends(o: K8sObject) -> set[str]:
    """The Service names an Ingress (v1 and v1beta1) or a Gateway API HTTPRoute sends traffic to."""
    spec = _spec(o)
    out = _ingress_backends(spec) | (_route_backends(spec) if o.kind == "HTTPRoute" else set())
    return out - {"None"}


def _ingress_backends(spec: dict[str, Any]) -> set[str]:
    """The default backend and each rule path's: v1 names `service.name`, v1beta1 `serviceName`."""
    http = [r.get("http") for r in _list(spec.get("rules")) if isinstance(r, dict)]
    paths = [p for h in http if isinstance(h, dict) for p in _list(h.get("paths")) if isinstance(p, dict)]
    out = set()
    for b in [spec.get("defaultBackend") or spec.get("backend")] + [p.get("backend") for p in paths]:
        if isinstance(b, dict):
            svc = b.get("service")
            out.add(str(svc.get("name")) if isinstance(svc, dict) else str(b.get("serviceName")))
    return out


def _route_backends(spec: dict[str, Any]) -> set[str]:
    """Each rule's backendRefs that are Services (a ref that names no kind is one)."""
    refs = [ref for r in _list(spec.get("rules")) if isinstance(r, dict) for ref in _list(r.get("backendRefs"))]
    return {str(ref.get("name")) for ref in refs if isinstance(ref, dict) and ref.get("kind", "Service") == "Service"}


# annotation words of an authenticating Ingress: nginx auth-url/auth-type, ALB/oauth2-proxy auth, Traefik middlewares
_AUTH = ("auth", "middlewares", "oauth", "jwt")


def _exposure(o: K8sObject) -> Related:
    """How an object puts the pods outside the cluster: a public LoadBalancer, a NodePort on every node's address, an
    Ingress or HTTPRoute without an authentication annotation (`public`), or one with it."""
    spec = _spec(o)
    if o.kind == "Service":
        how = "a public LoadBalancer" if _public(o) else "a NodePort on every node's address" if spec.get("type") == "NodePort" else ""
        return Related(o.kind, o.name, o.loc("spec", "type"), public=bool(how), exposure=how)
    authed = any(w in str(k).lower() for k in o.annotations for w in _AUTH)
    return Related(o.kind, o.name, o.loc("metadata", "name"), public=not authed, exposure=f"an {o.kind}" if o.kind == "Ingress" else "an HTTPRoute")


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
    for ep in _list(_spec(o).get("endpoints")):
        if not isinstance(ep, dict):
            continue
        for svc in services:
            for sp in _list(_spec(svc).get("ports")) if svc.kind == "Service" else []:
                if isinstance(sp, dict) and (sp.get("name") == ep.get("port") or str(sp.get("port")) == str(ep.get("targetPort", ""))):
                    out += [p for p in [sp.get("targetPort", sp.get("port"))] if isinstance(p, (int, str))]
    return tuple(out)


def _pod_monitor_ports(o: K8sObject) -> tuple[int | str, ...]:
    spec = _spec(o)
    endpoints = _list(spec.get("podMetricsEndpoints") or spec.get("endpoints"))
    ports = [ep.get("port", ep.get("targetPort")) for ep in endpoints if isinstance(ep, dict)]
    return tuple(p for p in ports if isinstance(p, (int, str)))


def _list(x: object) -> list[Any]:
    """A list field, or nothing: scraper endpoints and ports of another type link no port."""
    return x if isinstance(x, list) else []


def _signals(o: K8sObject) -> tuple[str, ...]:
    """What an autoscaler scales on: HPA metric types, KEDA ScaledObject trigger types ("" for an entry without one)."""
    spec = _spec(o)
    entries = spec.get("metrics") if o.kind == "HorizontalPodAutoscaler" else spec.get("triggers") if o.kind == "ScaledObject" else None
    if not entries:
        return ()
    if not isinstance(entries, list):
        return ("",)
    return tuple(str(e.get("type") or "") if isinstance(e, dict) else "" for e in entries)


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


def _problem(o: K8sObject, message: str, *path: object) -> None:
    o.problems.append((message, o.loc("spec", *path)))


def _plain_selector(o: K8sObject, sel: object) -> _Selector | None:
    """A Service selector: a map of label to value."""
    if sel is None:
        return None
    if not isinstance(sel, dict):
        _problem(o, f"spec.selector must be a map of labels, not {_kind(sel)}", "selector")
        return None
    return _Selector(_string_map(o, sel, "spec.selector", "selector"))


def _label_selector(o: K8sObject, sel: object) -> _Selector | None:
    """A LabelSelector: matchLabels (a map) and matchExpressions (a list of {key, operator, values})."""
    if sel is None:
        return None
    if not isinstance(sel, dict):
        _problem(o, f"spec.selector must be a map (matchLabels, matchExpressions), not {_kind(sel)}", "selector")
        return None
    ml = sel.get("matchLabels")
    if ml is not None and not isinstance(ml, dict):
        _problem(o, f"spec.selector.matchLabels must be a map, not {_kind(ml)}", "selector", "matchLabels")
        return None
    labels = _string_map(o, ml or {}, "spec.selector.matchLabels", "selector", "matchLabels")
    exprs = _expressions(o, sel.get("matchExpressions"))
    return None if exprs is None else _Selector(labels, exprs)


def _expressions(o: K8sObject, exprs: object) -> list[tuple[str, str, list[str]]] | None:
    """A LabelSelector's matchExpressions as (key, operator, values); None, reported, when one is malformed."""
    if exprs is None:
        return []
    if not isinstance(exprs, list):
        _problem(o, f"spec.selector.matchExpressions must be a list, not {_kind(exprs)}", "selector", "matchExpressions")
        return None
    out = []
    for i, e in enumerate(exprs):
        values = e.get("values") if isinstance(e, dict) else None
        if not isinstance(e, dict) or e.get("operator") not in _OPS or not isinstance(values or [], list):
            _problem(o, f"spec.selector.matchExpressions[{i}] must be {{key, operator: In|NotIn|Exists|DoesNotExist, values: [...]}}",
                     "selector", "matchExpressions", i)
            return None
        out.append((str(e.get("key")), str(e["operator"]), [str(v) for v in values or []]))
    return out


def _string_map(o: K8sObject, m: dict[Any, Any], name: str, *path: object) -> dict[str, str]:
    out = {}
    for k, v in m.items():
        if isinstance(v, (dict, list)):
            _problem(o, f"{name}.{k} must be a string, not {_kind(v)}", *path, k)
            continue
        out[str(k)] = str(v)
    return out
