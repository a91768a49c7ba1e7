"""Kubernetes objects -> Deployments. Every shape walk (Deployment vs LeaderWorkerSet vs KServe vs Ray)
lives here, so that no check has to know where a pod template sits in a given kind."""

from __future__ import annotations

from typing import Any

from ..findings import Loc
from ..load.k8s import K8sObject
from ..load.yamlsrc import YList, YMap
from . import rayserve
from .engine import build_engine, detect_engine
from .fields import EMPTY, kind_of, want_list, want_map, want_scalars
from .model import Container, Deployment, EnvVar, Image, ModelRef, PodSpec, Probe, Value, Volume, as_int

# (name suffix, pod templates, replicas, where replicas are set, extra facts) of one serving group
Group = tuple[str, list[PodSpec], "int | None", Loc, dict[str, Any]]
POD_OWNERS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}
# Kinds that are never workloads even though they may embed pod-like maps.
NOT_WORKLOADS = {"CustomResourceDefinition", "ConfigMap", "Secret", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget",
                 "ServiceMonitor", "PodMonitor", "PodMonitoring", "ScaledObject", "Role", "ClusterRole", "RoleBinding",
                 "ClusterRoleBinding", "ServiceAccount", "Ingress", "NetworkPolicy", "PersistentVolumeClaim", "PersistentVolume",
                 "PodAutoscaler", "InferencePool", "InferenceModel", "HTTPRoute", "Gateway", "IngressRoute", "Namespace",
                 "StorageClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "PriorityClass"}



KNATIVE_MIN, KNATIVE_MAX = ("autoscaling.knative.dev/min-scale", "autoscaling.knative.dev/minScale"), ("autoscaling.knative.dev/max-scale", "autoscaling.knative.dev/maxScale")


def to_deployments(obj: K8sObject) -> list[Deployment]:
    if obj.kind in NOT_WORKLOADS and not obj.api_version.startswith("serving.knative.dev/"):  # a Knative Service runs pods
        return []
    groups = _pod_groups(obj)
    out = []
    for suffix, pods, replicas, replicas_loc, extra in groups:
        if not pods:
            continue
        dep = Deployment(
            kind=obj.kind,
            name=obj.name + suffix,
            namespace=obj.namespace,
            api_version=obj.api_version,
            replicas=replicas,
            replicas_loc=replicas_loc,
            pods=pods,
            engine=None,
            engine_container=None,
            model=ModelRef(None, None, None, None),
            loc=obj.loc("metadata", "name"),
            origin=obj.origin or obj.file,
            annotations={str(k): str(v) for k, v in obj.annotations.items()},
        )
        _find_engine(dep)
        if dep.engine is None:
            rayserve.serve_engine(obj, dep)
        if any(p.role in ("head", "worker") for p in pods):
            dep.injected_probes = rayserve.probes_injected(obj)
        _multi_node(dep)
        _find_model(dep, extra)
        for key in ("min_replicas", "max_replicas"):
            if extra.get(key):
                setattr(dep, key, extra[key])
        _knative_bounds(obj, dep)
        dep.max_surge = _max_surge(obj)
        dep.managed_service = extra.get("managed_service", False) or obj.api_version.startswith("serving.knative.dev/")
        dep.partial = extra.get("partial", False)
        dep.pod_labels = extra.get("pod_labels", {})
        dep.pod_annotations = extra.get("pod_annotations", {})
        out.append(dep)
    return out


def _pod_groups(obj: K8sObject) -> list[Group]:
    """(name suffix, pod specs, replicas, replicas loc, extra) for each serving group in the object."""
    spec = _m(obj.body.get("spec"))
    if obj.kind in POD_OWNERS or obj.kind == "CronJob":
        return _owned(obj, spec)
    group, reader = READERS.get(obj.kind, (None, None))
    if reader is not None and group in (None, obj.api_version.split("/")[0]):
        return reader(obj, spec)
    return _generic(obj)


def _owned(obj: K8sObject, _spec: YMap) -> list[Group]:
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
    pod = _pod(obj, "main", 1, want_map(obj, tmpl, "spec", f"{where}.template.spec"), where=f"{where}.template.spec")
    labels = _labels(tmpl)
    if kind == "StatefulSet":  # the controller labels each pod with its ordinal (Kubernetes 1.28+) and name
        labels = {**labels, "apps.kubernetes.io/pod-index": "0", "statefulset.kubernetes.io/pod-name": f"{obj.name}-0"}
    return [("", [pod], as_int(replicas), obj.loc("spec", "replicas"), {"pod_labels": labels, "pod_annotations": _labels(tmpl, "annotations")})]


def _bare_pod(obj: K8sObject, _spec: YMap) -> list[Group]:
    return [("", [_pod(obj, "main", 1, want_map(obj, obj.body, "spec", "spec"))], 1, obj.loc("metadata"), {"pod_labels": obj.labels})]


def _lws(obj: K8sObject, spec: YMap) -> list[Group]:
    lwt = _m(spec.get("leaderWorkerTemplate"))
    size = as_int(lwt.get("size")) or 1
    pods = []
    if lwt.get("leaderTemplate"):
        pods.append(_pod(obj, "leader", 1, _m(_m(lwt["leaderTemplate"]).get("spec"))))
        pods.append(_pod(obj, "worker", size - 1, _m(_m(lwt.get("workerTemplate")).get("spec"))))
    else:
        pods.append(_pod(obj, "worker", size, _m(_m(lwt.get("workerTemplate")).get("spec"))))
    tmpl = _m(lwt.get("leaderTemplate") or lwt.get("workerTemplate"))
    # The LWS controller labels every pod with its set's name; Services select on it.
    labels = {**_labels(tmpl), "leaderworkerset.sigs.k8s.io/name": obj.name, "leaderworkerset.sigs.k8s.io/worker-index": "0"}
    return [("", [p for p in pods if p.count > 0], as_int(spec.get("replicas", 1)), obj.loc("spec", "replicas"), {"pod_labels": labels})]


def _llm_isvc(obj: K8sObject, spec: YMap) -> list[Group]:
    L = obj.loc
    out = []
    for suffix, part in (("", spec), ("/prefill", _m(spec.get("prefill")))):
        pods = []
        if isinstance(part.get("template"), dict):
            pods.append(_pod(obj, "main", 1, part["template"]))
        if isinstance(part.get("worker"), dict):
            pods.append(_pod(obj, "worker", 1, part["worker"]))
        extra: dict[str, Any] = {"managed_service": True, "partial": True}  # merged with LLMInferenceServiceConfig templates
        model = _m(spec.get("model"))
        if model.get("uri"):
            extra["model_uri"] = Value(model["uri"], L("uri", at=model))
        out.append((suffix, pods, as_int(part.get("replicas", 1)), L("replicas", at=part) if part else L("spec"), extra))
    return out


def _serving_runtime(obj: K8sObject, spec: YMap) -> list[Group]:
    pods = [_pod(obj, "main", 1, spec)]
    if isinstance(spec.get("workerSpec"), dict):
        pods.append(_pod(obj, "worker", 1, spec["workerSpec"]))
    return [("", pods, None, obj.loc("spec"), {"managed_service": True})]


def _kserve_isvc(obj: K8sObject, spec: YMap) -> list[Group]:
    L = obj.loc
    pred = _m(spec.get("predictor"))
    extra: dict[str, Any] = {"managed_service": True}
    for key, attr in (("minReplicas", "min_replicas"), ("maxReplicas", "max_replicas")):
        if key in pred:
            extra[attr] = Value(pred[key], L(key, at=pred))
    pods = []
    if isinstance(pred.get("containers"), list):
        pods.append(_pod(obj, "main", 1, pred))
    else:
        # model: {modelFormat, runtime, storageUri, args, env, resources} or a legacy framework key.
        for key in ("model", "huggingface", "pytorch", "tensorflow", "sklearn", "xgboost", "onnx", "triton", "lightgbm", "paddle", "pmml"):
            if isinstance(pred.get(key), dict):
                part = pred[key]
                if part.get("storageUri"):
                    extra["model_uri"] = Value(part["storageUri"], L("storageUri", at=part))
                pod = _pod(obj, "main", 1, pred, containers=[part])
                pods.append(pod)
                extra["partial"] = True  # image, probes and volumes come from the ServingRuntime
                break
    if isinstance(pred.get("workerSpec"), dict):
        pods.append(_pod(obj, "worker", 1, pred["workerSpec"]))
    return [("", pods, as_int(pred.get("minReplicas", 1)), L("minReplicas", at=pred) if pred else L("spec"), extra)]


# kind -> (API group it must have, or None for any; the reader of its serving groups)
READERS = {
    "Pod": (None, _bare_pod),
    "LeaderWorkerSet": (None, _lws),
    "InferenceService": ("serving.kserve.io", _kserve_isvc),
    "LLMInferenceService": ("serving.kserve.io", _llm_isvc),
    "LLMInferenceServiceConfig": ("serving.kserve.io", _llm_isvc),
    "ServingRuntime": (None, _serving_runtime),
    "ClusterServingRuntime": (None, _serving_runtime),
}


def _generic(obj: K8sObject) -> list[Group]:
    """Any other kind: each mapping with a `containers` list is a pod template (Ray groups, operator CRs).

    Ray head and worker groups form one serving group; other templates (prefill and decode roles of one
    object) are separate serving units, named after the nearest `name` above them.
    """
    found: list[tuple[PodSpec, str]] = []
    replicas = None
    replicas_loc = obj.loc("metadata")

    def walk(node: object, depth: int, role: str, count: int, label: str) -> None:
        nonlocal replicas, replicas_loc
        if depth > 12:
            return
        if isinstance(node, YMap):
            label = str(node["name"]) if isinstance(node.get("name"), str) and "containers" not in node else label
            if isinstance(node.get("containers"), list) and any(isinstance(c, dict) and "image" in c for c in node["containers"]):
                pod = _pod(obj, role, count, node)
                if role in ("head", "worker"):
                    _kuberay_shm(pod)
                found.append((pod, label))
                return
            if replicas is None and isinstance(node.get("replicas"), int):
                replicas, replicas_loc = node["replicas"], obj.loc("replicas", at=node)
            for k, v in node.items():
                if k == "workerGroupSpecs" and isinstance(v, list):
                    for g in v:
                        if isinstance(g, dict):
                            walk(g, depth + 1, "worker", as_int(g.get("replicas", g.get("minReplicas", 1))) or 1, label)
                elif k == "headGroupSpec":
                    walk(v, depth + 1, "head", 1, label)
                elif k != "status":
                    walk(v, depth + 1, role, count, label)
        elif isinstance(node, YList):
            for v in node:
                walk(v, depth + 1, role, count, label)

    walk(obj.body.get("spec"), 0, "main", 1, "")
    ray = [p for p, _ in found if p.role in ("head", "worker")]
    if ray or len(found) <= 1:
        return [("", [p for p, _ in found], replicas, replicas_loc, {})]
    return [(f"/{label or i}", [p], replicas, replicas_loc, {}) for i, (p, label) in enumerate(found)]


def _kuberay_shm(pod: PodSpec) -> None:
    """KubeRay mounts a memory-backed /dev/shm into every Ray container unless one is given."""
    if any("/dev/shm" in c.mounts for c in pod.containers):
        return
    pod.volumes["kuberay-shared-mem"] = Volume("kuberay-shared-mem", "emptyDir", "Memory", None, pod.loc)
    for c in pod.containers:
        c.mounts["/dev/shm"] = "kuberay-shared-mem"


def _pod(obj: K8sObject, role: str, count: int, spec: YMap, containers: list[Any] | None = None, where: str = "spec") -> PodSpec:
    """A pod spec; `where` names its path for problems ("spec.template.spec")."""
    L = obj.loc
    if containers is None:
        containers = _maps(obj, want_list(obj, spec, "containers", f"{where}.containers"), f"{where}.containers")
    inits = _maps(obj, want_list(obj, spec, "initContainers", f"{where}.initContainers"), f"{where}.initContainers")
    return PodSpec(
        role=role,
        count=count,
        containers=[_container(obj, c, False, f"{where}.containers[{i}]") for i, c in enumerate(containers) if isinstance(c, dict)],
        init_containers=[_container(obj, c, True, f"{where}.initContainers[{i}]") for i, c in enumerate(inits) if isinstance(c, dict)],
        volumes=_volumes(obj, spec, where),
        node_selector={str(k): str(v) for k, v in want_map(obj, spec, "nodeSelector", f"{where}.nodeSelector").items()},
        tolerations=list(_l(spec.get("tolerations"))),
        affinity=_m(spec.get("affinity")),
        host_ipc=bool(spec.get("hostIPC")),
        loc=L(at=spec),
        host_namespaces={k: L(k, at=spec) for k in ("hostNetwork", "hostIPC", "hostPID") if spec.get(k) is True},
        host_paths={str(v.get("name")): str(_m(v.get("hostPath")).get("path", "")) for v in _l(spec.get("volumes"))
                    if isinstance(v, dict) and isinstance(v.get("hostPath"), dict)},
        run_as_user=_run_as(L, spec),
    )


# capabilities that give a container the node (mounts, devices, the network stack, other processes); IPC_LOCK,
# which RDMA needs to pin memory, is not among them
NODE_CAPABILITIES = {"SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "ALL"}


def _run_as(L, holder: dict[str, Any]) -> Value | None:  # type: ignore[no-untyped-def]
    uid = _m(holder.get("securityContext")).get("runAsUser")
    return Value(uid, L("securityContext", "runAsUser", at=holder)) if isinstance(uid, int) and not isinstance(uid, bool) else None


def _capabilities(L, c: dict[str, Any]) -> dict[str, Loc]:  # type: ignore[no-untyped-def]
    added = _l(_m(_m(c.get("securityContext")).get("capabilities")).get("add"))
    return {str(a).upper().removeprefix("CAP_"): L("securityContext", "capabilities", "add", i, at=c)
            for i, a in enumerate(added) if str(a).upper().removeprefix("CAP_") in NODE_CAPABILITIES}


def _volumes(obj: K8sObject, spec: YMap, where: str) -> dict[str, Volume]:
    vols: dict[str, Volume] = {}
    volumes = want_list(obj, spec, "volumes", f"{where}.volumes")
    for i, v in enumerate(_maps(obj, volumes, f"{where}.volumes")):
        if v is None:
            continue
        vkind = next((k for k in v if k != "name"), "unknown")
        src = _m(v.get(vkind))
        vols[str(v.get("name"))] = Volume(str(v.get("name")), vkind, src.get("medium"), src.get("sizeLimit"), obj.loc(i, at=volumes))
    return vols


def _maps(obj: K8sObject, items: list[Any], name: str) -> list[dict[str, Any] | None]:
    """The items of a list in place, None where an item is not a map (a problem at its line)."""
    for i, x in enumerate(items):
        if not isinstance(x, dict):
            obj.problems.append((f"{name}[{i}] must be a map, not {kind_of(x)}", obj.loc(i, at=items)))
    return [x if isinstance(x, dict) else None for x in items]


def _image(obj: K8sObject, c: dict[str, Any], where: str) -> Image | None:
    raw = c.get("image")
    if raw is not None and not isinstance(raw, str):
        obj.problems.append((f"{where}.image must be a string, not {kind_of(raw)}", obj.loc("image", at=c)))
    return Image.parse(str(raw), obj.loc("image", at=c)) if raw is not None and not isinstance(raw, (dict, list)) else None


def _container(obj: K8sObject, c: dict[str, Any], init: bool, where: str = "container") -> Container:
    L = obj.loc
    image = _image(obj, c, where)
    res = want_map(obj, c, "resources", f"{where}.resources")
    ports = {}
    for p in want_list(obj, c, "ports", f"{where}.ports"):
        if isinstance(p, dict) and isinstance(p.get("containerPort"), int):
            ports[str(p.get("name") or p["containerPort"])] = p["containerPort"]
    arg_locs = {part: [L(i, at=c[part]) for i in range(len(c[part]))] for part in ("command", "args") if isinstance(c.get(part), YList)}
    return Container(
        name=str(c.get("name", "")),
        image=image,
        command=want_scalars(obj, c, "command", f"{where}.command"),
        args=want_scalars(obj, c, "args", f"{where}.args"),
        env=_env(obj, c, where),
        requests={str(k): Value(v, L("requests", k, at=res)) for k, v in want_map(obj, res, "requests", f"{where}.resources.requests").items()},
        limits={str(k): Value(v, L("limits", k, at=res)) for k, v in want_map(obj, res, "limits", f"{where}.resources.limits").items()},
        probes=_probes(obj, c),
        ports=ports,
        mounts={str(m.get("mountPath")): str(m.get("name")) for m in want_list(obj, c, "volumeMounts", f"{where}.volumeMounts") if isinstance(m, dict)},
        loc=L(at=c),
        resources_loc=L("resources", at=c),
        init=init,
        privileged=Value(True, L("securityContext", "privileged", at=c)) if _m(c.get("securityContext")).get("privileged") is True else None,
        capabilities=_capabilities(L, c),
        run_as_user=_run_as(L, c),
        arg_locs=arg_locs,
    )


def _probes(obj: K8sObject, c: dict[str, Any]) -> dict[str, Probe]:
    probes = {}
    for kind in ("startup", "readiness", "liveness"):
        p = c.get(f"{kind}Probe")
        if isinstance(p, dict):
            handler = next((h for h in ("httpGet", "tcpSocket", "exec", "grpc") if h in p), "none")
            h = _m(p.get(handler))
            probes[kind] = Probe(kind, handler, h.get("path"), h.get("port"), as_int(p.get("initialDelaySeconds")) or 0,
                                 as_int(p.get("periodSeconds")) or 10, as_int(p.get("failureThreshold")) or 3,
                                 as_int(p.get("timeoutSeconds")) or 1, obj.loc(f"{kind}Probe", at=c),
                                 tuple(str(a) for a in h.get("command") or [] if isinstance(a, (str, int, float))) if handler == "exec" else ())
    return probes


def _env(obj: K8sObject, c: dict[str, Any], where: str) -> list[EnvVar]:
    env = []
    for i, e in enumerate(want_list(obj, c, "env", f"{where}.env")):
        if isinstance(e, dict) and e.get("name"):
            val = e.get("value")
            env.append(EnvVar(str(e["name"]), None if val is None else str(val), e.get("valueFrom"),
                              obj.loc(i, "value", at=c["env"]) if "value" in e else obj.loc(i, at=c["env"])))
    return env


def _find_engine(dep: Deployment) -> None:
    fallback = None
    for _pod_spec, c in dep.containers():
        name = detect_engine(c)
        if name:
            dep.engine, dep.engine_container = build_engine(c, name), c
            return
        if fallback is None and c.gpu():
            fallback = c
    dep.engine_container = fallback


def _max_surge(obj: K8sObject) -> Value | None:
    """The rolling update's surge as the controller applies it: a Deployment's default is 25%; a
    LeaderWorkerSet surges whole groups (default 0); a StatefulSet never surges."""
    spec = _m(obj.body.get("spec"))
    if obj.kind == "Deployment":
        strategy = _m(spec.get("strategy"))
        if strategy.get("type") == "Recreate":
            return None
        ru = _m(strategy.get("rollingUpdate"))
        if "maxSurge" in ru:
            return Value(ru["maxSurge"], obj.loc("maxSurge", at=ru))
        return Value("25%", obj.loc("spec", "strategy") if strategy else obj.loc("spec"), "default")
    if obj.kind == "LeaderWorkerSet":
        cfg = _m(_m(spec.get("rolloutStrategy")).get("rollingUpdateConfiguration"))
        if "maxSurge" in cfg:
            return Value(cfg["maxSurge"], obj.loc("maxSurge", at=cfg))
    return None


def _knative_bounds(obj: K8sObject, dep: Deployment) -> None:
    """Knative's autoscaler reads min/max scale from annotations: on a KServe InferenceService (serverless
    mode, passed down to the Knative revision) or a Knative Service's revision template."""
    spec = _m(obj.body.get("spec"))
    meta = _m(_m(spec.get("template")).get("metadata"))
    places = [(obj.annotations, obj.body.get("metadata")), (_m(meta.get("annotations")), meta)]
    for attr, keys in (("min_replicas", KNATIVE_MIN), ("max_replicas", KNATIVE_MAX)):
        for ann, where in places:
            key = next((k for k in keys if k in ann), None)
            if key is not None and isinstance(where, dict):
                setattr(dep, attr, Value(str(ann[key]), obj.loc("annotations", key, at=where)))
                break


def _multi_node(dep: Deployment) -> None:
    """An engine started with `--nnodes N` on a StatefulSet or Deployment spans N of its pods (rank from the
    pod index): one serving group of N pods, as a LeaderWorkerSet of size N would be."""
    nodes = dep.engine.int_setting("nnodes") if dep.engine else None
    if dep.kind in ("StatefulSet", "Deployment") and nodes and nodes > 1 and len(dep.pods) == 1:
        dep.pods[0].count = nodes


def _find_model(dep: Deployment, extra: dict[str, Any]) -> None:
    eng, c = dep.engine, dep.engine_container
    model = eng.setting("model") if eng else None
    revision = eng.setting("revision") if eng else None
    uri = extra.get("model_uri")
    if model is None and c is not None:
        env = c.env_map()
        for var in ("MODEL_ID", "MODEL_NAME", "MODEL", "MODEL_PATH"):
            if var in env and env[var].value:
                model = Value(env[var].value, env[var].loc)
                break
    mid = str(model.value) if model else None
    u = str(uri.value) if uri else (mid if mid and "://" in mid else None)
    named = model or uri
    dep.model = ModelRef(mid, u, str(revision.value) if revision else None, named.loc if named else None)


def _labels(tmpl: dict[str, Any], key: str = "labels") -> dict[str, str]:
    meta = _m(tmpl.get("metadata"))
    return {str(k): str(v) for k, v in _m(meta.get(key)).items()}


def _m(x: object) -> YMap:
    return x if isinstance(x, YMap) else EMPTY


def _l(x: object) -> list[Any]:
    return x if isinstance(x, list) else []
