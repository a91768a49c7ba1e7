"""Where a container's serving process really starts, completed from the objects beside it before its
engine is read: the variables of its envFrom ConfigMaps and Secrets (explicit env wins, as in
Kubernetes), and a start script mounted from a ConfigMap in place of the path that runs it."""

from __future__ import annotations

from ..findings import Loc
from ..load.k8s import K8sObject
from ..load.yamlsrc import YMap
from .kinds import Near
from .model import Container, EnvVar, PodSpec
from .pods import m

_SHELLS = ("sh", "bash", "ash", "dash", "zsh")


def complete(obj: K8sObject, pod: PodSpec, c: Container, near: Near) -> None:
    _env_from(obj, c, near)
    _mounted_script(obj, pod, c, near)


def _env_from(obj: K8sObject, c: Container, near: Near) -> None:
    have = {e.name for e in c.env}
    for src in c.env_from:
        o = near.get(obj, src.kind, src.name)
        data = _data(o)
        for key, (value, loc) in data.items():
            name = src.prefix + key
            if name in have:
                continue
            have.add(name)
            if src.kind == "ConfigMap":
                c.env.append(EnvVar(name, value, None, loc))
            else:  # a Secret's value is never carried: read from the Secret, as secretKeyRef is
                c.env.append(EnvVar(name, None, {"secretKeyRef": {"name": src.name, "key": key}}, loc))


def _data(o: K8sObject | None) -> dict[str, tuple[str, Loc]]:
    """A ConfigMap's data (or a Secret's stringData/data keys) with the line of each key."""
    out: dict[str, tuple[str, Loc]] = {}
    if o is None:
        return out
    for section in ("data", "stringData"):
        d = o.body.get(section)
        if isinstance(d, YMap):
            for k, v in d.items():
                out[str(k)] = (str(v) if v is not None else "", o.loc(section, k))
    return out


def _mounted_script(obj: K8sObject, pod: PodSpec, c: Container, near: Near) -> None:
    """`command: [/scripts/start.sh]` or `[bash, /scripts/start.sh]` or `sh -c "/scripts/start.sh"`, where
    /scripts is a ConfigMap volume: the script's text runs, read from the ConfigMap at its own lines."""
    argv = c.command + c.args
    if not argv:
        return
    first = 1 if argv[0].rsplit("/", 1)[-1] in _SHELLS else 0
    if first < len(argv) and argv[first] in ("-c", "-ec", "-xc", "-lc", "-exc", "-euc", "-ceu") and first + 1 < len(argv):
        words = argv[first + 1].split()
        path = words[0] if len(words) == 1 or (words and words[0].startswith("/") and "\n" not in argv[first + 1].strip()) else ""
    else:
        path = argv[first] if first < len(argv) else ""
    found = _script_at(obj, pod, c, near, path) if path.startswith("/") else None
    if found is None:
        return
    text, loc = found
    c.command, c.args = ["/bin/sh", "-c"], [text]
    c.arg_locs = {"command": [c.loc, c.loc], "args": [loc]}


def _script_at(obj: K8sObject, pod: PodSpec, c: Container, near: Near, path: str) -> tuple[str, Loc] | None:
    for mount, vol_name in c.mounts.items():
        base = mount.rstrip("/") + "/"
        if not path.startswith(base):
            continue
        vol = pod.volumes.get(vol_name)
        if vol is None or vol.kind != "configMap":
            continue
        name, key = _volume_source(obj, vol_name, path[len(base):])
        data = _data(near.get(obj, "ConfigMap", name)) if name else {}
        if key in data:
            return data[key]
    return None


def _volume_source(obj: K8sObject, vol_name: str, rel: str) -> tuple[str | None, str]:
    """(ConfigMap name, data key) of the file `rel` in the configMap volume `vol_name` (items map keys to paths)."""
    for v in _volumes(obj.body):
        if isinstance(v, YMap) and v.get("name") == vol_name:
            cm = m(v.get("configMap"))
            items = cm.get("items")
            for item in items if isinstance(items, list) else []:
                if isinstance(item, YMap) and item.get("path") == rel:
                    return str(cm.get("name")), str(item.get("key"))
            return (str(cm["name"]) if cm.get("name") else None), rel
    return None, rel


def _volumes(node: object, depth: int = 0) -> list[object]:
    """Every `volumes` list in the object (the pod template sits at a kind's own path)."""
    if depth > 10:
        return []
    if isinstance(node, dict):
        here = node.get("volumes")
        out = list(here) if isinstance(here, list) else []
        for k, v in node.items():
            if k != "volumes":
                out += _volumes(v, depth + 1)
        return out
    if isinstance(node, list):
        return [x for v in node for x in _volumes(v, depth + 1)]
    return []
