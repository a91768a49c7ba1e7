"""ModelSpec v1alpha1: the schema shipped in the package, validated with jsonschema."""

from __future__ import annotations

import difflib
import json
from functools import cache
from importlib import resources
from typing import Any

SCHEMA_FILE = "modelspec-v1alpha1.schema.json"


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(resources.files(__name__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8"))
    return loaded


@cache
def _validator() -> Any:
    import jsonschema  # type: ignore[import-untyped]  # only runs that hold a ModelSpec pay for it

    return jsonschema.Draft202012Validator(schema())


def validate(body: dict[str, Any]) -> list[tuple[str, tuple[Any, ...]]]:
    """(message, path) per schema error; a misspelt key names the path of the key and suggests the right one."""
    out = []
    for err in sorted(_validator().iter_errors(body), key=lambda e: [str(p) for p in e.absolute_path]):
        path = tuple(err.absolute_path)
        if err.validator == "additionalProperties":
            allowed = sorted((err.schema.get("properties") or {}).keys())
            for key in sorted(set(err.instance) - set(allowed)):
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                where = ".".join(str(p) for p in path + (key,))
                out.append((f"unknown field {where}" + (f"; did you mean {close[0]}?" if close else f" (known here: {', '.join(allowed)})"), path + (key,)))
            continue
        where = ".".join(str(p) for p in path) or "(document)"
        out.append((f"{where}: {err.message}", path))
    return out
