"""The report on the wire: the one place the typed document (report/document.py) becomes JSON, and the one
place a saved JSON report is read back into it (a baseline file that is a report, a base's report)."""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from operator import attrgetter
from typing import Any, Mapping, TypeVar

from . import inert
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
    """Compact, the same text as `as_json`'s. The records and their tuples are written here from templates (each
    field's key encoded once, each string once however often it repeats: a message is in thousands of findings);
    what they hold that is data already (a deployment's engine, memory and cost) by the C encoder, which calls back
    for a record it meets (`_flat`). The C encoder over the whole report escaped every string each time it came:
    a third of its time on a 10,000-manifest report."""
    out: list[str] = []
    _Writer(out).value(report)
    out.append("\n")
    return "".join(out)


def redacted(report: Report) -> str:
    """`inert.redact(dumps(report))`, marked redacted (`redact` then gives it back as it is), found from the pieces the
    writer emits rather than over the whole text: 20,000 findings of 10,000 manifests hold 38,000 distinct strings
    and 2,600 distinct data values (1.4 MB), and the text is 15 MB (the whole-text search was 0.4 s of the run). When
    nothing of those pieces is to be masked the text is as it was written; else it is redacted whole, as before.

    Why nothing of the text is to be masked then. The text is pieces (each distinct string's JSON, each data value's
    JSON: `_Writer.strings` and `units`) and glue: the records' keys (field names, fixed), ints, null, brackets, commas.
    - A value learned (inert.KNOWN) holds no quote, so it stands inside one string or in JSON outside strings: in the
      glue or across a data value's edge, where only JSON's structural characters and field names stand, which
      `KNOWN.within` rules out; inside a string, it stands in the pieces too.
    - A rule starts at a trigger (or the `@` of a DSN). Ints, null and punctuation spell none; a record's key may
      (`files_skipped`), where `inert.inert_key` shows that no hit starts, whatever value follows. So a hit starts
      inside a piece. What it reads from there is that piece's text alone: every class
      and literal of every rule but one excludes `"`, so a match stops at the string's closing quote; a data value
      holds its strings whole and ends with } or ], which no rule crosses. The one is the secret-name rule: its
      `["']?\\s*[:=]\\s*["']?` reads past a key's closing quote into its value (`"token":"v`, deliberately). Keys stand
      in data values only (the records' are fixed and hold no trigger), read whole there; a string piece of the glue
      is a value, followed by `,`, `]` or `}` (in the joined pieces by a newline and the next piece's first character,
      never `:` or `=`), where that rule fails at once. The boundary check reads the character before a trigger,
      inside its piece (its opening quote at least); a DSN's user, colon, password and host are inside one string.
    So a hit of the whole text is a hit of its piece among the pieces joined by newlines (which no piece holds: JSON
    escapes them), and none there is none in the text. tests/test_reports.py compares both on hostile reports."""
    out: list[str] = []
    writer = _Writer(out, units={})
    writer.value(report)
    out.append("\n")
    text = "".join(out)
    pieces = "\n".join([*writer.strings.values(), *(writer.units or ())])
    if _KEYS_NOT_INERT or inert.KNOWN.within(_STRUCTURAL, "\0".join(_KEY_NAMES)) or not inert.nothing_to_mask(pieces):
        text = inert.redact(text)
    return inert.mark(text)


# the characters JSON writes outside strings (numbers, true, false, null, NaN, Infinity, punctuation)
_STRUCTURAL = frozenset("{}[],:0123456789+-.eE" + "truefalsnNaIiy")


class _Writer:
    def __init__(self, out: list[str], units: dict[str, None] | None = None) -> None:
        self.out = out
        self.strings: dict[str, str] = {}  # a string -> its JSON
        self.lists: dict[tuple[str, ...], str] = {}  # a tuple of strings -> its JSON (a finding's catalog items)
        self.units = units  # for `redacted`: the JSON of each data value written (by the C encoder), each once

    def value(self, v: Any) -> None:
        cls = type(v)
        if cls is str:
            self.out.append(self.string(v))
        elif cls is tuple or cls is list:
            self.items(v)
        elif cls in _TEMPLATES or (cls not in _DATA and _template(cls) is not None):
            self.record(v, _TEMPLATES[cls])
        else:
            self.data(v)

    def data(self, v: Any) -> None:
        if self.units is None:
            self.out.extend(_data(v))
        else:
            unit = "".join(_data(v))
            self.units[unit] = None
            self.out.append(unit)

    def string(self, s: str) -> str:
        done = self.strings.get(s)
        if done is None:
            done = self.strings[s] = _STRING(s)
        return done

    def items(self, values: Any) -> None:
        out, strings = self.out, self.strings
        if not values:
            out.append("[]")
            return
        out.append("[")
        for v in values:  # strings inline: a catalog item's evidence names thousands of subjects
            if type(v) is str:
                done = strings.get(v)
                out.append(done if done is not None else self.string(v))
            elif type(v) is int:  # an item's findings: indexes
                out.append(int.__repr__(v))
            else:
                self.value(v)
            out.append(",")
        out[-1] = "]"

    def strings_list(self, values: tuple[Any, ...]) -> str | None:
        """The JSON of a short tuple of strings, written once however many records hold it; None for any other."""
        try:
            done = self.lists.get(values)
        except TypeError:  # holds a dict (a seed)
            return None
        if done is None and all(type(v) is str for v in values):
            done = self.lists[values] = "[" + ",".join(map(self.string, values)) + "]"
        return done

    def record(self, value: Any, template: tuple[Any, ...]) -> None:
        get, keys, flat = template
        if flat and _holds(value, flat):  # a flat field's keys may stand in for fields: as _record does it
            self.data(_flat(value))
            return
        out, strings, first = self.out, self.strings, True
        for (omit, key), v in zip(keys, get(value)):
            if v is None:
                if not omit:
                    out += (key[first], "null")
                    first = False
                continue
            out.append(key[first])
            first = False
            cls = type(v)  # the scalars inline, not through value(): 400,000 fields of a 10,000-manifest report
            if cls is str:
                done = strings.get(v)
                out.append(done if done is not None else self.string(v))
            elif cls is int:
                out.append(int.__repr__(v))
            elif cls is tuple and len(v) < 8 and (listed := self.strings_list(v)) is not None:
                out.append(listed)
            else:
                self.value(v)
        out.append("{}" if first else "}")


def _holds(value: Any, flat: tuple[str, ...]) -> bool:
    return any(getattr(value, name) for name in flat)


def _flat(value: Any) -> Any:
    """One record as a dict of its fields, its values left to the encoder (which calls back for a nested record)."""
    plan = _plan(type(value))
    if plan is None:
        if isinstance(value, Mapping):
            return dict(value)
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
    return _record(value, plan, deep=False)


# check_circular off: the document is frozen values built from tuples, never circular, and the encoder kept an id
# per list, dict and record of it
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_flat, check_circular=False)
_STRING = json.encoder.encode_basestring  # what the encoder writes a str as, with ensure_ascii off (in C)
_C_ENCODER = getattr(json.encoder, "c_make_encoder", None)
if _C_ENCODER is not None:  # the C encoder made once (JSONEncoder.encode makes one per call): the chunks of one value
    _C = _C_ENCODER(None, _flat, _STRING, None, ":", ",", False, False, True)

    def _data(v: Any) -> Any:
        return _C(v, 0)
else:
    def _data(v: Any) -> Any:
        return [_ENCODER.encode(v)]
_DATA = frozenset({dict, int, float, bool, type(None)})
_KEY_NAMES: list[str] = []  # the records' field names written as keys (glue, for `redacted`)
_KEYS_NOT_INERT: list[str] = []  # those where a redaction rule could start a hit
# a record class -> (its fields' getter, (omit while None, (key after '{', key after ',')) per field, its flat fields)
_TEMPLATES: dict[type, tuple[Any, ...]] = {}


def _template(cls: type) -> tuple[Any, ...] | None:
    plan = _plan(cls)
    if plan is None:
        return None
    names = tuple(name for name, _o, flat in plan if not flat)
    if not names:
        return None
    keys = tuple((omit, ("," + _STRING(name) + ":", "{" + _STRING(name) + ":")) for name, omit, flat in plan if not flat)
    for name in names:
        _KEY_NAMES.append(name)
        if not inert.inert_key(name):  # no field is so named: were one, `redacted` would redact the whole text
            _KEYS_NOT_INERT.append(name)
    get = attrgetter(*names)
    template = _TEMPLATES[cls] = ((get if len(names) > 1 else lambda v: (get(v),)), keys, tuple(n for n, _o, flat in plan if flat))
    return template


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
