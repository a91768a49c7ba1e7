"""Manifests validated against the Kubernetes API's own OpenAPI schemas, as kubectl's strict field validation
does: the strict JSON schemas the `kubernetes-validate` package ships, one folder per Kubernetes release.

An unknown field (labels written under `spec` instead of `metadata`) or a wrong type, both refused by the strict
field validation kubectl asks for: each a `manifest-schema-invalid` finding at its line, naming the release
checked against.
Kinds without a schema there (CRDs) are not validated here. Messages name fields and types, never values.
A field written as a placeholder (`${REPLICAS}`, `<PROJECT_ID>`, an unrendered `{{ }}`) is left to
placeholder-value: the file is meant to be filled in first.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any, Iterable

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
    for obj in objects:
        validator = _validator(version, obj.kind, obj.api_version)
        if validator is None:
            continue
        errors = sorted(validator.iter_errors(obj.body), key=lambda e: list(map(str, e.absolute_path)))
        shown = 0
        for e in errors:
            message = _message(e)
            if message is None:
                continue
            shown += 1
            if shown > MAX_ERRORS_PER_OBJECT:
                break
            against = _against(obj.kind, obj.api_version, version)
            out.append(Finding("manifest-schema-invalid", Severity.error, f"{obj.kind} {obj.name}: {message} ({against})",
                               obj.loc(*_where(e)), ("manifests-render",), subject=obj.subject))
    return out


def _where(e: Any) -> list[Any]:
    """The path to blame: an unknown field's own key, else the value that is wrong."""
    path = list(e.absolute_path)
    if e.validator == "additionalProperties" and isinstance(e.instance, dict):
        extra = sorted(set(e.instance) - set(e.schema.get("properties") or {}), key=str)
        return path + extra[:1]
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
    Not said: a missing `required` field (the API server defaults some, a RoleBinding's roleRef.apiGroup, and a
    kustomize patch is a partial object), formats and bounds (the API server's own validation says more)."""
    if isinstance(e.instance, str) and _PLACEHOLDER.search(e.instance):
        return None
    if isinstance(e.instance, dict) and any(isinstance(k, str) and (_FLOW_KEY.match(k) or _PLACEHOLDER.search(k)) for k in e.instance):
        return None  # `{{HF_TOKEN}}` outside Helm (YAML reads a map keyed by a map), `${KEY}: v`: placeholders to fill in
    say = _SAY.get(e.validator)
    return say(_dotted(list(e.absolute_path)), e) if say else None


def _unknown(where: str, e: Any) -> str | None:
    extra = sorted(set(e.instance) - set(e.schema.get("properties") or {}), key=str) if isinstance(e.instance, dict) else []
    return (f"{where}: unknown field{'s' if len(extra) > 1 else ''} {', '.join(str(k) for k in extra[:5])}: kubectl refuses it "
            "(strict field validation, its default), and a client that skips validation applies the object without it") if extra else None


def _type(where: str, e: Any) -> str:
    want = [w for w in (e.validator_value if isinstance(e.validator_value, list) else [e.validator_value]) if w != "null"]
    return f"{where} must be {' or '.join(map(str, want))}, not {kind_of(e.instance, none='null')}: the API server refuses the object"


def _int_or_string(where: str, e: Any) -> str | None:
    if isinstance(e.instance, (dict, list, bool)) or e.instance is None:
        return f"{where} must be a number or a string, not {kind_of(e.instance, none='null')}: the API server refuses the object"
    return None


def _enum(where: str, e: Any) -> str:
    named = [v for v in e.validator_value or [] if v is not None]  # a CRD's null: pruned by the API server, never a choice
    return f"{where} must be one of {', '.join(map(str, named[:6]))}: the API server refuses the object"


_SAY = {"additionalProperties": _unknown, "type": _type, "oneOf": _int_or_string, "anyOf": _int_or_string, "enum": _enum}


@cache
def _schemas() -> Path | None:
    try:
        import kubernetes_validate  # type: ignore[import-untyped]
    except ImportError:
        return None
    root = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    return root if root.is_dir() else None


@cache
def _definitions(version: str) -> Any:
    root = _schemas()
    assert root is not None
    from referencing import Registry, Resource

    with open(root / f"v{version}.0-local-strict" / "_definitions.json", encoding="utf-8") as f:
        return Resource.from_contents(json.load(f)) @ Registry()


CRD_SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "crd_schemas"  # tools/gen_crd_schemas.py; SOURCES.json says whence


@cache
def _validator(version: str, kind: str, api_version: str) -> Any:
    root = _schemas()
    if root is None or not re.fullmatch(r"[A-Za-z0-9]+", kind) or not re.fullmatch(r"[\w.-]+(/[\w.-]+)?", api_version):
        return None
    import jsonschema  # type: ignore[import-untyped]

    name = f"{kind.lower()}-{_API.sub(lambda m: m.group(1) + '-', api_version).replace('/', '-')}.json"
    path = root / f"v{version}.0-local-strict" / name
    if path.is_file():
        from referencing import Resource

        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        return jsonschema.Draft202012Validator(schema, registry=Resource.from_contents(schema) @ _definitions(version))
    crd = CRD_SCHEMAS / f"{kind.lower()}-{api_version.replace('/', '-')}.json.gz"
    if "/" in api_version and crd.is_file():  # an operator's resource, by the schema of its published CRD
        import gzip

        return jsonschema.Draft202012Validator(json.loads(gzip.decompress(crd.read_bytes())))
    return None


def crd_source(kind: str, api_version: str) -> str | None:
    """`repo release` of the CRD a custom resource is validated with, None for built-in kinds."""
    crd = f"{kind.lower()}-{api_version.replace('/', '-')}.json.gz"
    try:
        src = json.loads((CRD_SCHEMAS / "SOURCES.json").read_text(encoding="utf-8")).get(crd)
    except (OSError, ValueError):
        return None
    return f"{src['repo']} {src['version']}" if src else None
