"""manifest-schema-invalid without jsonschema: `scan.schema`'s own walk yields the errors jsonschema's
Draft202012Validator yields, for the keywords modelready says (additionalProperties, type, oneOf, anyOf, enum,
required), in an order that sorts alike, so the findings are the same. jsonschema stays the oracle here: on every
object the loader makes of the corpus, and on seeded random mutations of its real Deployments, Services, KServe
InferenceServices and ServingRuntimes, LeaderWorkerSets, RayServices and the other operators' resources (a wrong type,
an unknown field, a missing required field, a value off an enum, a bad int-or-string, a bool for a number, an
integral float, a map keyed by a number, deep in containers, volumes and CRD specs). A schema with a keyword the walk
does not know goes to jsonschema, never through unchecked. And a corpus run imports no jsonschema."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from .conftest import REPO, shared_or_skip
from .test_schema_fast_path import _spots
from modelready.scan import schema

VERSION = schema.resolve_version(None)
pytestmark = pytest.mark.skipif(VERSION is None, reason="kubernetes-validate not installed")

SAID = frozenset(schema._SAY)


def _by_path(errors):
    return sorted(errors, key=lambda e: list(map(str, e.absolute_path)))  # the product's sort (scan.schema.validate)


def _walked(body, kind: str, api_version: str) -> list:
    """The walk's errors, never jsonschema's: a schema of the corpus's kinds the walk does not know fails the test."""
    raw = schema._schema(VERSION, kind, api_version)
    out: list = []
    schema._walk(body, raw[0], schema._At.of(raw[0], schema._definitions_doc(VERSION)), (), out, 0, False)
    return out


def _oracle(body, kind: str, api_version: str) -> list:
    return list(schema._validator(VERSION, kind, api_version).iter_errors(body))


def _said(errors) -> list[tuple]:
    """(keyword, path, message, where) of each error whose keyword is said, in the product's order."""
    return [(e.validator, list(e.absolute_path), schema._message(e), schema._where(e)) for e in _by_path(errors) if e.validator in SAID]


def _same(body, kind: str, api_version: str) -> list[tuple]:
    mine, theirs = _said(_walked(body, kind, api_version)), _said(_oracle(body, kind, api_version))
    assert [m[:2] for m in mine] == [t[:2] for t in theirs], (kind, mine[:6], theirs[:6])
    assert mine == theirs, kind
    return mine


def _oracle_findings(objects, monkeypatch) -> list:
    """The findings as they were made before the walk: jsonschema's errors for every object."""
    with monkeypatch.context() as m:
        m.setattr(schema, "errors_of", lambda body, version, kind, api_version: _oracle(body, kind, api_version))
        return schema.validate(objects, VERSION)


def _validated(corpus_result):
    return [o for o in corpus_result.objects if schema._schema(VERSION, o.kind, o.api_version) is not None]


def test_the_walk_says_what_jsonschema_says_of_every_corpus_object(corpus_result, monkeypatch):
    objects = _validated(corpus_result)
    said = [e for o in objects for e in _same(o.body, o.kind, o.api_version)]
    assert len(objects) > 300 and said  # the corpus has real errors (two KServe ServingRuntimes)
    partial = [dataclasses.replace(o, partial="a kustomize patch") for o in objects[::3]]
    for group in (objects, partial):
        findings = schema.validate(group, VERSION)
        assert findings == _oracle_findings(group, monkeypatch)
    assert any(f.check == "manifest-schema-invalid" for f in schema.validate(objects, VERSION))


# values of every JSON type and the edges jsonschema decides: a bool is no number, an integral float is an integer,
# a null is both halves of an int-or-string, a quoted number is a string
ODD = [True, False, None, 0, 1, -3, 2.0, 2.5, "80", "Unlisted", "", {"a": 1}, {}, ["x"], [], [{"name": "x"}], {"name": 5}]
KINDS = {"Deployment", "Service", "InferenceService", "ServingRuntime", "ClusterServingRuntime", "LeaderWorkerSet", "RayService",
         "RayCluster", "StatefulSet", "Model", "Workspace", "NIMService", "LLMInferenceService", "Job", "Pod"}


def _parent(body, path):
    node = body
    for p in path[:-1]:
        node = node[p]
    return node


def _once(body, rng: random.Random) -> None:
    spots = [s for s in _spots(body) if s[0]]
    path, value = rng.choice(spots)
    parent = _parent(body, path)
    choice = rng.randrange(8)
    if choice == 0 and isinstance(value, dict):  # an unknown field, or a known one's typo
        value[rng.choice(["notAField", "lables", "resource", "limit", str(rng.randrange(10)) + "x"])] = rng.choice(ODD)
    elif choice == 1 and isinstance(parent, dict):  # a field taken out (required ones)
        del parent[path[-1]]
    elif choice == 2 and isinstance(value, list) and value:  # one more item, itself broken
        item = copy.deepcopy(rng.choice(value))
        parent[path[-1]] = [*value, item]  # a plain list: the loader's knows the line of each item it read
        if isinstance(item, dict) and item:
            _once(item, rng)
    elif choice == 3 and isinstance(value, dict):  # a map keyed by a number, beside the same key as a string
        value[1] = rng.choice(ODD)
        value["1"] = rng.choice(ODD)
    else:  # a value of another type, or an edge of the one it has
        parent[path[-1]] = copy.deepcopy(rng.choice(ODD))


def _mutated(body, rng: random.Random):
    body = copy.deepcopy(body)
    for _ in range(rng.choice([1, 1, 1, 2, 3, 6])):  # several at once: the cap and the order of errors at one path
        if not any(True for s in _spots(body) if s[0]):
            break
        _once(body, rng)
    return body


def test_the_walk_says_what_jsonschema_says_of_mutated_objects(corpus_result, monkeypatch):
    rng = random.Random(2828)
    per_kind: Counter[str] = Counter()
    originals = [o for o in _validated(corpus_result) if o.kind in KINDS and (per_kind.update([o.kind]) or per_kind[o.kind] <= 8)]
    assert {"Deployment", "Service", "InferenceService", "ServingRuntime", "LeaderWorkerSet", "RayService"} <= {o.kind for o in originals}
    keywords: Counter[str] = Counter()
    mutants = []
    for obj in originals:
        for _ in range(25):
            body = _mutated(obj.body, rng)
            keywords.update(e[0] for e in _same(body, obj.kind, obj.api_version))
            mutants.append(dataclasses.replace(obj, body=body, partial=rng.choice(["", "", "a kustomize patch"])))
    assert schema.validate(mutants, VERSION) == _oracle_findings(mutants, monkeypatch)
    # every keyword said was compared, many times; the mutations were seen as errors and not only as noise
    assert min(keywords[k] for k in SAID) >= 20, keywords
    assert sum(keywords.values()) > len(mutants)


def _fake_schema(monkeypatch, doc) -> tuple[str, str]:
    kind, api = "Fake", "example.com/v1"
    real = schema._schema
    monkeypatch.setattr(schema, "_schema", lambda v, k, a: (doc, False) if (k, a) == (kind, api) else real(v, k, a))
    schema._validator.cache_clear()
    return kind, api


@pytest.mark.parametrize("doc, body", [
    # patternProperties changes which fields are extra: the walk does not know it
    ({"type": "object", "patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": False}, {"x-a": 1, "b": 2}),
    # a bound decides an anyOf branch: the walk does not weigh bounds, so it cannot say the anyOf holds
    ({"type": "object", "properties": {"port": {"anyOf": [{"type": "string", "pattern": "^[a-z]+$"}, {"type": "integer"}]}}},
     {"port": "80"}),
    # another dialect below the root
    ({"type": "object", "properties": {"a": {"$schema": "http://json-schema.org/draft-04/schema#", "type": "string"}}}, {"a": 1}),
])
def test_a_schema_the_walk_does_not_know_goes_to_jsonschema(monkeypatch, doc, body):
    kind, api = _fake_schema(monkeypatch, doc)
    with pytest.raises(schema._Unsure):
        _walked(body, kind, api)
    try:
        got = [(e.validator, list(e.absolute_path)) for e in schema.errors_of(body, VERSION, kind, api)]
        assert got and got == [(e.validator, list(e.absolute_path)) for e in _oracle(body, kind, api)]
    finally:
        schema._validator.cache_clear()


def test_the_edges_jsonschema_decides(monkeypatch):
    """A bool is not 1 in an enum; 2.0 is an integer and 2.5 is not; a null is a string and an integer at once, so
    an IntOrString oneOf fails on it; a value of no JSON type (a date YAML read) is of none."""
    import datetime

    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "m", "annotations": {"at": datetime.date(2025, 1, 2)}},
                  "spec": {"replicas": 2.0, "revisionHistoryLimit": 2.5, "selector": {"matchLabels": {"a": "b"}},
                           "strategy": {"rollingUpdate": {"maxSurge": None, "maxUnavailable": True}},
                           "template": {"spec": {"containers": [{"name": "c", "imagePullPolicy": True, "ports": [{"containerPort": 1, "protocol": 1}]}]}}}}
    said = {(e[0], ".".join(map(str, e[1]))) for e in _same(deployment, "Deployment", "apps/v1")}
    assert ("type", "spec.revisionHistoryLimit") in said and not any(p == "spec.replicas" for _k, p in said)
    assert {("oneOf", "spec.strategy.rollingUpdate.maxSurge"), ("oneOf", "spec.strategy.rollingUpdate.maxUnavailable"),
            ("type", "metadata.annotations.at")} <= said
    kind, api = _fake_schema(monkeypatch, {"type": "object", "properties": {"n": {"enum": [1, "a"]}, "b": {"enum": [True]}}})
    try:
        assert [e[:2] for e in _same({"n": True, "b": 1}, kind, api)] == [("enum", ["b"]), ("enum", ["n"])]
        assert _same({"n": 1.0, "b": True}, kind, api) == []
    finally:
        schema._validator.cache_clear()


def test_a_corpus_run_imports_no_jsonschema(tmp_path):
    """The corpus has objects with schema errors (the walk runs), and no manifest there needs jsonschema: a run
    that imported it would pay ~170 ms of imports, and referencing's registry besides."""
    corpus = shared_or_skip("corpus")
    env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO / "src"),
           "MODELREADY_CACHE_DIR": os.environ["MODELREADY_CACHE_DIR"]}
    out = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "modelready.cli", "check", str(corpus), "--offline",
                           "--format", "json", "-o", str(out)], capture_output=True, text=True, timeout=300, env=env)
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "modelready.scan.schema" in imported and "json" in imported  # the import lines were read
    assert not {m for m in imported if m.split(".")[0] in ("jsonschema", "referencing", "jsonschema_specifications")}
    findings = json.loads(Path(out).read_text(encoding="utf-8"))["findings"]
    assert any(f["check"] == "manifest-schema-invalid" for f in findings)


def _keywords_at(node, branch: bool, root: bool, seen: list) -> None:
    """Every (keyword, in an anyOf/oneOf branch, at a document's root, value) of a schema, by its subschemas' places."""
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        seen.append((key, branch, root, value))
        if key in ("properties", "$defs"):
            for sub in value.values():
                _keywords_at(sub, branch, False, seen)
        elif key in ("items", "additionalProperties"):
            _keywords_at(value, branch, False, seen)
        elif key in ("allOf", "anyOf", "oneOf"):
            for sub in value:
                _keywords_at(sub, branch or key != "allOf", False, seen)


def test_the_shipped_schemas_need_no_jsonschema():
    """Every keyword of every release's definitions, of the default release's kinds and of every CRD schema is one
    the walk knows, and no bound sits in an anyOf/oneOf branch: with the schemas shipped, jsonschema is never needed
    (a future one that needs it gets it: test_a_schema_the_walk_does_not_know_goes_to_jsonschema)."""
    import gzip

    root = schema._schemas()
    docs = [json.loads((root / f"v{v}.0-local-strict" / "_definitions.json").read_text(encoding="utf-8")) for v in schema.versions()]
    docs += [json.loads(p.read_text(encoding="utf-8")) for p in sorted((root / f"v{VERSION}.0-local-strict").glob("*-*.json"))]
    docs += [json.loads(gzip.decompress(p.read_bytes())) for p in sorted(schema.CRD_SCHEMAS.glob("*.json.gz"))]
    seen: list = []
    for i, doc in enumerate(docs):
        before = len(seen)
        _keywords_at(doc, False, True, seen)
        definitions = doc if i < len(schema.versions()) else schema._definitions_doc(VERSION)  # a release's, or the kinds'
        assert all(schema._ref(v, doc, definitions) is not None for k, _b, _r, v in seen[before:] if k == "$ref")
    keys = {k for k, *_ in seen}
    assert {"type", "$ref", "properties", "additionalProperties", "items", "required", "enum", "oneOf", "anyOf", "allOf"} <= keys
    unknown = {k for k in keys if k not in schema._STEPS and k not in schema._BOUNDS and k not in schema._IGNORED and not k.startswith("x-")}
    assert not unknown
    assert not {k for k, branch, _root, _v in seen if branch and k in schema._BOUNDS}
    assert {v for k, _b, _r, v in seen if k == "$schema"} == {"https://json-schema.org/draft/2020-12/schema"}
    assert all(root for k, _b, root, _v in seen if k == "$id")


def test_a_body_shared_by_rendered_objects_is_judged_clean_once_and_an_invalid_one_said_of_each(corpus_result, monkeypatch):
    """Rendered templates of the same text share their parsed body (yamlsrc.load_all_shared): a clean verdict is kept
    per body and schema, and an invalid shared body is still a finding of every object that has it."""
    objects = _validated(corpus_result)
    assert max(Counter(id(o.body) for o in objects).values()) > 1  # the corpus's renders share bodies
    alone = [f for o in objects for f in schema.validate([o], VERSION)]
    invalid = [o for o in objects if schema.validate([o], VERSION)]
    twins = [dataclasses.replace(o, name=f"{o.name}-twin") for o in invalid]  # the same body object, another object
    judged: list[int] = []
    real = schema.clean
    monkeypatch.setattr(schema, "clean", lambda body, *a: judged.append(id(body)) or real(body, *a))
    assert schema.validate(objects, VERSION) == alone
    shared_clean = {id(o.body) for o in objects if o not in invalid}
    assert len(judged) < len(objects) and all(Counter(judged)[b] == 1 for b in shared_clean)
    said = schema.validate(invalid + twins, VERSION)
    assert invalid and {f.message.split(":")[0] for f in said} >= {f"{o.kind} {o.name}" for o in twins}
