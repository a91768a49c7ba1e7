"""OpenShift `Template` objects: the objects they wrap, with each parameter's default substituted.

`oc process` replaces `${NAME}` inside strings and `${{NAME}}` (a whole value, not quoted) with the
parameter's value. Here that value is the template's own default (`value:`); a parameter without one
(`generate:` or required) keeps its placeholder, which the checks read as a placeholder.
Lines are kept: the wrapped objects are the same mappings, rebuilt with substituted strings.
"""

from __future__ import annotations

import re
from typing import Any, TypeGuard

from .yamlsrc import YList, YMap

_PARAM = re.compile(r"\$\{\{?([A-Za-z0-9_]+)\}?\}")
_WHOLE = re.compile(r"^\$\{\{([A-Za-z0-9_]+)\}\}$")
_INT = re.compile(r"-?[0-9]{1,18}")


def is_template(doc: object) -> TypeGuard[YMap]:
    return (isinstance(doc, YMap) and doc.get("kind") == "Template" and isinstance(doc.get("objects"), list)
            and str(doc.get("apiVersion", "")).split("/")[0] in ("template.openshift.io", "v1"))


def unwrap(doc: YMap) -> list[Any]:
    """The template's objects with parameter defaults substituted."""
    values: dict[str, str] = {}
    for p in doc.get("parameters") or []:
        if isinstance(p, dict) and p.get("name") and p.get("value") is not None:
            values[str(p["name"])] = str(p["value"])
    return [_subst(o, values, 0) for o in doc["objects"]]


def _subst(node: Any, values: dict[str, str], depth: int) -> Any:
    if depth > 64:
        return node
    if isinstance(node, YMap):
        out = YMap((k, _subst(v, values, depth + 1)) for k, v in node.items())
        out.line, out.lines = node.line, node.lines
        return out
    if isinstance(node, YList):
        items = YList(_subst(v, values, depth + 1) for v in node)
        items.line, items.lines = node.line, node.lines
        return items
    if isinstance(node, str) and "${" in node:
        whole = _WHOLE.match(node)
        if whole and whole.group(1) in values:
            v = values[whole.group(1)]
            return int(v) if _INT.fullmatch(v) else v  # not str.isdigit: int() refuses "²" and 4,300 digits (ValueError)
        return _PARAM.sub(lambda m: values.get(m.group(1), m.group(0)), node)
    return node
