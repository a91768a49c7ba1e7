"""LeaderWorkerSet (leaderworkerset.x-k8s.io): one serving group of a leader and size-1 workers."""

from __future__ import annotations

from ...load.k8s import K8sObject
from ...load.yamlsrc import YMap
from ..model import Traits, Value, as_int
from ..pods import labels, m, read_pod
from . import Group, Kind, Near


def _lws(obj: K8sObject, spec: YMap, _near: Near) -> list[Group]:
    lwt = m(spec.get("leaderWorkerTemplate"))
    size = as_int(lwt.get("size")) or 1
    pods = []
    if lwt.get("leaderTemplate"):
        pods.append(read_pod(obj, "leader", 1, m(m(lwt["leaderTemplate"]).get("spec"))))
        pods.append(read_pod(obj, "worker", size - 1, m(m(lwt.get("workerTemplate")).get("spec"))))
    else:
        pods.append(read_pod(obj, "worker", size, m(m(lwt.get("workerTemplate")).get("spec"))))
    tmpl = m(lwt.get("leaderTemplate") or lwt.get("workerTemplate"))
    # The LWS controller labels every pod with its set's name; Services select on it.
    pod_labels = {**labels(tmpl), "leaderworkerset.sigs.k8s.io/name": obj.name, "leaderworkerset.sigs.k8s.io/worker-index": "0"}
    return [Group([p for p in pods if p.count > 0], as_int(spec.get("replicas", 1)), obj.loc("spec", "replicas"), pod_labels=pod_labels,
                  max_surge=_max_surge(obj, spec))]


def _max_surge(obj: K8sObject, spec: YMap) -> Value | None:
    """A LeaderWorkerSet surges whole groups (default 0)."""
    cfg = m(m(spec.get("rolloutStrategy")).get("rollingUpdateConfiguration"))
    return Value(cfg["maxSurge"], obj.loc("maxSurge", at=cfg)) if "maxSurge" in cfg else None


KINDS = [Kind("LeaderWorkerSet", None, _lws, Traits(owns_pods=True))]
