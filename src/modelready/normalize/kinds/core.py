"""Kubernetes' own workloads: Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod."""

from __future__ import annotations

from ...load.k8s import K8sObject
from ...load.yamlsrc import YMap
from ..fields import want_map
from ..model import Traits, Value, as_int
from ..pods import labels, m, read_pod, scalars
from . import Group, Kind, Near


def _owned(obj: K8sObject, _spec: YMap, _near: Near) -> list[Group]:
    kind = obj.kind
    spec = want_map(obj, obj.body, "spec", "spec")
    where = "spec.jobTemplate.spec" if kind == "CronJob" else "spec"
    root = want_map(obj, want_map(obj, spec, "jobTemplate", "spec.jobTemplate"), "spec", where) if kind == "CronJob" else spec
    tmpl = want_map(obj, root, "template", f"{where}.template")
    replicas = spec.get("replicas", 1) if kind in ("Deployment", "StatefulSet", "ReplicaSet") else None
    if replicas is not None and (as_int(replicas) is None or isinstance(replicas, (bool, float))):
        obj.problems.append((f"spec.replicas must be an integer, not {replicas!r:.40}", obj.loc("spec", "replicas")))
    if kind not in ("CronJob", "Job"):
        want_map(obj, want_map(obj, spec, "selector", "spec.selector"), "matchLabels", "spec.selector.matchLabels")
    pod = read_pod(obj, "main", 1, want_map(obj, tmpl, "spec", f"{where}.template.spec"), where=f"{where}.template.spec")
    pod_labels = labels(tmpl)
    if kind == "StatefulSet":  # the controller labels each pod with its ordinal (Kubernetes 1.28+) and name
        pod_labels = {**pod_labels, "apps.kubernetes.io/pod-index": "0", "statefulset.kubernetes.io/pod-name": f"{obj.name}-0"}
    return [Group([pod], as_int(replicas), obj.loc("spec", "replicas"), pod_labels=pod_labels, pod_annotations=labels(tmpl, "annotations"),
                  max_surge=_max_surge(obj))]


def _max_surge(obj: K8sObject) -> Value | None:
    """A Deployment's rolling update surge (default 25%); a StatefulSet never surges."""
    if obj.kind != "Deployment":
        return None
    strategy = m(m(obj.body.get("spec")).get("strategy"))
    if strategy.get("type") == "Recreate":
        return None
    ru = m(strategy.get("rollingUpdate"))
    if "maxSurge" in ru:
        return Value(ru["maxSurge"], obj.loc("maxSurge", at=ru))
    return Value("25%", obj.loc("spec", "strategy") if strategy else obj.loc("spec"), "default")


def _bare_pod(obj: K8sObject, _spec: YMap, _near: Near) -> list[Group]:
    pod = read_pod(obj, "main", 1, want_map(obj, obj.body, "spec", "spec"))
    return [Group([pod], 1, obj.loc("metadata"), pod_labels=scalars(obj.labels))]


_OWNS = Traits(owns_pods=True)
_BATCH = Traits(batch=True)
KINDS = [
    Kind("Deployment", None, _owned, _OWNS),
    Kind("StatefulSet", None, _owned, _OWNS),
    Kind("DaemonSet", None, _owned),
    Kind("ReplicaSet", None, _owned),
    Kind("Job", None, _owned, _BATCH),
    Kind("CronJob", None, _owned, _BATCH),
    Kind("Pod", None, _bare_pod),
]
