"""YAML with a line number on every mapping key and list item, parsed by libyaml (the C loader).

Values stay plain Python types so nothing downstream needs to know about YAML nodes; the lines ride
along on dict and list subclasses (`YMap.lines[key]`, `YList.lines[i]`).
"""

from __future__ import annotations

from typing import Any

import yaml

try:
    _Base = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Base = yaml.SafeLoader


class YMap(dict[Any, Any]):
    __slots__ = ("line", "lines")
    line: int
    lines: dict[Any, int]


class YList(list[Any]):
    __slots__ = ("line", "lines")
    line: int
    lines: dict[Any, int]


class _Loader(_Base):
    pass


_SCALARS = {tag: fn for tag, fn in yaml.SafeLoader.yaml_constructors.items() if tag and tag.startswith("tag:yaml.org,2002:")}
# Kubernetes YAML never means a timestamp; keep such scalars as strings (the way kubectl does).
_SCALARS["tag:yaml.org,2002:timestamp"] = yaml.SafeLoader.construct_yaml_str
_MERGE = "tag:yaml.org,2002:merge"


def _convert(loader: _Loader, node: yaml.Node, memo: dict, depth: int = 0):
    """Node -> plain value with lines; a direct walk, faster than PyYAML's generic constructor.

    Aliases point at the same node, so results are memoised per node: an alias bomb cannot amplify.
    """
    if isinstance(node, yaml.ScalarNode):
        fn = _SCALARS.get(node.tag)
        return fn(loader, node) if fn and node.tag not in ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq") else node.value
    key = id(node)
    if key in memo:
        return memo[key]
    if depth > 200:
        raise YamlError("nesting deeper than 200 levels", node.start_mark.line + 1)
    if isinstance(node, yaml.SequenceNode):
        out = memo[key] = YList()
        out.line = node.start_mark.line + 1
        out.lines = []
        for child in node.value:
            out.append(_convert(loader, child, memo, depth + 1))
            out.lines.append(child.start_mark.line + 1)
        return out
    out = memo[key] = YMap()
    out.line = node.start_mark.line + 1
    out.lines = {}
    if any(k.tag == _MERGE for k, _ in node.value):
        loader.flatten_mapping(node)
    for knode, vnode in node.value:
        k = _convert(loader, knode, memo, depth + 1)
        try:
            hash(k)
        except TypeError:
            k = str(k)
        out[k] = _convert(loader, vnode, memo, depth + 1)
        out.lines[k] = knode.start_mark.line + 1
    return out


class YamlError(ValueError):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


def load_all(text: str) -> list[tuple[object, int]]:
    """Every document of a multi-document stream with the line it starts on. Raises YamlError."""
    docs = []
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            docs.append((_convert(loader, node, {}) if node is not None else None, node.start_mark.line + 1 if node else 0))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 0
        raise YamlError(f"{e.problem or e.context}".strip(), line) from None
    except (yaml.YAMLError, RecursionError) as e:
        raise YamlError(str(e).splitlines()[0] if str(e) else type(e).__name__, 0) from None
    finally:
        loader.dispose()
    return docs


def load_one(text: str) -> object:
    docs = load_all(text)
    return docs[0][0] if docs else None


def line_of(obj: object, *path: object) -> int:
    """Line of the deepest key of `path` that exists under obj (0 when nothing is known)."""
    best = getattr(obj, "line", 0)
    cur = obj
    for key in path:
        if isinstance(cur, YMap) and key in cur:
            best = cur.lines.get(key, best)
            cur = cur[key]
        elif isinstance(cur, YList) and isinstance(key, int) and 0 <= key < len(cur):
            best = cur.lines[key]
            cur = cur[key]
        else:
            break
    return best
