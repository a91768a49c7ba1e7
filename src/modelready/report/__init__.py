"""Reporters: each renders the one report document (report/document.py) and knows nothing of checks.

`REPORTERS` is the one list of output formats: the CLI's `--format` choices and the extension that picks
a format for `--output` both come from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Output:
    """What a reporter may read: the report document, and the checks applied per subject (JUnit's passing cases)."""

    doc: dict[str, Any]
    applied: dict[str, list[str]] = field(default_factory=dict)
    color: bool = False


@dataclass(frozen=True)
class Reporter:
    name: str
    extension: str
    render: Callable[[Output], str]


def _json(out: Output) -> str:  # compact: only then does json use its C encoder
    return json.dumps(out.doc, ensure_ascii=False, separators=(",", ":")) + "\n"


def _sarif(out: Output) -> str:
    from . import sarif

    return json.dumps(sarif.render(out.doc), separators=(",", ":")) + "\n"


def _junit(out: Output) -> str:
    from . import junit

    return junit.render(out.doc, out.applied)


def _markdown(out: Output) -> str:
    from . import markdown

    return markdown.render(out.doc)


def _text(out: Output) -> str:
    from . import text

    return text.render(out.doc, color=out.color)


REPORTERS = {r.name: r for r in (
    Reporter("text", ".txt", _text),
    Reporter("json", ".json", _json),
    Reporter("sarif", ".sarif", _sarif),
    Reporter("junit", ".xml", _junit),
    Reporter("markdown", ".md", _markdown),
)}


def by_extension(suffix: str) -> Reporter | None:
    return next((r for r in REPORTERS.values() if r.extension == suffix.lower()), None)
