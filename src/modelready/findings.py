"""The neutral record every stage hands on: where something is, and what was found there."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class Severity(IntEnum):
    info = 1
    warning = 2
    error = 3

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().lower()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use info, warning or error)") from None


@dataclass(frozen=True, slots=True)
class Loc:
    """A place in the repository. `values_key` names the Helm value a rendered field came from."""

    file: str
    line: int = 0
    values_key: str | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(slots=True)
class Finding:
    check: str
    severity: Severity
    message: str
    loc: Loc
    items: tuple[str, ...] = ()
    subject: str = ""  # the deployment (kind/namespace/name) or file the finding is about
    rule_url: str | None = None
    suppressed: str | None = None  # reason, when an annotation or config silenced it
    span: tuple[int, int] | None = None  # first and last line, where a scanner reports a range

    def key(self) -> tuple[Any, ...]:
        return (self.check, self.loc.file, self.loc.line, self.subject, self.message)


@dataclass(slots=True)
class FileRecord:
    """Every input file is accounted for: checked with some loader, or skipped with a reason."""

    path: str
    kind: str
    status: str = "checked"  # checked | skipped | error
    reason: str = ""
    objects: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
