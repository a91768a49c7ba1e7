"""Where a container's serving process really starts, completed from the objects beside it before its
engine is read: the variables of its envFrom ConfigMaps and Secrets (explicit env wins, as in
Kubernetes), and a start script mounted from a ConfigMap in place of the path that runs it."""

from __future__ import annotations

import re

from ..findings import Loc
from ..load.k8s import K8sObject
from ..load.yamlsrc import YMap
from .kinds import Near
from .model import Container, EnvVar, PodSpec
from .pods import m

_SHELLS = ("sh", "bash", "ash", "dash", "zsh")
_SHELL_C = ("-c", "-ec", "-xc", "-lc", "-exc", "-euc", "-ceu")


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
    /scripts is a ConfigMap volume: the script's text runs, read from the ConfigMap at its own lines. A
    Python script (`python3 /scripts/serve.py`, `python -c CODE`) is kept for its engine calls."""
    argv = c.command + c.args
    if not argv:
        return
    inline = _python_inline(c, argv)
    if inline is not None:
        c.py_script = inline
        return
    path = _run_path(argv)
    found = _script_at(obj, pod, c, near, path) if path.startswith("/") else None
    if found is None:
        return
    text, loc = found
    if path.endswith(".py"):
        c.py_script = (text, loc, not c.env_from)  # a block scalar's first line is the line after its key
        return
    c.command, c.args = ["/bin/sh", "-c"], [text]
    c.arg_locs = {"command": [c.loc, c.loc], "args": [loc]}


def _is_python(word: str) -> bool:
    return re.fullmatch(r"python(\d(\.\d+)?)?", word.rsplit("/", 1)[-1]) is not None


def _run_path(argv: list[str]) -> str:
    """The file the container runs: the script a shell or Python interpreter is given, or argv[0]."""
    first = 1 if argv[0].rsplit("/", 1)[-1] in _SHELLS else 0
    if first < len(argv) and argv[first] in _SHELL_C and first + 1 < len(argv):
        return _shell_c_path(argv[first + 1])
    if first < len(argv) and _is_python(argv[first]):
        rest = [w for w in argv[first + 1:] if not w.startswith("-")]
        return rest[0] if rest and rest[0].endswith(".py") and "-m" not in argv[first + 1:first + 2] else ""
    return argv[first] if first < len(argv) else ""


def _shell_c_path(script: str) -> str:
    """`sh -c "/scripts/start.sh"` or `sh -c "python3 /scripts/serve.py"`: the file; '' for a longer script."""
    words = script.split()
    if len(words) == 2 and words[0].rsplit("/", 1)[-1] in _SHELLS:  # sh -c "bash /workload/mount/entrypoint.sh"
        return words[1]
    if len(words) > 1 and _is_python(words[0]):
        files = [w for w in words[1:] if not w.startswith("-")]
        return files[0] if files and files[0].endswith(".py") else ""
    return words[0] if len(words) == 1 or (words and words[0].startswith("/") and "\n" not in script.strip()) else ""


def _python_inline(c: Container, argv: list[str]) -> tuple[str, Loc, bool] | None:
    """`python3 -c CODE`: the code, at the line before its first (a block scalar's starts after its key)."""
    if len(argv) < 3 or not _is_python(argv[0]) or argv[1] != "-c":
        return None
    part, i = ("command", 2) if len(c.command) > 2 else ("args", 2 - len(c.command))
    loc = c.loc_of_arg(part, i)
    code = argv[2]
    at = loc if "\n" in code.rstrip("\n") else Loc(loc.file, max(loc.line - 1, 0), loc.values_key)
    return code, at, not c.env_from


def file_at(obj: K8sObject, pod: PodSpec, c: Container, near: Near, path: str) -> tuple[str, Loc] | None:
    """The text of the file at absolute `path` in container `c`, where a ConfigMap the pod mounts holds it."""
    return _script_at(obj, pod, c, near, path) if path.startswith("/") else None


def _script_at(obj: K8sObject, pod: PodSpec, c: Container, near: Near, path: str) -> tuple[str, Loc] | None:
    for mount, vol_name in c.mounts.items():
        base = mount.rstrip("/") + "/"
        if path == mount.rstrip("/"):  # one file mounted by subPath: read as the key of its name
            rel = path.rsplit("/", 1)[-1]
        elif path.startswith(base):
            rel = path[len(base):]
        else:
            continue
        vol = pod.volumes.get(vol_name)
        if vol is None or vol.kind != "configMap":
            continue
        name, key = _volume_source(obj, vol_name, rel)
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
