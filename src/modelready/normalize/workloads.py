"""Kubernetes objects -> Deployments. A kind's shape (where its pod templates sit, what its own fields
state) is read by its family in kinds/; this stage turns each serving group into a Deployment and finds
its engine and model, so that no check has to know where a pod template sits in a given kind."""

from __future__ import annotations

import re
from dataclasses import replace

from ..findings import Finding, Severity
from ..load.k8s import K8sObject
from . import invocation, kinds, options
from .engine import build_engine, detect_engine
from .kinds import Group, Near, knative
from .kinds.operators import read_generic
from .model import Container, Deployment, ModelRef, Value
from .pods import m


def to_deployments(obj: K8sObject, near: Near | None = None) -> list[Deployment]:
    """The serving units of `obj`; `near`: the objects beside it (ConfigMaps, Secrets, an operator's other CRs)."""
    near = near or Near()
    kind = kinds.lookup(obj.kind, obj.api_version)
    if kind is not None and kind.read is None:
        return []
    groups = kind.read(obj, m(obj.body.get("spec")), near) if kind is not None and kind.read is not None else read_generic(obj)
    traits = kind.traits if kind is not None else kinds.Traits()
    return [_deployment(obj, g, traits, near) for g in groups if g.pods]


def _deployment(obj: K8sObject, g: Group, traits: kinds.Traits, near: Near) -> Deployment:
    dep = Deployment(kind=obj.kind, name=obj.name + g.suffix, namespace=obj.namespace, api_version=obj.api_version,
                     replicas=g.replicas, replicas_loc=g.replicas_loc, pods=g.pods, engine=None, engine_container=None,
                     model=ModelRef(None, None, None, None), loc=obj.loc("metadata", "name"), origin=obj.origin or obj.file,
                     annotations={str(k): str(v) for k, v in obj.annotations.items()},
                     traits=replace(traits, partial=traits.partial or g.partial))
    for pod, c in dep.containers():
        invocation.complete(obj, pod, c, near)
    _find_engine(dep, g)
    _options_file(obj, dep, near)
    if dep.engine is not None:
        dep.engine.assumed = dep.engine.assumed or ("; ".join(g.notes) or None)
        if g.more_args:
            dep.engine.dynamic_args, dep.engine.unparsed = True, g.more_args
    dep.injected_probes, dep.resources_by_operator = g.injected_probes, g.resources_by_operator
    _multi_node(dep)
    _find_model(dep, g)
    dep.min_replicas, dep.max_replicas = g.min_replicas, g.max_replicas
    knative.scale_bounds(obj, dep)
    dep.max_surge, dep.claimed_model = g.max_surge, g.claimed
    dep.pod_labels, dep.pod_annotations = g.pod_labels, g.pod_annotations
    return dep


def _find_engine(dep: Deployment, g: Group) -> None:
    fallback = None
    for _pod_spec, c in dep.containers():
        name = detect_engine(c)
        if name:
            dep.engine, dep.engine_container = build_engine(c, name), c
            return
        if fallback is None and c.gpu():
            fallback = c
    dep.engine_container = fallback
    if g.engine is not None:  # an engine the kind's own fields start (a Ray Serve application, an operator CR)
        dep.engine = g.engine
        dep.engine_container = dep.engine_container or next((c for _p, c in dep.containers()), None)


def _options_file(obj: K8sObject, dep: Deployment, near: Near) -> None:
    """The engine's options file (--extra_llm_api_options), from a ConfigMap its container mounts."""
    e, c = dep.engine, dep.engine_container
    pod = next((p for p, x in dep.containers() if x is c), None)
    if e is not None and c is not None and pod is not None:
        options.read(e, lambda path: invocation.file_at(obj, pod, c, near, path))


def _multi_node(dep: Deployment) -> None:
    """An engine started with `--nnodes N` on a StatefulSet or Deployment spans N of its pods (rank from the
    pod index): one serving group of N pods, as a LeaderWorkerSet of size N would be."""
    nodes = dep.engine.int_setting("nnodes") if dep.engine else None
    if dep.kind in ("StatefulSet", "Deployment") and nodes and nodes > 1 and len(dep.pods) == 1:
        dep.pods[0].count = nodes


def _find_model(dep: Deployment, g: Group) -> None:
    eng, c = dep.engine, dep.engine_container
    model = eng.setting("model") if eng else None
    revision = eng.setting("revision") if eng else None
    uri = g.model_uri
    model = _shell_var(model, c) or g.model or _env_model(c)  # the kind's own field (an operator CR's), else the container's env
    mid = str(model.value) if model else None
    u = str(uri.value) if uri else (mid if mid and "://" in mid else None)
    named = model or uri
    dep.model = ModelRef(mid, u, str(revision.value) if revision else None, named.loc if named else None)


def _shell_var(model: Value | None, c: Container | None) -> Value | None:
    """`--model $MODEL` in a shell script: the container's literal MODEL, where it sets one."""
    ref = re.fullmatch(r"\$\{?(\w+)\}?", str(model.value)) if model is not None else None
    env = c.env_map() if c is not None and ref else {}
    var = env.get(ref.group(1)) if ref else None
    return Value(var.value, var.loc, var.name) if var is not None and var.value else model


def _env_model(c: Container | None) -> Value | None:
    env = c.env_map() if c is not None else {}
    var = next((v for v in ("MODEL_ID", "MODEL_NAME", "MODEL", "MODEL_PATH") if v in env and env[v].value), None)
    return Value(env[var].value, env[var].loc) if var else None


def not_read(obj: K8sObject) -> list[Finding]:
    """A kind that runs pods, read to no serving unit: said, never a silent pass."""
    kind = kinds.lookup(obj.kind, obj.api_version)
    if kind is None or kind.read is None or not kind.creates_pods:
        return []
    why = kind.unread or "no pod template with a container image was found where its controller reads one"
    return [Finding("not-analysed", Severity.warning, f"{obj.kind} {obj.name} runs pods, but {why}: nothing of it was checked",
                    obj.loc("metadata", "name"), ("manifests-render",), subject=obj.file)]
