"""YAML with a line number on every mapping key and list item, parsed by libyaml (the C loader).

Values stay plain Python types so nothing downstream needs to know about YAML nodes; the lines ride
along on dict and list subclasses (`YMap.lines[key]`, `YList.lines[i]`).
"""

from __future__ import annotations

import functools
import sys
from typing import Any

import yaml

# libyaml's parser where PyYAML was built with it; the pure-Python one (same results, slower) otherwise
_Base: type[yaml.CSafeLoader] | type[yaml.SafeLoader] = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


# bounded in entries; a value it keeps is one a parsed tree holds anyway (the run's bound on bytes read bounds both)
@functools.lru_cache(maxsize=1 << 14)
def _node_tag(kind: Any, value: Any, implicit: Any) -> Any:
    """The tag SafeLoader's resolver gives a node. It depends on nothing else: SafeLoader has no path resolvers."""
    resolve: Any = yaml.resolver.BaseResolver.resolve
    return resolve(_Base, kind, value, implicit)  # it reads class attributes only


class _Loader(_Base):  # type: ignore[valid-type, misc]  # one of two classes, chosen at import
    """libyaml's composer calls back into Python for every node, keys included: to resolve its tag (SafeLoader tries
    its regular expressions each time) and to step its path resolvers in and out (SafeLoader has none). Those calls
    go to C here: a cache of tags (a manifest's keys and values repeat), and no-ops taking the same arguments."""

    resolve = staticmethod(_node_tag)
    descend_resolver: Any = staticmethod({}.get)  # (parent, index) -> index, ignored
    ascend_resolver: Any = staticmethod(tuple)  # () -> (), ignored


class YMap(dict[Any, Any]):
    __slots__ = ("line", "lines")
    line: int
    lines: dict[Any, int]


class YList(list[Any]):
    __slots__ = ("line", "lines")
    line: int
    lines: list[int]


_SCALARS = {tag: fn for tag, fn in yaml.SafeLoader.yaml_constructors.items() if tag and tag.startswith("tag:yaml.org,2002:")}
# Kubernetes YAML never means a timestamp; keep such scalars as strings (the way kubectl does).
_SCALARS["tag:yaml.org,2002:timestamp"] = yaml.SafeLoader.construct_yaml_str
for _tag in ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:omap", "tag:yaml.org,2002:pairs", "tag:yaml.org,2002:set"):
    _SCALARS.pop(_tag, None)  # a collection tag on a scalar: keep the text
_STR = "tag:yaml.org,2002:str"
_SCALAR = yaml.ScalarNode
_MERGE = "tag:yaml.org,2002:merge"
# A key is kept as the one string of its text (`metadata` of every manifest, and of the code that looks it up): the
# parsed files hold one copy, not one per mapping, and a lookup by a literal key compares by identity. Interned strings
# live only as long as what holds them, so a file's own keys cost nothing once it is gone.
_intern = sys.intern

# Bounds on what one file may expand to. libyaml itself refuses nesting past 1,000 levels before its
# composer recurses; values nest far less than that in any real manifest.
MAX_DEPTH = 200
# Aliases share one value, so memory never amplifies, but every consumer that walks or copies a value
# (argv, env, JSON for Helm, reports) would: the expanded size of each file is counted in nodes.
MAX_EXPANDED_NODES = 2_000_000


class _Walk:
    """Node -> plain value with lines; a direct walk, faster than PyYAML's generic constructor.

    Aliases point at the same node, so results are memoised per node, each with its expanded size. A text with no
    `*` holds no alias, and one with no `<<`, `merge` or `%` no merge key: its nodes are each visited once, so
    neither memo is kept for it (most manifests; the walk visits every node of every file).
    """

    def __init__(self, loader: yaml.CSafeLoader | yaml.SafeLoader, aliases: bool = True, merges: bool = True):
        self.loader = loader
        self.memo: dict[int, tuple[object, int]] = {}  # node id -> (value, expanded size)
        self.sizes: dict[int, int] = {}  # value id -> expanded size, for merged keys
        self.aliases, self.merges = aliases, merges
        self.expanded = 0
        # keys a merge (<<) looked at, kept or not: `<<: [*big, *big, ...]` revisits them all on every use
        self.merged = 0
        # (key, line, line of the first one, both values equal): kubectl rejects the mapping or keeps the last
        self.duplicates: list[tuple[str, int, int, bool]] = []

    def doc(self, node: yaml.Node) -> object:
        self.memo.clear()  # anchors never cross documents, and a finished document's node ids are reused
        value, size = self.convert(node, 0)
        self.expanded += size
        if self.expanded > MAX_EXPANDED_NODES:
            raise YamlError(f"aliases expand to more than {MAX_EXPANDED_NODES:,} values", node.start_mark.line + 1)
        return value

    def convert(self, node: yaml.Node, depth: int) -> tuple[object, int]:
        if type(node) is _SCALAR:
            return self.scalar(node), 1
        if self.aliases and id(node) in self.memo:  # an alias: the value its anchor's node already made
            return self.memo[id(node)]
        if depth > MAX_DEPTH:
            raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):  # a subclass (the pure-Python loader makes none)
            return self.scalar(node), 1
        if isinstance(node, yaml.SequenceNode):
            return self.remember(node, *self.sequence(node, depth))
        return self.remember(node, *self.mapping(node, depth))

    def sequence(self, node: yaml.SequenceNode, depth: int) -> tuple[YList, int]:
        out = YList()
        out.line = node.start_mark.line + 1
        lines: list[int] = []
        out.lines = lines
        size = 1
        for child in node.value:
            if type(child) is _SCALAR:  # most items: a scalar, made without convert's dispatch
                tag = child.tag
                v = child.value if tag == _STR else self.scalar(child)
                size += 1
            else:
                v, n = self.convert(child, depth + 1)
                size += n
            out.append(v)
            lines.append(child.start_mark.line + 1)
        return out, size

    def mapping(self, node: yaml.Node, depth: int) -> tuple[YMap, int]:
        out = YMap()
        out.line = node.start_mark.line + 1
        lines: dict[Any, int] = {}
        out.lines = lines
        size = 1
        merges = []
        k: object
        for knode, vnode in node.value:
            ktag = knode.tag
            if ktag == _STR and type(knode) is _SCALAR:  # nearly every key: a string (convert's first case)
                k, kn = _intern(knode.value), 1
            elif ktag == _MERGE:
                merges.append((knode.start_mark.line + 1, vnode))
                continue
            else:
                k, kn = self.convert(knode, depth + 1)
                try:
                    hash(k)
                except TypeError:
                    k = f"<{type(k).__name__} key at line {knode.start_mark.line + 1}>"
            if type(vnode) is _SCALAR:
                v, vn = (vnode.value if vnode.tag == _STR else self.scalar(vnode)), 1
            else:
                v, vn = self.convert(vnode, depth + 1)
            size += kn + vn
            line = knode.start_mark.line + 1
            if k in out:
                self.duplicates.append((str(k), line, lines[k], out[k] == v))
            out[k] = v
            lines[k] = line
        for at, vnode in merges:  # `<<: *base` or `<<: [*a, *b]`: keys written here win, then earlier merges
            size += self.merge(out, vnode, at, depth)
        return out, size

    def merge(self, out: YMap, vnode: yaml.Node, at: int, depth: int) -> int:
        """Merge the mapping(s) of `vnode` into `out` (keys already there win); the expanded size added."""
        v, _ = self.convert(vnode, depth + 1)
        size = 0
        for src in (v if isinstance(v, list) else [v]):
            if not isinstance(src, YMap):
                raise YamlError("a merge key (<<) takes a mapping or a list of mappings", vnode.start_mark.line + 1)
            self.merged += len(src)
            if self.merged > MAX_EXPANDED_NODES:
                raise YamlError(f"merge keys (<<) expand to more than {MAX_EXPANDED_NODES:,} values", at)
            for k, item in src.items():
                if k not in out:
                    out[k] = item
                    out.lines[k] = src.lines.get(k, src.line)
                    size += 1 + self.sizes.get(id(item), 1)
        return size

    def remember(self, node: yaml.Node, value: object, size: int) -> tuple[object, int]:
        if size > MAX_EXPANDED_NODES:
            raise YamlError(f"aliases expand to more than {MAX_EXPANDED_NODES:,} values", node.start_mark.line + 1)
        if self.aliases:
            self.memo[id(node)] = (value, size)
        if self.merges:
            self.sizes[id(value)] = size
        return value, size

    def scalar(self, node: yaml.ScalarNode) -> object:
        tag = node.tag
        if tag == _STR:
            return node.value
        held = _MADE.get((tag, node.value), _MADE)  # ports, counts, booleans: the same few texts in every file
        if held is not _MADE:
            return held
        fn = _SCALARS.get(tag)
        if fn is None:
            return node.value  # an application tag (!Ref, !vault): its text
        try:
            made = fn(self.loader, node)
        except Exception as e:  # noqa: BLE001 - `!!int ""`, `!!bool maybe`, a 5,000-digit integer: a finding, not a crash
            short = tag.rsplit(":", 1)[-1]
            text = node.value if len(node.value) <= 40 else node.value[:40] + "…"
            raise YamlError(f"{text!r} is not a valid {short} ({type(e).__name__})", node.start_mark.line + 1) from None
        if tag in _IMMUTABLE and len(node.value) <= 32 and len(_MADE) < 4096:
            _MADE[(tag, node.value)] = made
        return made


# (tag, text) -> the value SafeLoader makes of it, for the tags whose values are immutable and depend on the text alone
_MADE: dict[tuple[str, str], object] = {}
_IMMUTABLE = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"})


class YamlError(ValueError):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


def load_all(text: str, duplicates: list[tuple[str, int, int, bool]] | None = None) -> list[tuple[object, int]]:
    """Every document of a multi-document stream with the line it starts on. Raises YamlError.
    `duplicates` collects (key, line, first line, same value) for each key a mapping repeats (the last one is kept)."""
    docs = []
    loader = _Loader(text)
    # a merge key is `<<` or a tag naming merge (`!!merge`, or percent-escaped: `!!%6Derge`)
    walk = _Walk(loader, aliases="*" in text, merges="<<" in text or "merge" in text or "%" in text)
    if duplicates is not None:
        walk.duplicates = duplicates
    try:
        while loader.check_node():
            node = loader.get_node()
            docs.append((walk.doc(node) if node is not None else None, node.start_mark.line + 1 if node else 0))
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


Stream = tuple[list[tuple[object, int]], list[tuple[str, int, int, bool]]]  # load_all's documents, the keys repeated
_SHARED: dict[str, object] = {}  # text -> its first document, or the YamlError it raised
_STREAMS: dict[str, object] = {}  # text -> its Stream, or the YamlError it raised
_SHARED_BYTES = [0]
SHARED_BYTES = 32 * 1024 * 1024  # text the two memos hold; past it, they start again


def load_shared(text: str) -> object:
    """`load_one(text)`, parsed once per text for the process: a chart's values.yaml and Chart.yaml are read for its
    values sets, its dependencies, its defaults and its references. The value is shared by every caller: never
    change it (merge_values copies what it takes). Keyed by content, so a base and a head checkout never mix."""
    return _remembered(_SHARED, text, load_one)


def load_all_shared(text: str) -> Stream:
    """`load_all(text)` and the keys its mappings repeat, parsed once per text for the process: a chart's values sets
    render most of its templates to the same text (the corpus's 326 rendered templates hold 181 texts). The documents
    are shared as `load_shared`'s are: never change them."""
    def parse(text: str) -> Stream:
        repeated: list[tuple[str, int, int, bool]] = []
        return load_all(text, repeated), repeated

    stream: Stream = _remembered(_STREAMS, text, parse)
    return stream


def _remembered(memo: dict[str, Any], text: str, parse: Any) -> Any:
    hit = memo.get(text, memo)
    if hit is memo:
        try:
            hit = parse(text)
        except YamlError as e:
            hit = e
        if _SHARED_BYTES[0] + len(text) > SHARED_BYTES:
            _SHARED.clear()
            _STREAMS.clear()
            _SHARED_BYTES[0] = 0
        memo[text] = hit
        _SHARED_BYTES[0] += len(text)
    if isinstance(hit, YamlError):
        raise YamlError(str(hit), hit.line)
    return hit


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
