"""A pod template read once, whatever kind holds it: containers, volumes, probes, env, resources, each
value with its line. Kinds (kinds/<family>.py) say where their templates sit; this reads them."""

from __future__ import annotations

from typing import Any

from ..findings import Loc
from ..load.k8s import K8sObject
from ..load.yamlsrc import YList, YMap
from .fields import EMPTY, kind_of, want_list, want_map, want_scalars
from .model import Container, EnvFrom, EnvVar, Image, PodSpec, Probe, Value, Volume, as_int


def read_pod(obj: K8sObject, role: str, count: int, spec: YMap, containers: list[Any] | None = None, where: str = "spec") -> PodSpec:
    """A pod spec; `where` names its path for problems ("spec.template.spec")."""
    L = obj.loc
    if containers is None:
        containers = maps(obj, want_list(obj, spec, "containers", f"{where}.containers"), f"{where}.containers")
    inits = maps(obj, want_list(obj, spec, "initContainers", f"{where}.initContainers"), f"{where}.initContainers")
    return PodSpec(
        role=role,
        count=count,
        containers=[read_container(obj, c, False, f"{where}.containers[{i}]") for i, c in enumerate(containers) if isinstance(c, dict)],
        init_containers=[read_container(obj, c, True, f"{where}.initContainers[{i}]") for i, c in enumerate(inits) if isinstance(c, dict)],
        volumes=read_volumes(obj, spec, where),
        node_selector={str(k): str(v) for k, v in want_map(obj, spec, "nodeSelector", f"{where}.nodeSelector").items()},
        tolerations=list(ls(spec.get("tolerations"))),
        affinity=m(spec.get("affinity")),
        host_ipc=bool(spec.get("hostIPC")),
        loc=L(at=spec),
        host_namespaces={k: L(k, at=spec) for k in ("hostNetwork", "hostIPC", "hostPID") if spec.get(k) is True},
        host_paths={str(v.get("name")): str(m(v.get("hostPath")).get("path", "")) for v in ls(spec.get("volumes"))
                    if isinstance(v, dict) and isinstance(v.get("hostPath"), dict)},
        run_as_user=_run_as(L, spec),
    )


# capabilities that give a container the node (mounts, devices, the network stack, other processes); IPC_LOCK,
# which RDMA needs to pin memory, is not among them
NODE_CAPABILITIES = {"SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "ALL"}


def _run_as(L, holder: dict[str, Any]) -> Value | None:  # type: ignore[no-untyped-def]
    uid = m(holder.get("securityContext")).get("runAsUser")
    return Value(uid, L("securityContext", "runAsUser", at=holder)) if isinstance(uid, int) and not isinstance(uid, bool) else None


def _capabilities(L, c: dict[str, Any]) -> dict[str, Loc]:  # type: ignore[no-untyped-def]
    added = ls(m(m(c.get("securityContext")).get("capabilities")).get("add"))
    return {str(a).upper().removeprefix("CAP_"): L("securityContext", "capabilities", "add", i, at=c)
            for i, a in enumerate(added) if str(a).upper().removeprefix("CAP_") in NODE_CAPABILITIES}


def read_volumes(obj: K8sObject, spec: YMap, where: str) -> dict[str, Volume]:
    vols: dict[str, Volume] = {}
    volumes = want_list(obj, spec, "volumes", f"{where}.volumes")
    for i, v in enumerate(maps(obj, volumes, f"{where}.volumes")):
        if v is None:
            continue
        vkind = next((k for k in v if k != "name"), "unknown")
        src = m(v.get(vkind))
        claim = str(src["claimName"]) if vkind == "persistentVolumeClaim" and src.get("claimName") else None
        vols[str(v.get("name"))] = Volume(str(v.get("name")), vkind, src.get("medium"), src.get("sizeLimit"), obj.loc(i, at=volumes), claim)
    return vols


def maps(obj: K8sObject, items: list[Any], name: str) -> list[dict[str, Any] | None]:
    """The items of a list in place, None where an item is not a map (a problem at its line)."""
    for i, x in enumerate(items):
        if not isinstance(x, dict):
            obj.problems.append((f"{name}[{i}] must be a map, not {kind_of(x)}", obj.loc(i, at=items)))
    return [x if isinstance(x, dict) else None for x in items]


def read_image(obj: K8sObject, c: dict[str, Any], where: str) -> Image | None:
    raw = c.get("image")
    if raw is not None and not isinstance(raw, str):
        obj.problems.append((f"{where}.image must be a string, not {kind_of(raw)}", obj.loc("image", at=c)))
    return Image.parse(str(raw), obj.loc("image", at=c)) if raw is not None and not isinstance(raw, (dict, list)) else None


def read_container(obj: K8sObject, c: dict[str, Any], init: bool, where: str = "container") -> Container:
    L = obj.loc
    image = read_image(obj, c, where)
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
        env=read_env(obj, c, where),
        requests={str(k): Value(v, L("requests", k, at=res)) for k, v in want_map(obj, res, "requests", f"{where}.resources.requests").items()},
        limits={str(k): Value(v, L("limits", k, at=res)) for k, v in want_map(obj, res, "limits", f"{where}.resources.limits").items()},
        probes=read_probes(obj, c),
        ports=ports,
        mounts={str(mm.get("mountPath")): str(mm.get("name")) for mm in want_list(obj, c, "volumeMounts", f"{where}.volumeMounts") if isinstance(mm, dict)},
        loc=L(at=c),
        resources_loc=L("resources", at=c),
        init=init,
        privileged=Value(True, L("securityContext", "privileged", at=c)) if m(c.get("securityContext")).get("privileged") is True else None,
        capabilities=_capabilities(L, c),
        run_as_user=_run_as(L, c),
        arg_locs=arg_locs,
        env_from=read_env_from(obj, c, where),
    )


def read_probes(obj: K8sObject, c: dict[str, Any]) -> dict[str, Probe]:
    probes = {}
    for kind in ("startup", "readiness", "liveness"):
        p = c.get(f"{kind}Probe")
        if isinstance(p, dict):
            handler = next((h for h in ("httpGet", "tcpSocket", "exec", "grpc") if h in p), "none")
            h = m(p.get(handler))
            raw = h.get("command")
            command: list[Any] = raw if handler == "exec" and isinstance(raw, list) else []  # `command: 5` is no argv
            probes[kind] = Probe(kind, handler, h.get("path"), h.get("port"), as_int(p.get("initialDelaySeconds")) or 0,
                                 as_int(p.get("periodSeconds")) or 10, as_int(p.get("failureThreshold")) or 3,
                                 as_int(p.get("timeoutSeconds")) or 1, obj.loc(f"{kind}Probe", at=c),
                                 tuple(str(a) for a in command if isinstance(a, (str, int, float))))
    return probes


def read_env(obj: K8sObject, c: dict[str, Any], where: str) -> list[EnvVar]:
    env = []
    for i, e in enumerate(want_list(obj, c, "env", f"{where}.env")):
        if isinstance(e, dict) and e.get("name"):
            val = e.get("value")
            env.append(EnvVar(str(e["name"]), None if val is None else str(val), e.get("valueFrom"),
                              obj.loc(i, "value", at=c["env"]) if "value" in e else obj.loc(i, at=c["env"])))
    return env


def read_env_from(obj: K8sObject, c: dict[str, Any], where: str) -> list[EnvFrom]:
    """Each envFrom source: the ConfigMaps and Secrets the container reads whole."""
    out = []
    items = want_list(obj, c, "envFrom", f"{where}.envFrom")
    for i, e in enumerate(items):
        for key, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
            ref = e.get(key) if isinstance(e, dict) else None
            if isinstance(ref, dict) and ref.get("name"):
                out.append(EnvFrom(kind, str(ref["name"]), str(e.get("prefix") or ""), bool(ref.get("optional")), obj.loc(i, at=items)))
    return out

def labels(tmpl: dict[str, Any], key: str = "labels") -> dict[str, str]:
    return scalars(m(m(tmpl.get("metadata")).get(key)))


def scalars(labels: dict[Any, Any]) -> dict[str, str]:
    """Labels as strings; a list or map where a label value belongs is no label (the schema check says so)."""
    return {str(k): str(v) for k, v in labels.items() if not isinstance(v, (dict, list))}


def m(x: object) -> YMap:
    return x if isinstance(x, YMap) else EMPTY


def ls(x: object) -> list[Any]:
    return x if isinstance(x, list) else []


def operator_pod(loc: Loc, image: Image | None, command: list[str], args: list[tuple[str, Loc]], env: list[EnvVar],
                 limits: dict[str, Value] | None = None, node_selector: dict[str, str] | None = None, name: str = "main") -> PodSpec:
    """The pod an operator builds from its CR's fields (KubeAI, NIM, KAITO, llmaz): the container it starts,
    with the line of each field it comes from. Probes, volumes and the Service are the operator's."""
    c = Container(name=name, image=image, command=command, args=[a for a, _ in args], env=env, requests={}, limits=limits or {},
                  probes={}, ports={}, mounts={}, loc=loc, resources_loc=loc,
                  arg_locs={"command": [loc] * len(command), "args": [al for _, al in args]})
    return PodSpec(role="main", count=1, containers=[c], init_containers=[], volumes={}, node_selector=node_selector or {},
                   tolerations=[], affinity={}, host_ipc=False, loc=loc)


def env_list(obj: K8sObject, items: object) -> list[EnvVar]:
    """An env list (name/value maps) or an env map (name: value) of a CR, with lines."""
    out = []
    if isinstance(items, YList):
        for i, e in enumerate(items):
            if isinstance(e, dict) and e.get("name"):
                val = e.get("value")
                out.append(EnvVar(str(e["name"]), None if val is None else str(val), e.get("valueFrom"), obj.loc(i, at=items)))
    elif isinstance(items, YMap):
        out = [EnvVar(str(k), str(v), None, obj.loc(k, at=items)) for k, v in items.items() if not isinstance(v, (dict, list))]
    return out
