"""The report on the wire: the one place the typed document (report/document.py) becomes JSON, and the one
place a saved JSON report is read back into it (a baseline file that is a report, a base's report)."""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from typing import Any, Mapping, TypeVar

from .document import (Baseline, Catalog, DeploymentEntry, FileEntry, FindingEntry, ItemEntry, Json, Report, Rule,
                       Summary)

T = TypeVar("T")


_SCALARS = frozenset({str, int, float, bool, type(None)})
_PLANS: dict[type, tuple[tuple[str, bool, bool], ...]] = {}  # a dataclass: (field, omit while None, flat) each


def _plan(cls: type) -> tuple[tuple[str, bool, bool], ...] | None:
    plan = _PLANS.get(cls)
    if plan is None and is_dataclass(cls):
        plan = _PLANS[cls] = tuple((f.name, bool(f.metadata.get("omit")), bool(f.metadata.get("flat"))) for f in fields(cls))
    return plan


def as_json(value: Any) -> Any:
    """A document value as JSON-ready data, its keys in the schema's order. Dispatched on the exact type
    first: a report of 10,000 deployments holds half a million values, and `is_dataclass`/`Mapping` checks
    on each were a quarter of the run."""
    cls = type(value)
    if cls in _SCALARS:
        return value
    if cls is dict:
        return {k: as_json(v) for k, v in value.items()}
    if cls is list or cls is tuple:
        return [as_json(v) for v in value]
    plan = _plan(cls)
    if plan is not None:
        return _record(value, plan)
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    if isinstance(value, Mapping):
        return {k: as_json(v) for k, v in value.items()}
    return value


def _record(value: Any, plan: tuple[tuple[str, bool, bool], ...], deep: bool = True) -> Json:
    """A record's fields in the schema's order; `deep`: its values made JSON-ready too, else left as they are (to the
    encoder, which calls back for a nested record). A flat field's mapping is merged in as JSON-ready data."""
    out: Json = {}
    for name, omit, flat in plan:
        v = getattr(value, name)
        if omit and v is None:
            continue
        if flat:
            out.update(as_json(v))
        else:
            out[name] = as_json(v) if deep else v
    return out


def dumps(report: Report) -> str:
    """Compact: only then does json use its C encoder. The C encoder walks the lists, dicts and scalars itself and
    calls back only for a record (`_flat`): half a million values of a 10,000-deployment report were each visited in
    Python by `as_json` first, to be copied into a tree the encoder then walked again. Same text as `as_json`'s."""
    return _ENCODER.encode(report) + "\n"


def _flat(value: Any) -> Any:
    """One record as a dict of its fields, its values left to the encoder (which calls back for a nested record)."""
    plan = _plan(type(value))
    if plan is None:
        if isinstance(value, Mapping):
            return dict(value)
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
    return _record(value, plan, deep=False)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_flat)


def _of(cls: type[T], data: Mapping[str, Any], **nested: Any) -> T:
    names = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    kwargs: dict[str, Any] = {}
    for name, f in names.items():
        if f.metadata.get("flat"):
            kwargs[name] = {k: v for k, v in data.items() if k not in names}
        elif name in nested:
            kwargs[name] = nested[name]
        elif name in data:
            v = data[name]
            kwargs[name] = tuple(v) if isinstance(v, list) else v
    return cls(**kwargs)


def of_json(data: Mapping[str, Any]) -> Report:
    """A saved report as the typed document; KeyError, TypeError or AttributeError when it is not one."""
    cat = data.get("catalog") or {"profile": "all"}
    base = data.get("baseline")
    return _of(Report, data,
               summary=_of(Summary, data["summary"]),
               files=tuple(_of(FileEntry, f) for f in data.get("files") or []),
               deployments=tuple(_of(DeploymentEntry, d) for d in data.get("deployments") or []),
               findings=tuple(_of(FindingEntry, f) for f in data.get("findings") or []),
               rules=tuple(_of(Rule, r) for r in data.get("rules") or []),
               catalog=_of(Catalog, cat, items=tuple(_of(ItemEntry, i) for i in cat.get("items") or [])),
               baseline=_of(Baseline, base) if base is not None else None)
