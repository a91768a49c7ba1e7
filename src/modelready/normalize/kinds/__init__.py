"""Workload kinds: one family per file, each holding its reading and its traits.

A family module (`core.py`, `kserve.py`, `ray.py`, ...) declares `KINDS`, a list of `Kind` values: the
kind's name, the API group it must have, how its serving groups are read (where its pod templates sit,
what engine and model its own fields state) and its `Traits` (owns its pods, completed by an operator, a
template...). `registry()` walks this package once, visibly, and fails fast on a kind declared twice for
one group, as the checks' registry does (kube-linter's pkg/objectkinds, Polaris's controllers). A new
operator is a new file and a case folder; every list of kinds elsewhere (what coverage calls a
workload, what never runs pods) is derived from here.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Callable

from ...findings import Loc
from ...load.k8s import K8sObject
from ...load.yamlsrc import YMap
from ..model import Engine, PodSpec, Traits as Traits, Value


@dataclass
class Group:
    """One serving group an object describes: its pod templates and what the kind itself states."""

    pods: list[PodSpec]
    replicas: int | None
    replicas_loc: Loc
    suffix: str = ""  # appended to the object's name when one object holds several serving units
    model_uri: Value | None = None  # the storage URI the operator mounts (KServe storageUri, LLMInferenceService model.uri)
    model: Value | None = None  # the model the kind's own fields name (an operator CR's model)
    min_replicas: Value | None = None
    max_replicas: Value | None = None
    pod_labels: dict[str, str] = field(default_factory=dict)
    pod_annotations: dict[str, str] = field(default_factory=dict)
    engine: Engine | None = None  # an engine the kind's own fields start (Ray Serve applications, operator CRs)
    injected_probes: str | None = None  # why the operator adds probes the files do not spell out
    max_surge: Value | None = None  # extra pods (or groups) a rolling update starts before stopping old ones
    partial: bool = False  # this group's pods are completed by an operator (beyond what the kind's traits say)
    resources_by_operator: str | None = None  # why the operator sizes the pods (see Deployment)
    # why the operator adds engine arguments of its own (a KAITO preset's dtype and probed context): the
    # absence of a flag in the files then proves nothing
    more_args: str | None = None
    notes: list[str] = field(default_factory=list)  # what the reading assumed, said by engine-not-recognised & co.
    claimed: Value | None = None  # the model the CR claims by name, which its operator loads (llmaz modelClaim)


class Near:
    """The objects a kind may read beside its own, by kind and name: those of the same render (one chart
    values set) or, for plain files, of the same folder, in the same namespace (a KAITO Workspace's
    inference ConfigMap, an llmaz Playground's OpenModel, a container's envFrom ConfigMap)."""

    def __init__(self, objects: list[K8sObject] = []) -> None:  # noqa: B006 (never mutated)
        self._by: dict[tuple[str, str, str, str], K8sObject] = {}
        for o in objects:
            self._by.setdefault((_scope(o), o.namespace, o.kind, o.name), o)

    def get(self, beside: K8sObject, kind: str, name: str) -> K8sObject | None:
        return self._by.get((_scope(beside), beside.namespace, kind, name))


def _scope(o: K8sObject) -> str:
    return o.origin if "@" in o.origin else (o.file.rsplit("/", 1)[0] if "/" in o.file else "")


Reader = Callable[[K8sObject, YMap, Near], list[Group]]


@dataclass(frozen=True)
class Kind:
    name: str
    group: str | None  # the API group it must have ("serving.kserve.io"); None: any, the core group included
    read: Reader | None  # None: never runs pods (a Service, a ConfigMap)
    traits: Traits = Traits()
    # a pod-creating kind its reader may fail to read (an operator CR of an unknown shape): say so, never pass
    creates_pods: bool = True
    family: str = ""
    unread: str = ""  # what a not-analysed finding says when its reader finds nothing to read

    def matches(self, api_version: str) -> bool:
        return self.group is None or api_version.split("/")[0] == self.group


@cache
def registry() -> dict[str, tuple[Kind, ...]]:
    """kind name -> its declarations (one per API group), from every family module's KINDS."""
    out: dict[str, list[Kind]] = {}
    seen: set[tuple[str, str | None]] = set()
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for k in getattr(module, "KINDS", []):
            if (k.name, k.group) in seen:
                raise ValueError(f"kind {k.name} ({k.group or 'any group'}) declared twice (in {info.name}.py)")
            seen.add((k.name, k.group))
            out.setdefault(k.name, []).append(replace(k, family=info.name))
    # a group-specific declaration wins over one for any group
    return {name: tuple(sorted(ks, key=lambda k: k.group is None)) for name, ks in out.items()}


def lookup(kind: str, api_version: str) -> Kind | None:
    """The declaration of `kind` at `api_version`, None for a kind no family declares (read generically)."""
    return next((k for k in registry().get(kind, ()) if k.matches(api_version)), None)


def pod_creating() -> tuple[str, ...]:
    """Names of the kinds that run pods, for finding them in text (a chart template that renders nothing);
    a name that is also a plain kind in another group (Knative's Service) cannot be told from text."""
    return tuple(sorted({k.name for ks in registry().values() for k in ks if k.read is not None and k.creates_pods}
                        - {k.name for ks in registry().values() for k in ks if k.read is None}))


def plain() -> frozenset[str]:
    """Names of the kinds that never run pods in any group."""
    return frozenset(name for name, ks in registry().items() if all(k.read is None for k in ks))
