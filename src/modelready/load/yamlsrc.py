"""YAML with a line number on every mapping key and list item, parsed by libyaml (the C loader).

Values stay plain Python types so nothing downstream needs to know about YAML nodes; the lines ride
along on dict and list subclasses (`YMap.lines[key]`, `YList.lines[i]`).
"""

from __future__ import annotations

import yaml

try:
    _Base = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Base = yaml.SafeLoader


class YMap(dict):
    __slots__ = ("line", "lines")


class YList(list):
    __slots__ = ("line", "lines")


class _Loader(_Base):
    pass


def _map(loader: _Loader, node: yaml.MappingNode) -> YMap:
    out = YMap()
    out.line = node.start_mark.line + 1
    out.lines = {}
    loader.flatten_mapping(node)
    for knode, vnode in node.value:
        key = loader.construct_object(knode, deep=True)
        try:
            hash(key)
        except TypeError:
            key = str(key)
        out[key] = loader.construct_object(vnode, deep=True)
        out.lines[key] = knode.start_mark.line + 1
    return out


def _seq(loader: _Loader, node: yaml.SequenceNode) -> YList:
    out = YList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.lines = [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _seq)
# Kubernetes YAML never means a timestamp; keep such scalars as strings (the way kubectl does).
_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)
for _tag in ("tag:yaml.org,2002:set", "tag:yaml.org,2002:omap", "tag:yaml.org,2002:pairs"):
    _Loader.add_constructor(_tag, lambda loader, node: loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode) else _map(loader, node))
_Loader.add_multi_constructor("!", lambda loader, suffix, node: loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else (_map(loader, node) if isinstance(node, yaml.MappingNode) else _seq(loader, node)))


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
            docs.append((loader.construct_document(node), node.start_mark.line + 1 if node else 0))
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
