"""Manifests validated against the Kubernetes API's own OpenAPI schemas, as kubectl's strict field validation
does: the strict JSON schemas the `kubernetes-validate` package ships, one folder per Kubernetes release.

An unknown field (labels written under `spec` instead of `metadata`) or a wrong type, both refused by the strict
field validation kubectl asks for, and a required field the API server refuses the object without (a Deployment
with no `spec.selector`, a container with no `name`: data/k8s_required.yaml lists them): each a
`manifest-schema-invalid` finding at its line, naming the release checked against. Custom resources of the operators
modelready reads are validated by their published CRDs (data/crd_schemas); a field such a CRD requires is a warning,
as the operator's admission webhook may fill it in before the API server validates. A missing field is never said of
an object that is not whole (`K8sObject.partial`: a kustomize patch or a resource kustomize has yet to transform).
Messages name fields and types, never values.
A field written as a placeholder (`${REPLICAS}`, `<PROJECT_ID>`, an unrendered `{{ }}`) is left to
placeholder-value: the file is meant to be filled in first.
What is wrong is found by a walk of modelready's own that yields the errors jsonschema's Draft202012Validator would,
for the keywords said (`errors_of`), after a fast path that passes what is certainly fine (`clean`); jsonschema itself
only for a schema with something the walk does not know.
"""

from __future__ import annotations

import json
import numbers
import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Callable, Iterable

from .. import data
from ..findings import Finding, Severity
from ..normalize.fields import kind_of

DEFAULT_VERSION = "1.35"  # a current release (December 2025); `kubernetes_version` in .modelready.yaml picks another
MAX_ERRORS_PER_OBJECT = 5
_PLACEHOLDER = re.compile(r"\$\{|\$\(|\{\{|<[A-Za-z_][\w-]*>")
_FLOW_KEY = re.compile(r"^<\w+ key at line \d+>$")  # how yamlsrc names an unhashable key
_API = re.compile(r"^([^./]*)(?:\.[^/]*)?/")


def versions() -> list[str]:
    """The releases whose schemas are installed, oldest first ("1.25", …)."""
    root = _schemas()
    if root is None:
        return []
    found = {m.group(1) for p in root.iterdir() if (m := re.match(r"^v(\d+\.\d+)\.\d+-local-strict$", p.name))}
    return sorted(found, key=lambda v: tuple(int(x) for x in v.split(".")))


def resolve_version(wanted: str | None) -> str | None:
    """The schema release used for `wanted` (the newest not newer than it); None when none is installed."""
    have = versions()
    if not have:
        return None
    want = tuple(int(x) for x in str(wanted or DEFAULT_VERSION).lstrip("v").split(".")[:2])
    older = [v for v in have if tuple(int(x) for x in v.split(".")) <= want]
    return older[-1] if older else have[0]


def validate(objects: Iterable[Any], version: str) -> list[Finding]:
    out: list[Finding] = []
    # (body, schema) found clean, the body held so that its id stays its own: rendered templates of the same text share it
    passed: dict[tuple[int, int], Any] = {}
    for obj in objects:
        raw = _schema(version, obj.kind, obj.api_version)
        if raw is None or (id(obj.body), id(raw[0])) in passed:
            continue
        if clean(obj.body, raw[0], raw[0], _definitions_doc(version)):
            passed[id(obj.body), id(raw[0])] = obj.body
            continue
        errors = sorted(errors_of(obj.body, version, obj.kind, obj.api_version), key=lambda e: list(map(str, e.absolute_path)))
        shown = 0
        for e in errors:
            message = None if e.validator == "required" and obj.partial else _message(e)  # a patch leaves out what it keeps
            if message is None:
                continue
            shown += 1
            if shown > MAX_ERRORS_PER_OBJECT:
                break
            against = _against(obj.kind, obj.api_version, version)
            severity = Severity.warning if e.validator == "required" and not raw[1] else Severity.error
            out.append(Finding("manifest-schema-invalid", severity, f"{obj.kind} {obj.name}: {message} ({against})",
                               obj.loc(*_where(e)), ("manifests-render",), subject=obj.subject))
    return out


def errors_of(body: Any, version: str, kind: str, api_version: str) -> list[Any]:
    """The errors jsonschema's Draft202012Validator yields for `body`, of the keywords said (`_SAY`), in its order (a
    stable sort by path gives the same list): by the walk below, or, for a schema with something it does not know
    (`_Unsure`), by jsonschema itself. The walk's errors carry the attributes `_message` and `_where` read."""
    raw = _schema(version, kind, api_version)
    if raw is None:
        return []
    out: list[Any] = []
    try:
        _walk(body, raw[0], _At.of(raw[0], _definitions_doc(version)), (), out, 0, False)
    except _Unsure:
        return list(_validator(version, kind, api_version).iter_errors(body))
    return out


class _Unsure(Exception):
    """The walk met what it does not know: a keyword of JSON Schema 2020-12 it does not walk (patternProperties,
    prefixItems, not, if/then/else, contains, propertyNames, dependent*, unevaluated*, $dynamicRef, $anchor, const,
    …, none of which the schemas in use have), a `$ref` form `_ref` does not resolve, an `$id` below a document's root,
    another dialect, a type name or keyword value of no known form, a bound (pattern, minLength, …) inside an
    anyOf/oneOf branch, where it decides the branch, or depth past `_DEEP`."""


class _Error:
    """One error as jsonschema's ValidationError carries it, by the attributes `_message` and `_where` read."""

    __slots__ = ("validator", "absolute_path", "instance", "schema", "validator_value", "message")

    def __init__(self, validator: str | None, path: tuple[Any, ...], instance: Any, schema: Any, value: Any, message: str):
        self.validator, self.absolute_path, self.instance = validator, path, instance
        self.schema, self.validator_value, self.message = schema, value, message

    def __repr__(self) -> str:
        return f"<{self.validator} at {list(self.absolute_path)}: {self.message}>"


_DEEP = 200  # walk steps (a value's nesting and the $refs and allOfs between): past it, jsonschema, as before the walk
_Out = list[Any]


def _walk(value: Any, schema: Any, at: _At, path: tuple[Any, ...], out: _Out, depth: int, strict: bool) -> None:
    """jsonschema's `descend`: the keywords of `schema` in their written order, each appending its errors to `out`.
    `strict` inside an anyOf/oneOf branch, where any error at all decides: a keyword whose errors are not said, and
    so not walked, is then `_Unsure`."""
    if schema is True:
        return
    if schema is False:
        out.append(_Error(None, path, value, schema, None, "False schema does not allow it"))
        return
    if not isinstance(schema, dict) or depth > _DEEP:
        raise _Unsure()
    for key, want in schema.items():
        step = _STEPS.get(key)
        if step is not None:
            step(value, want, schema, at, path, out, depth, strict)
        elif key in _BOUNDS:
            if strict:
                raise _Unsure()
        elif key not in _IGNORED and not (isinstance(key, str) and key.startswith("x-")):
            raise _Unsure()


def _branch_holds(value: Any, branch: Any, at: _At, depth: int) -> bool:
    errors: _Out = []
    _walk(value, branch, at, (), errors, depth + 1, True)
    return not errors


def _type_step(value: Any, want: Any, schema: Any, at: _At, path: tuple[Any, ...], out: _Out, depth: int, strict: bool) -> None:
    names = [want] if isinstance(want, str) else want
    if not isinstance(names, list) or not all(isinstance(n, str) and n in _JSON_TYPES for n in names):
        raise _Unsure()  # jsonschema raises UnknownType
    if not any(_json_is(value, n) for n in names):
        out.append(_Error("type", path, value, schema, want, f"not of type {', '.join(map(repr, names))}"))


_JSON_TYPES = frozenset({"object", "array", "string", "boolean", "null", "integer", "number"})


def _json_is(value: Any, name: str) -> bool:
    """jsonschema's draft 2020-12 type checker: an integral float is an integer, a bool no number, any Number a number."""
    if name == "number":
        return isinstance(value, numbers.Number) and not isinstance(value, bool)
    if name == "integer":
        return not isinstance(value, bool) and (isinstance(value, int) or (isinstance(value, float) and value.is_integer()))
    return isinstance(value, _PY_TYPES[name])


def _properties_step(value: Any, want: Any, schema: Any, at: _At, path: tuple[Any, ...], out: _Out, depth: int, strict: bool) -> None:
    if not isinstance(want, dict):
        raise _Unsure()
    if isinstance(value, dict):
        for key, sub in want.items():
            if key in value:
                _walk(value[key], sub, at, path + (key,), out, depth + 1, strict)


def _additional_step(value: Any, want: Any, schema: Any, at: _At, path: tuple[Any, ...], out: _Out, depth: int, strict: bool) -> None:
    if not isinstance(value, dict):
        return
    known = schema.get("properties", {})
    # a set, as jsonschema makes it, so that extras are walked in its order (one process hashes alike)
    extras = set(k for k in value if k not in known)
    if isinstance(want, dict):
        for key in extras:
            _walk(value[key], want, at, path + (key,), out, depth + 1, strict)
    elif not want and extras:
        out.append(_Error("additionalProperties", path, value, schema, want, "additional properties are not allowed"))


def _items_step(value: Any, want: Any, schema: Any, at: _At, path: tuple[Any, ...], out: _Out, depth: int, strict: bool) -> None:
    if not isinstance(value, list):
        return
    if want is False:
        if value:
            out.append(_Error("items", path, value, schema, want, "no items allowed"))
        return
    for i, item in enumerate(value):
        _walk(item, want, at, path + (i,), out, depth + 1, strict)


def _required_step(value: Any, want: Any, schema: Any, at: _At, path: tuple[Any, ...], out: _Out, depth: int, strict: bool) -> None:
    if not isinstance(want, list):
        raise _Unsure()
    if isinstance(value, dict):
        out += [_Error("required", path, value, schema, want, f"{k!r} is a required property") for k in want if k not in value]


def _enum_step(value: Any, want: Any, schema: Any, at: _At, path: tuple[Any, ...], out: _Out, depth: int, strict: bool) -> None:
    if not isinstance(want, list):
        raise _Unsure()
    if not any(_json_equal(each, value) for each in want):
        out.append(_Error("enum", path, value, schema, want, "not one of the values listed"))


def _json_equal(one: Any, two: Any) -> bool:
    """jsonschema's `equal`: a bool is no number (True is not 1), sequences and mappings item by item."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(_json_equal(a, b) for a, b in zip(one, two))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(k in two and _json_equal(v, two[k]) for k, v in one.items())
    return isinstance(one, bool) == isinstance(two, bool) and bool(one == two)


def _ref_step(value: Any, want: Any, schema: Any, at: _At, path: tuple[Any, ...], out: _Out, depth: int, strict: bool) -> None:
    target, into = _target(want, at)
    if into is None:
        raise _Unsure()
    _walk(value, target, into, path, out, depth + 1, strict)


def _all_of_step(value: Any, want: Any, schema: Any, at: _At, path: tuple[Any, ...], out: _Out, depth: int, strict: bool) -> None:
    if not isinstance(want, list):
        raise _Unsure()
    for branch in want:
        _walk(value, branch, at, path, out, depth + 1, strict)


def _any_of_step(value: Any, want: Any, schema: Any, at: _At, path: tuple[Any, ...], out: _Out, depth: int, strict: bool) -> None:
    """One error for the anyOf itself when no branch holds (jsonschema keeps the branches' errors as its context)."""
    if not isinstance(want, list):
        raise _Unsure()
    if not any(_branch_holds(value, branch, at, depth) for branch in want):
        out.append(_Error("anyOf", path, value, schema, want, "not valid under any of the given schemas"))


def _one_of_step(value: Any, want: Any, schema: Any, at: _At, path: tuple[Any, ...], out: _Out, depth: int, strict: bool) -> None:
    """One error when no branch holds, or when one after the first that holds holds too."""
    if not isinstance(want, list):
        raise _Unsure()
    holds = iter(_branch_holds(value, branch, at, depth) for branch in want)
    if not any(holds):
        out.append(_Error("oneOf", path, value, schema, want, "not valid under any of the given schemas"))
    elif any(list(holds)):  # every branch after the first that holds is tried, as jsonschema does
        out.append(_Error("oneOf", path, value, schema, want, "valid under more than one of the given schemas"))


def _schema_step(value: Any, want: Any, schema: Any, at: _At, path: tuple[Any, ...], out: _Out, depth: int, strict: bool) -> None:
    if want != "https://json-schema.org/draft/2020-12/schema":
        raise _Unsure()  # jsonschema would validate the subschema by another draft's rules


def _id_step(value: Any, want: Any, schema: Any, at: _At, path: tuple[Any, ...], out: _Out, depth: int, strict: bool) -> None:
    if schema is not at.root:
        raise _Unsure()  # an $id below a document's root moves the base `$ref`s resolve against


_Step = Callable[[Any, Any, Any, "_At", tuple[Any, ...], _Out, int, bool], None]
_STEPS: dict[str, _Step] = {
    "type": _type_step, "properties": _properties_step, "additionalProperties": _additional_step, "items": _items_step,
    "required": _required_step, "enum": _enum_step, "$ref": _ref_step, "allOf": _all_of_step, "anyOf": _any_of_step,
    "oneOf": _one_of_step, "$schema": _schema_step, "$id": _id_step,
}
# keywords jsonschema asserts whose errors are never said: not walked, but where they decide an anyOf/oneOf branch
_BOUNDS = frozenset({"pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
                     "minItems", "maxItems", "minProperties", "maxProperties", "uniqueItems", "multipleOf"})
# what jsonschema does not assert: annotations, `format` (the validator has no format checker), OpenAPI's own words
# (nullable, discriminator: unknown keywords to it) and `x-` extensions
_IGNORED = frozenset({"description", "format", "default", "example", "examples", "nullable", "title", "$defs", "definitions",
                      "discriminator", "readOnly", "writeOnly", "deprecated", "$comment"})


# JSON types as jsonschema's default type checker decides them (an integral float is an integer; a bool is no number)
_PY_TYPES: dict[str, type | tuple[type, ...]] = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def _is(value: Any, name: Any) -> bool:
    simple = _PY_TYPES.get(name) if isinstance(name, str) else None
    if simple is not None:
        return isinstance(value, simple)
    if isinstance(value, bool) or name not in ("integer", "number"):
        return False
    return isinstance(value, int) or (isinstance(value, float) and (name == "number" or value.is_integer()))


_PLAIN = (dict, list, str, bool, int, float, type(None))


def clean(value: Any, schema: Any, root: Any, definitions: Any, depth: int = 0) -> bool:
    """True when `value` certainly breaks none of the keywords whose errors are reported (type, properties,
    additionalProperties, required, items, enum, $ref, and the oneOf/anyOf/allOf around them). A fast path only: an
    object it is unsure of goes through `errors_of`, which alone says what is wrong. Anything it does not know
    (a keyword, a $ref form, a value of no JSON type, depth past 60) counts as unsure.
    A whole object's verdict is remembered by its shape (`_At.shape`): 2,500 units of one chart are one walk."""
    at = _At.of(root, definitions)
    if depth:
        return at.ok(value, schema, depth)
    key = at.shape(value)
    if key is None:
        return at.ok(value, schema, 0)
    memo = (id(schema), id(at), key)
    held = _CLEAN.get(memo)
    if held is None or held[0] is not schema:
        if len(_CLEAN) > 20_000:
            _CLEAN.clear()
        held = _CLEAN[memo] = (schema, at.ok(value, schema, 0))
    return held[1]


_CLEAN: dict[tuple[Any, ...], tuple[Any, bool]] = {}  # (schema, _At, an object's shape) -> its verdict
_SHAPE_MAX = 20_000  # tokens of a shape kept (a Deployment of one vLLM container has about 100)


class _At:
    """The documents a schema's `$ref`s point into: its own (`#/...`) and the release's definitions."""

    __slots__ = ("root", "definitions", "_enums")
    _known: dict[tuple[int, int], tuple[Any, Any, "_At"]] = {}

    def __init__(self, root: Any, definitions: Any):
        self.root, self.definitions = root, definitions
        self._enums: frozenset[str] | None = None

    def shape(self, value: Any) -> tuple[Any, ...] | None:
        """`value` as what `ok` reads of it, the same for two values `ok` cannot tell apart: its mappings' keys, its
        lists' lengths, each scalar's type, a number's or bool's value, and a string's only where it is a value some
        `enum` of these documents lists (`ok` reads a string's value nowhere else: a name, a label, an image are
        judged by their type). None for a value of no JSON type (a str subclass, bytes), nested past 60, or too large to
        keep (`_SHAPE_MAX` tokens: a memo of hostile objects would hold as much again)."""
        out: list[Any] = []
        made = isinstance(value, (dict, list)) and _shape(value, self.enums(), out, 0)
        return tuple(out) if made and len(out) <= _SHAPE_MAX else None

    def enums(self) -> frozenset[str]:
        """Every string some `enum` of the two documents lists: to `ok`, a string equal to none of them is any string."""
        if self._enums is None:
            self._enums = _doc_enums(self.root) | _doc_enums(self.definitions)
        return self._enums

    @classmethod
    def of(cls, root: Any, definitions: Any) -> "_At":
        held = cls._known.get((id(root), id(definitions)))
        if held is None or held[0] is not root or held[1] is not definitions:
            held = cls._known[(id(root), id(definitions))] = (root, definitions, cls(root, definitions))
        return held[2]

    def ok(self, value: Any, schema: Any, depth: int) -> bool:
        if schema is True:
            return True
        # this runs for every node of every object: the plan is looked up inline, and only a small mapping is keyed
        held_plan = _PLANS.get(id(schema))
        if held_plan is None or held_plan[0] is not schema:
            if not isinstance(schema, dict):
                return False
            _plan(schema)
            held_plan = _PLANS[id(schema)]
        steps = held_plan[1]
        if steps is None or depth > 60 or not isinstance(value, _PLAIN):
            return False
        if held_plan[2] and type(value) in _BY_TYPE_ONLY:  # a leaf under a schema that says only its type
            return self._typed(value, schema, steps, depth)
        if isinstance(value, dict) and len(value) <= 8:
            return self._leaf(value, schema, steps, depth)
        return self._all(value, schema, steps, depth + 1)

    def _typed(self, value: Any, schema: Any, steps: list[tuple[_Keyword, Any]], depth: int) -> bool:
        held = _TYPED.get((id(schema), type(value)))
        if held is None or held[0] is not schema:
            held = _TYPED[(id(schema), type(value))] = (schema, self._all(value, schema, steps, depth + 1))
        return held[1]

    def _leaf(self, value: dict[Any, Any], schema: Any, steps: list[tuple[_Keyword, Any]], depth: int) -> bool:
        held_loose = _LOOSE.get((id(schema), id(self)))
        if held_loose is None or held_loose[0] is not schema:
            held_loose = _LOOSE[(id(schema), id(self))] = (schema, _loose(schema, self))
        key = _leaf_key(value, held_loose[1])
        if key is None:
            return self._all(value, schema, steps, depth + 1)
        memo = (id(schema), id(self), key)
        held = _LEAVES.get(memo)
        if held is None or held[0] is not schema:
            if len(_LEAVES) > 100_000:
                _LEAVES.clear()
            held = _LEAVES[memo] = (schema, self._all(value, schema, steps, depth + 1))
        return held[1]

    def _all(self, value: Any, schema: Any, steps: list[tuple[_Keyword, Any]], depth: int) -> bool:
        for keyword, want in steps:  # a loop, not all() over a generator: this runs for every node of every object
            if not keyword(value, want, schema, self, depth):
                return False
        return True


_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})
# tokens of `_At.shape` no key or value equals (a type, a string and a tuple never equal these)
_MAP, _LIST, _END, _NAME = object(), object(), object(), object()


def _shape(value: dict[Any, Any] | list[Any], enums: frozenset[str], out: list[Any], depth: int) -> bool:
    """Appends the tokens of a mapping or list to `out` (see `_At.shape`); False where it has no shape. A mapping's
    keys are kept as they are (a non-string one with its type: True is not 1), each value follows its key; a
    scalar is its type then its value, a string not in `enums` one token."""
    if depth > 60:
        return False
    add = out.append
    if isinstance(value, dict):
        add(_MAP)
        items: Any = value.items()
    else:
        add(_LIST)
        items = enumerate(value)
    is_map = isinstance(value, dict)
    for k, v in items:
        if is_map:
            add(k if type(k) is str else (type(k), k))
        t = type(v)
        if t is str:
            add(v if v in enums else _NAME)
        elif t in _SCALAR_TYPES:
            add(t)
            add(v)
        elif not (isinstance(v, (dict, list)) and _shape(v, enums, out, depth + 1)):
            return False
    add(_END)
    return True


def _doc_enums(doc: Any) -> frozenset[str]:
    """The strings the enums of one schema document list, found once per document (every kind's `_At` has the release's
    definitions, 1.5 MB of JSON)."""
    held = _DOC_ENUMS.get(id(doc))
    if held is None or held[0] is not doc:
        found: set[str] = set()
        _enum_strings(doc, found)
        held = _DOC_ENUMS[id(doc)] = (doc, frozenset(found))
    return held[1]


_DOC_ENUMS: dict[int, tuple[Any, frozenset[str]]] = {}  # the schemas are kept for the run (cached)


def _enum_strings(node: Any, found: set[str]) -> None:
    """Adds every string some `enum` of a schema document lists to `found`."""
    if isinstance(node, dict):
        listed = node.get("enum")
        if isinstance(listed, list):
            found.update(v for v in listed if isinstance(v, str))
        for child in node.values():
            _enum_strings(child, found)
    elif isinstance(node, list):
        for child in node:
            _enum_strings(child, found)
_BY_TYPE_ONLY = frozenset({str, int, bool, type(None)})  # a float's verdict depends on its value (an integral one is an integer)
_TYPED: dict[tuple[int, type], tuple[Any, bool]] = {}  # (schema, value type) -> verdict, for schemas that test only a type


def _leaf_key(value: dict[Any, Any], loose: tuple[frozenset[Any], bool, Any] | None) -> tuple[Any, ...] | None:
    """A small mapping (`_At.ok` asks for one of at most 8 keys) of scalars (a probe, a port, a resource list) as a key:
    manifests repeat the same ones thousands of times, and the verdict on one depends only on its keys, values and
    their types (True is not 1). A value its schema judges by type alone (`_loose`: a label, a name) is keyed by its
    type: `{app: llm-7}` and `{app: llm-8}` are one verdict, where each unit's own names made every key new.
    None when a value is no scalar."""
    key: list[tuple[Any, ...]] = []
    for k, v in value.items():
        t = type(v)
        if t not in _SCALAR_TYPES:
            return None
        if loose is not None and t in _BY_TYPE_ONLY and (k in loose[0] if k in loose[2] else loose[1]):
            key.append((k, t))
        else:
            key.append((k, t, v))
    return tuple(key)


def _loose(schema: dict[str, Any], at: _At, hops: int = 0) -> tuple[frozenset[Any], bool, Any] | None:
    """For a mapping schema of no keyword but type, properties, additionalProperties and required, or a `$ref` alone to
    one (ObjectMeta, as every object's `metadata` names it): (the properties whose schema tests only a type, whether any
    other key's verdict is independent of its value (additionalProperties absent, false, or testing only a type), the
    properties); None for any other schema (its keys all keyed by value too)."""
    keywords = set(schema) & _KEYWORDS.keys()
    if keywords == {"$ref"} and hops < 8:
        target, into = _target(schema["$ref"], at)
        return _loose(target, into, hops + 1) if into is not None and isinstance(target, dict) else None
    if not keywords <= {"type", "properties", "additionalProperties", "required"}:
        return None
    props = schema.get("properties") or {}
    if not isinstance(props, dict):
        return None
    extra = schema.get("additionalProperties", False)
    return frozenset(k for k, sub in props.items() if _by_type(sub)), extra is False or _by_type(extra), props


def _by_type(sub: Any) -> bool:
    """A schema whose verdict on a str, int, bool or null depends only on its type."""
    if sub is True:
        return True
    if not isinstance(sub, dict):
        return False
    _plan(sub)
    return _PLANS[id(sub)][2]


_LOOSE: dict[tuple[int, int], tuple[Any, tuple[frozenset[Any], bool, Any] | None]] = {}  # (schema, _At) -> its `_loose`


_LEAVES: dict[tuple[Any, ...], tuple[Any, bool]] = {}


_Keyword = Callable[[Any, Any, Any, "_At", int], bool]


def _plan(schema: dict[str, Any]) -> list[tuple[_Keyword, Any]] | None:
    """The keywords of `schema` to test, in order; None when it has one this fast path does not know. Made once
    per schema node (the schemas are kept for the run)."""
    held = _PLANS.get(id(schema))
    if held is not None and held[0] is schema:
        return held[1]
    steps: list[tuple[_Keyword, Any]] | None = []
    for key, want in schema.items():
        keyword = _KEYWORDS.get(key)
        if keyword is not None and steps is not None:
            steps.append((keyword, want))
        elif key not in _SILENT and not key.startswith("x-"):
            steps = None
    # with the plan: whether it tests only the type (then a str, int, bool or null is judged by its type alone)
    _PLANS[id(schema)] = (schema, steps, steps is not None and all(keyword is _type_ok for keyword, _want in steps))
    return steps


_PLANS: dict[int, tuple[Any, list[tuple[_Keyword, Any]] | None, bool]] = {}


def _type_ok(value: Any, want: Any, schema: Any, at: _At, depth: int) -> bool:
    return any(_is(value, t) for t in want) if isinstance(want, list) else _is(value, want)


def _ref_ok(value: Any, want: Any, schema: Any, at: _At, depth: int) -> bool:
    target, into = _target(want, at)
    return into is not None and into.ok(value, target, depth)


def _target(ref: Any, at: _At) -> tuple[Any, _At | None]:
    """The schema a `$ref` names, with the documents its own `$ref`s point into; (None, None) when `_ref` does not know it."""
    if not isinstance(ref, str):
        return None, None
    target = _REFS.get((id(at.root), ref))
    if target is None:  # the schemas are kept for the run (cached)
        found = _ref(ref, at.root, at.definitions)
        target = _REFS[(id(at.root), ref)] = (found[0], _At.of(found[1], at.definitions)) if found is not None else (None, None)
    return target


def _properties_ok(value: Any, want: Any, schema: Any, at: _At, depth: int) -> bool:
    if not isinstance(value, dict):
        return True
    for k, v in value.items():
        if k in want and not at.ok(v, want[k], depth):
            return False
    return True


def _additional_ok(value: Any, want: Any, schema: Any, at: _At, depth: int) -> bool:
    if not isinstance(value, dict):
        return True
    known = schema.get("properties") or {}
    extra = [v for k, v in value.items() if k not in known]
    return not extra or (want is not False and all(at.ok(v, want, depth) for v in extra))


def _required_ok(value: Any, want: Any, schema: Any, at: _At, depth: int) -> bool:
    """Every required field there, but one its schema defaults (a CRD's `default`, which the API server applies first)."""
    return isinstance(want, list) and (not isinstance(value, dict) or all(k in value or _defaulted(schema, k) for k in want))


def _defaulted(schema: Any, key: Any) -> bool:
    held = (schema.get("properties") or {}).get(key) if isinstance(schema, dict) else None
    return isinstance(held, dict) and "default" in held


def _items_ok(value: Any, want: Any, schema: Any, at: _At, depth: int) -> bool:
    if not isinstance(value, list):
        return True
    for v in value:
        if not at.ok(v, want, depth):
            return False
    return True


def _enum_ok(value: Any, want: Any, schema: Any, at: _At, depth: int) -> bool:  # jsonschema tells a bool from 1, which `==` does not
    return (not isinstance(value, (dict, list)) and isinstance(want, list)
            and any(v == value and isinstance(v, bool) == isinstance(value, bool) for v in want))


def _one_of_ok(value: Any, want: Any, schema: Any, at: _At, depth: int) -> bool:
    """Exactly one: decided here only between branches that are bare types (int-or-string)."""
    return (isinstance(want, list) and all(isinstance(b, dict) and set(b) <= {"type", "format", "description"} for b in want)
            and sum(at.ok(value, b, depth) for b in want) == 1)


_KEYWORDS: dict[str, _Keyword] = {
    "type": _type_ok, "$ref": _ref_ok, "properties": _properties_ok, "additionalProperties": _additional_ok, "items": _items_ok,
    "required": _required_ok,
    "enum": _enum_ok, "oneOf": _one_of_ok,
    "anyOf": lambda value, want, schema, at, depth: isinstance(want, list) and any(at.ok(value, b, depth) for b in want),
    "allOf": lambda value, want, schema, at, depth: isinstance(want, list) and all(at.ok(value, b, depth) for b in want),
}


# keywords whose errors are never reported (see `_message`), or that say nothing of a value
_SILENT = frozenset({"description", "format", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                     "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties", "uniqueItems", "default",
                     "example", "examples", "nullable", "title", "$schema", "$id", "$defs", "definitions", "discriminator",
                     "readOnly", "writeOnly", "deprecated", "multipleOf"})


_REFS: dict[tuple[int, Any], Any] = {}


def _ref(ref: Any, root: Any, definitions: Any) -> tuple[Any, Any] | None:
    """(the schema a $ref names, the document it is in): `#/...` in the schema it is written in, or a pointer
    into the release's definitions (`/api/_definitions.json#/$defs/…`, by the `$id`s); None for any other form."""
    if not isinstance(ref, str) or "#" not in ref or "%" in ref:  # a percent-escaped pointer: referencing unquotes it
        return None
    from urllib.parse import urljoin

    doc_name, pointer = ref.split("#", 1)
    doc = root if doc_name == "" else None
    if doc is None and isinstance(root, dict) and isinstance(definitions, dict) and definitions.get("$id"):
        doc = definitions if urljoin(str(root.get("$id", "")), doc_name) == definitions["$id"] else None
    node = doc
    for part in pointer.split("/")[1:] if pointer else []:
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return (node, doc) if doc is not None else None


def _where(e: Any) -> list[Any]:
    """The path to blame: an unknown field's own key, else the value that is wrong."""
    path = list(e.absolute_path)
    if e.validator == "additionalProperties" and isinstance(e.instance, dict):
        return path + _extra(e)[:1]
    return path


@cache
def _against(kind: str, api_version: str, version: str) -> str:
    crd = crd_source(kind, api_version)
    return f"the {kind} CRD of {crd}" if crd else f"Kubernetes {version} API schema"


def _dotted(path: list[Any]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "the object"


def _message(e: Any) -> str | None:
    """What is wrong, by field and type; None for what is left to other checks (placeholders) or not said.
    Not said: formats and bounds (the API server's own validation says more), a required field the API server
    defaults or accepts absent (see `_missing`)."""
    if isinstance(e.instance, str) and _PLACEHOLDER.search(e.instance):
        return None
    if isinstance(e.instance, dict) and any(isinstance(k, str) and (_FLOW_KEY.match(k) or _PLACEHOLDER.search(k)) for k in e.instance):
        return None  # `{{HF_TOKEN}}` outside Helm (YAML reads a map keyed by a map), `${KEY}: v`: placeholders to fill in
    say = _SAY.get(e.validator)
    return say(_dotted(list(e.absolute_path)), e) if say else None


# a strategic merge patch's directives (`$patch: delete`, `$setElementOrder/containers`): a kustomize patch read as written
_DIRECTIVE = re.compile(r"^\$(?:patch|retainKeys|setElementOrder/|deleteFromPrimitiveList/)")


def _extra(e: Any) -> list[Any]:
    """The fields an additionalProperties error is about, but a patch's directives."""
    if not isinstance(e.instance, dict):
        return []
    return sorted((k for k in set(e.instance) - set(e.schema.get("properties") or {}) if not _DIRECTIVE.match(str(k))), key=str)


def _unknown(where: str, e: Any) -> str | None:
    extra = _extra(e)
    return (f"{where}: unknown field{'s' if len(extra) > 1 else ''} {', '.join(str(k) for k in extra[:5])}: kubectl refuses it "
            "(strict field validation, its default), and a client that skips validation applies the object without it") if extra else None


def _type(where: str, e: Any) -> str:
    want = [w for w in (e.validator_value if isinstance(e.validator_value, list) else [e.validator_value]) if w != "null"]
    return f"{where} must be {' or '.join(map(str, want))}, not {kind_of(e.instance, none='null')}: the API server refuses the object"


def _missing(where: str, e: Any) -> str | None:
    """The required fields absent from one object, said once (jsonschema reports each apart): of a built-in type only
    those the API server refuses the object without (data/k8s_required.yaml), of a CRD those it sets no default for;
    never under `status`, which the API server resets on create."""
    if not isinstance(e.instance, dict) or not isinstance(e.validator_value, list) or list(e.absolute_path)[:1] == ["status"]:
        return None
    builtin = _named(e.schema)  # "" for a CRD's node; None for one not known, never said
    if builtin is None:
        return None
    refused = data.k8s_required().get(builtin, frozenset()) if builtin else None
    gone = [k for k in e.validator_value if k not in e.instance and not _defaulted(e.schema, k) and (refused is None or k in refused)]
    if not gone or e.message != f"{gone[0]!r} is a required property":
        return None  # said with the first missing one, or not at all
    fields = f"required field{'s' if len(gone) > 1 else ''} {', '.join(map(str, gone))}"
    if builtin:
        return f"{where}: {fields} missing: the API server refuses the object"
    return (f"{where}: {fields} missing: the CRD sets no default, so the API server refuses the object unless the operator's "
            "admission webhook fills it in")


def _int_or_string(where: str, e: Any) -> str | None:
    if isinstance(e.instance, (dict, list, bool)) or e.instance is None:
        return f"{where} must be a number or a string, not {kind_of(e.instance, none='null')}: the API server refuses the object"
    return None


def _enum(where: str, e: Any) -> str:
    named = [v for v in e.validator_value or [] if v is not None]  # a CRD's null: pruned by the API server, never a choice
    return f"{where} must be one of {', '.join(map(str, named[:6]))}: the API server refuses the object"


_SAY = {"additionalProperties": _unknown, "type": _type, "oneOf": _int_or_string, "anyOf": _int_or_string, "enum": _enum,
        "required": _missing}

# a built-in schema node -> its definition's short name (DeploymentSpec) or its kind, what k8s_required.yaml is keyed by;
# a CRD's node that requires fields -> ""
_NAMES: dict[int, tuple[Any, str]] = {}


def _named(node: Any) -> str | None:
    held = _NAMES.get(id(node))
    if (held is None or held[0] is not node) and _CRDS_UNNAMED:  # named only when an error asks: most runs never do
        while _CRDS_UNNAMED:
            _name_crd(_CRDS_UNNAMED.pop())
        held = _NAMES.get(id(node))
    return held[1] if held is not None and held[0] is node else None


_CRDS_UNNAMED: list[Any] = []  # the CRD schemas loaded whose nodes `_name_crd` has yet to name


@cache
def _schemas() -> Path | None:
    from importlib.util import find_spec

    spec = find_spec("kubernetes_validate")  # found, not imported: its import pulls in half a second of modules
    if spec is None or not spec.origin:
        return None
    root = Path(spec.origin).parent / "kubernetes-json-schema"
    return root if root.is_dir() else None


@cache
def _definitions_doc(version: str) -> Any:
    root = _schemas()
    if root is None:
        return None
    with open(root / f"v{version}.0-local-strict" / "_definitions.json", encoding="utf-8") as f:
        doc = json.load(f)
    for name, node in (doc.get("$defs") or {}).items():
        _NAMES[id(node)] = (node, name.rsplit(".", 1)[-1])
    return doc


@cache
def _definitions(version: str) -> Any:
    from referencing import Registry, Resource

    return Resource.from_contents(_definitions_doc(version)) @ Registry()


CRD_SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "crd_schemas"  # tools/gen_crd_schemas.py; SOURCES.json says whence


@cache
def _schema(version: str, kind: str, api_version: str) -> tuple[Any, bool] | None:
    """(the JSON schema of a kind, whether it is Kubernetes' own, i.e. refers into the release's definitions);
    None when there is none."""
    root = _schemas()
    if root is None or not re.fullmatch(r"[A-Za-z0-9]+", kind) or not re.fullmatch(r"[\w.-]+(/[\w.-]+)?", api_version):
        return None
    name = f"{kind.lower()}-{_API.sub(lambda m: m.group(1) + '-', api_version).replace('/', '-')}.json"
    path = root / f"v{version}.0-local-strict" / name
    if path.is_file():
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        _NAMES[id(schema)] = (schema, kind)
        return schema, True
    crd = CRD_SCHEMAS / f"{kind.lower()}-{api_version.replace('/', '-')}.json.gz"
    if "/" in api_version and crd.is_file():  # an operator's resource, by the schema of its published CRD
        import gzip

        doc = json.loads(gzip.decompress(crd.read_bytes()))
        _CRDS_UNNAMED.append(doc)
        return doc, False
    return None


def _name_crd(node: Any) -> None:
    """Every node of a CRD's schema that requires fields, named "" (a CRD's, not a built-in definition)."""
    if isinstance(node, dict):
        if "required" in node:
            _NAMES[id(node)] = (node, "")
        for key, child in node.items():
            if key not in ("required", "enum", "default", "example"):
                _name_crd(child)
    elif isinstance(node, list):
        for child in node:
            _name_crd(child)


@cache
def _validator(version: str, kind: str, api_version: str) -> Any:
    """jsonschema's validator of a kind: only for a schema the walk does not know (none shipped today:
    tests/test_schema_walk.py), and the tests' oracle. Its import and registry cost ~170 ms, so no run pays them else."""
    raw = _schema(version, kind, api_version)
    if raw is None:
        return None
    import jsonschema  # type: ignore[import-untyped]

    schema, builtin = raw
    if builtin:
        from referencing import Resource

        return jsonschema.Draft202012Validator(schema, registry=Resource.from_contents(schema) @ _definitions(version))
    return jsonschema.Draft202012Validator(schema)


def crd_source(kind: str, api_version: str) -> str | None:
    """`repo release` of the CRD a custom resource is validated with, None for built-in kinds."""
    crd = f"{kind.lower()}-{api_version.replace('/', '-')}.json.gz"
    try:
        src = json.loads((CRD_SCHEMAS / "SOURCES.json").read_text(encoding="utf-8")).get(crd)
    except (OSError, ValueError):
        return None
    return f"{src['repo']} {src['version']}" if src else None
