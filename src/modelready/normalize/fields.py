"""Types at the edge: normalize reads each field through these, so a field of the wrong type is coerced
or refused with a problem at its line ("spec.template.spec.containers must be a list, not a map"),
never carried on to crash a check."""

from __future__ import annotations

from typing import Any

from ..load.k8s import K8sObject
from ..load.yamlsrc import YList, YMap


def kind_of(x: object, none: str = "empty") -> str:
    """How a message names a value's JSON type (`none`: what null is called: YAML's empty value, or the API's null)."""
    if isinstance(x, dict):
        return "a map"
    if isinstance(x, list):
        return "a list"
    if isinstance(x, bool):
        return "a boolean"
    if isinstance(x, (int, float)):
        return "a number"
    return none if x is None else "a string"


def want_map(obj: K8sObject, parent: object, key: str, name: str) -> YMap:
    """parent[key] when it is a map or absent ({}); else a problem at its line and {}."""
    x = parent.get(key) if isinstance(parent, dict) else None
    if x is None or isinstance(x, YMap):
        return x if x is not None else EMPTY
    obj.problems.append((f"{name} must be a map, not {kind_of(x)}", obj.loc(key, at=parent)))
    return EMPTY


def want_list(obj: K8sObject, parent: object, key: str, name: str) -> list[Any]:
    x = parent.get(key) if isinstance(parent, dict) else None
    if x is None or isinstance(x, YList):
        return x if x is not None else []
    obj.problems.append((f"{name} must be a list, not {kind_of(x)}", obj.loc(key, at=parent)))
    return []


def want_scalars(obj: K8sObject, parent: object, key: str, name: str) -> list[str]:
    """A list of strings (command, args): numbers become their text, maps and lists are refused."""
    out = []
    items = want_list(obj, parent, key, name)
    for i, x in enumerate(items):
        if isinstance(x, (dict, list)):
            obj.problems.append((f"{name}[{i}] must be a string, not {kind_of(x)}", obj.loc(i, at=items)))
            x = ""  # kept as a place, so item i still has the line of item i
        out.append(str(x))
    return out


EMPTY = YMap()
EMPTY.line, EMPTY.lines = 0, {}
