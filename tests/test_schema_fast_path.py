"""The schema fast path (`scan.schema.clean`) is never optimistic: whenever jsonschema reports an error that
modelready says, `clean` is False, on the corpus's real manifests and on seeded mutations of them (an
unknown field, a wrong type, a bool for a number, an enum value off the list, a field taken out). And it is
taken: most real manifests skip jsonschema."""

from __future__ import annotations

import copy
import random
import re

import pytest
import yaml

from .conftest import shared_or_skip
from modelready.scan import schema

VERSION = schema.resolve_version(None)
pytestmark = pytest.mark.skipif(VERSION is None, reason="kubernetes-validate not installed")


REQUIRED = re.compile(r": required fields? (.*) missing: ")


def _required_names(node) -> set[str]:
    """Every field name some schema node lists as required."""
    if isinstance(node, dict):
        own = set(node["required"]) if isinstance(node.get("required"), list) else set()
        return own.union(*(_required_names(v) for k, v in node.items() if k != "required"))
    return set().union(*(_required_names(v) for v in node)) if isinstance(node, list) else set()


def _all_required_names() -> set[str]:
    import gzip
    import json

    crds = [json.loads(gzip.decompress(p.read_bytes())) for p in schema.CRD_SCHEMAS.glob("*.json.gz")]
    return _required_names(schema._definitions_doc(VERSION)).union(*map(_required_names, crds))


def _corpus_objects() -> list[dict]:
    corpus = shared_or_skip("corpus")
    out = []
    for path in sorted(corpus.rglob("*.yaml")):
        if "templates" in path.parts:  # Helm templates are not YAML before rendering
            continue
        try:
            docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        out += [d for d in docs if isinstance(d, dict) and isinstance(d.get("kind"), str) and isinstance(d.get("apiVersion"), str)]
    return out


def _reported(validator, body) -> list[str]:
    return [m for e in validator.iter_errors(body) if (m := schema._message(e))]


def _spots(node, path=()):
    """Every (path, value) below `node`."""
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _spots(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _spots(v, path + (i,))


def _set(body, path, value):
    node = body
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value


def _mutate(body: dict, rng: random.Random) -> dict:
    body = copy.deepcopy(body)
    spots = [s for s in _spots(body) if s[0]]
    path, value = rng.choice(spots)
    choice = rng.randrange(6)
    if choice == 5:
        parents = [v for _p, v in spots if isinstance(v, dict) and v]
        if parents:
            parent = rng.choice(parents)
            del parent[rng.choice(list(parent))]
    elif choice == 0 and isinstance(value, dict):
        value["notAField" + str(rng.randrange(100))] = "x"
    elif choice == 1:
        _set(body, path, {"str": 5, "int": "five", "bool": 1, "float": "1.5", "dict": ["a"], "list": {"a": 1}}.get(type(value).__name__, True))
    elif choice == 2 and isinstance(value, (int, str)):
        _set(body, path, True)
    elif choice == 3:
        _set(body, path, 3.5)
    else:
        _set(body, path, "Unlisted")
    return body


def test_the_fast_path_never_passes_what_jsonschema_reports():
    definitions = schema._definitions_doc(VERSION)
    rng = random.Random(2612)
    checked = clean_valid = valid = mutated_reported = 0
    for body in _corpus_objects():
        validator = schema._validator(VERSION, body["kind"], body["apiVersion"])
        if validator is None:
            continue
        for candidate in [body] + [_mutate(body, rng) for _ in range(6)]:
            reported = _reported(validator, candidate)
            fast = schema.clean(candidate, validator.schema, validator.schema, definitions)
            assert not (fast and reported), (body["kind"], reported[:2])
            checked += 1
            if candidate is body and not reported:
                valid += 1
                clean_valid += fast
            mutated_reported += bool(reported) and candidate is not body
    assert checked > 300 and mutated_reported > 100  # the mutations do break schemas, and were caught
    assert clean_valid >= 0.8 * valid  # the fast path is the common one


def test_the_fast_path_never_passes_a_missing_required_field():
    """Each field some schema requires taken out in turn of every mapping of the corpus's objects (one object of each
    shape): whenever modelready says a required field is missing, the fast path was unsure. The fields said of built-in kinds are those the API server refuses the object
    without (a Deployment's selector, a container's name), never one it defaults (a RoleBinding's roleRef.apiGroup); of
    custom resources, those their CRD requires without a default (a KubeAI Model's url, not its targetRequests)."""
    definitions = schema._definitions_doc(VERSION)
    said: dict[bool, set[str]] = {True: set(), False: set()}
    tried: set[tuple[object, ...]] = set()
    required = _all_required_names()
    shapes = set()
    for body in _corpus_objects():
        validator = schema._validator(VERSION, body["kind"], body["apiVersion"])
        shape = (body["kind"], frozenset(tuple(p for p in path if isinstance(p, str)) for path, _v in _spots(body)))
        if validator is None or shape in shapes:  # an object of the same fields as one tried answers the same
            continue
        shapes.add(shape)
        builtin = schema._schema(VERSION, body["kind"], body["apiVersion"])[1]
        kind = body["kind"]
        body = copy.deepcopy(body)
        for path, value in list(_spots(body))[:400]:
            if not isinstance(value, dict):
                continue
            for key in [k for k in value if k in required][:12]:  # taking out another field adds no required error
                held = value.pop(key)  # taken out in place, put back after
                fast = schema.clean(body, validator.schema, validator.schema, definitions)
                where = (kind, tuple(p for p in path if isinstance(p, str)), key)
                if fast or where not in tried:  # jsonschema where the fast path passes, and once per kind and field
                    tried.add(where)
                    reported = [m.group(1) for m in map(REQUIRED.search, _reported(validator, body)) if m]
                    assert not (reported and fast), (path, key, reported)
                    said[builtin] |= {name for r in reported for name in r.split(", ")}
                value[key] = held
    assert {"selector", "template", "name", "containers", "containerPort", "port", "roleRef", "kind"} <= said[True], said
    assert not said[True] & {"apiGroup", "value", "preference"}, said  # defaulted, or accepted empty
    assert {"url", "engine", "leaderWorkerTemplate", "predictor"} <= said[False], said[False]
    assert not said[False] & {"targetRequests", "scaleDownDelaySeconds", "minReplicas", "maxReplicas"}  # the CRDs' defaults


def test_a_small_mapping_remembered_by_type_only_where_its_schema_reads_only_types():
    """The leaf memo keys a label or a name by its type (`{app: llm-7}` and `{app: llm-8}` are one verdict), never a
    value its schema reads: an enum's, a `$ref`'s whose target is no bare type, a float (an integral one is an integer)."""
    labels = {"type": "object", "additionalProperties": {"type": "string"}}
    ref = {"type": "object", "properties": {"name": {"type": "string"}, "kind": {"enum": ["A", "B"]},
                                            "n": {"type": "integer"}, "q": {"$ref": "#/$defs/q"}}}
    root = {"$defs": {"q": {"oneOf": [{"type": "string"}, {"type": "integer"}]}, "meta": ref},
            "type": "object", "properties": {"labels": labels, "meta": {"$ref": "#/$defs/meta"}}}
    definitions: dict[str, object] = {}

    def clean(body: object) -> bool:
        return schema.clean(body, root, root, definitions)

    assert clean({"labels": {"app": "llm-7"}, "meta": {"name": "llm-7", "kind": "A", "n": 1, "q": "1Gi"}})
    assert clean({"labels": {"app": "llm-8"}, "meta": {"name": "llm-8", "kind": "B", "n": 2, "q": 3}})
    assert not clean({"labels": {"app": 8}})  # the same key, another type
    assert not clean({"labels": {"app": True}})
    assert not clean({"meta": {"name": "llm-9", "kind": "C"}})  # an enum reads the value
    assert not clean({"meta": {"name": "llm-9", "n": 2.5}})  # a float's value decides integer
    assert clean({"meta": {"name": "llm-9", "n": 2.0}})
    assert not clean({"meta": {"name": "llm-9", "q": None}})
    assert schema._LOOSE  # the memo was taken


def _renamed(node, enums: frozenset[str]):
    """`node` with every string value no enum lists made another (names, labels, images): keys and enum values kept."""
    if isinstance(node, dict):
        return {k: _renamed(v, enums) for k, v in node.items()}
    if isinstance(node, list):
        return [_renamed(v, enums) for v in node]
    return node + "-renamed" if type(node) is str and node not in enums else node


def test_an_object_is_judged_by_its_shape_as_by_its_walk():
    """The whole-object memo (`_At.shape`) gives the walk's own verdict: on every corpus object, its mutations and
    their copies with every name changed (which share a shape, so the memo answers them), the memo's verdict is the
    verdict of a walk that never saw the memo."""
    definitions = schema._definitions_doc(VERSION)
    rng = random.Random(2828)
    hits = checked = 0
    for body in _corpus_objects():
        raw = schema._schema(VERSION, body["kind"], body["apiVersion"])
        if raw is None:
            continue
        at = schema._At.of(raw[0], definitions)
        for candidate in [body] + [_mutate(body, rng) for _ in range(4)]:
            twin = _renamed(candidate, at.enums())
            walked = at.ok(candidate, raw[0], 0)
            assert at.ok(twin, raw[0], 0) == walked  # no verdict reads a name
            assert schema.clean(candidate, raw[0], raw[0], definitions) == walked
            hits += at.shape(twin) == at.shape(candidate) and twin != candidate
            assert schema.clean(twin, raw[0], raw[0], definitions) == walked
            checked += 1
    assert checked > 300 and hits > 0.5 * checked


def test_a_shape_keeps_what_the_walk_reads():
    """Two objects share a shape only where the walk cannot tell them apart: a name is any string, but an enum's
    value, a number's value and type (True is not 1, 2.0 is not 2.5), a key (1 is not "1") and the nesting are kept."""
    root = {"type": "object", "properties": {"name": {"type": "string"}, "kind": {"enum": ["A", "B"]},
                                             "n": {"type": "integer"}, "xs": {"type": "array", "items": {"type": "string"}}}}
    at = schema._At.of(root, {})

    def clean(body: object) -> bool:
        return schema.clean(body, root, root, {})

    assert at.shape({"name": "a", "kind": "A"}) == at.shape({"name": "b", "kind": "A"})
    assert at.shape({"name": "A"}) != at.shape({"name": "b"})  # "A" is an enum's: kept (over-keyed, never wrong)
    assert clean({"name": "a", "kind": "A", "n": 1, "xs": ["p"]}) and clean({"name": "b", "kind": "A", "n": 1, "xs": ["q"]})
    assert not clean({"name": "c", "kind": "C", "n": 1})
    assert not clean({"name": "c", "kind": "A", "n": True}) and not clean({"name": "c", "kind": "A", "n": 2.5})
    assert clean({"name": "c", "kind": "A", "n": 2.0}) and clean({"name": "c", "kind": "A", "n": 2})
    assert not clean({"name": "c", "kind": "A", "xs": [["p"]]}) and not clean({"name": "c", "kind": "A", "xs": [5]})
    loose = {"type": "object", "properties": {"1": {"type": "string"}}, "additionalProperties": False}
    assert schema.clean({"1": "x"}, loose, loose, {}) and not schema.clean({1: "x"}, loose, loose, {})
    assert at.shape(["x"]) != at.shape([["x"]]) != at.shape([{"x": "y"}])
    assert at.shape({"a": b"x"}) is None and at.shape(_nested(70)) is None  # no JSON type, past the depth bound: walked
    huge = {"name": "c", "kind": "A", "xs": ["p"] * schema._SHAPE_MAX}
    assert at.shape(huge) is None and clean(huge) and not clean({**huge, "n": "x"})  # too large to keep: walked each time


def _nested(depth: int) -> object:
    node: object = "x"
    for _ in range(depth):
        node = [node]
    return node
