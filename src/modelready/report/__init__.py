"""Reporters: each renders the one report document (report/document.py's typed values) and knows nothing of checks.

`REPORTERS` is the one list of output formats: the CLI's `--format` choices and the extension that picks
a format for `--output` both come from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Mapping

if TYPE_CHECKING:
    from .document import Report


@dataclass(frozen=True)
class Output:
    """What a reporter may read: the report document, and the checks applied per subject (JUnit's passing cases)."""

    doc: Report
    applied: Mapping[str, list[str]] = field(default_factory=dict)
    color: bool = False


@dataclass(frozen=True)
class Reporter:
    name: str
    extension: str | None  # None: chosen by --format only (a log format, not a file one)
    render: Callable[[Output], str]
    commands: bool = False  # its lines are workflow commands modelready writes (StreamGuard.command)


def _json(out: Output) -> str:
    from . import wire

    return wire.redacted(out.doc)


def _sarif(out: Output) -> str:
    import json

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


def _lines(name: str) -> Callable[[Output], str]:
    def render(out: Output) -> str:
        from . import lines

        return getattr(lines, name)(out.doc)  # type: ignore[no-any-return]

    return render


REPORTERS = {r.name: r for r in (
    Reporter("text", ".txt", _text),
    Reporter("json", ".json", _json),
    Reporter("sarif", ".sarif", _sarif),
    Reporter("junit", ".xml", _junit),
    Reporter("markdown", ".md", _markdown),
    Reporter("github", None, _lines("github"), commands=True),
    Reporter("concise", None, _lines("concise")),
    Reporter("rdjson", ".rdjson", _lines("rdjson")),
)}


def by_extension(suffix: str) -> Reporter | None:
    return next((r for r in REPORTERS.values() if r.extension and r.extension == suffix.lower()), None)


def extensions() -> str:
    return ", ".join(r.extension for r in REPORTERS.values() if r.extension)
