"""One failure costs one result: an exception while loading a file, normalizing an object or running a
check on a subject becomes an `internal-error` finding, and the run goes on and reports everything else.

The finding names the stage, the file and the check, and the exception's type and message: never a
traceback (a traceback can quote PR content into logs and says nothing a maintainer cannot rerun).
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from .findings import Finding, Loc, Severity

CHECK_ID = "internal-error"
# `modelready check` exits with this when any internal error was reported; the report is still written whole.
EXIT_INTERNAL = 3


def finding(stage: str, exc: BaseException, file: str = "", check: str = "", line: int = 0) -> Finding:
    where = f" on {file}" if file else ""
    by = f" in check {check}" if check else ""
    text = str(exc).splitlines()[0][:300] if str(exc) else ""
    message = f"internal error while {stage}{by}{where}: {type(exc).__name__}" + (f": {text}" if text else "") + \
        " (this input was not fully checked)"
    return Finding(CHECK_ID, Severity.error, message, Loc(file or "(run)", line), ("manifests-render",), subject=file or stage)


def record(result: Any, stage: str, exc: BaseException, file: str = "", check: str = "") -> None:
    """Add the finding to `result.findings` and its line to `result.errors` (which sets the exit code)."""
    f = finding(stage, exc, file, check)
    result.findings.append(f)
    result.errors.append(f.message)


class guard:
    """`with guard(res, "normalizing", file):` — an Exception inside is recorded, not raised.

    RecursionError and MemoryError are Exceptions too: one runaway input must not end the run. A class, not a
    generator's context manager: one is entered for every object and deployment of a run (a third of the cost).
    """

    __slots__ = ("result", "stage", "file", "check")

    def __init__(self, result: Any, stage: str, file: str = "", check: str = ""):
        self.result, self.stage, self.file, self.check = result, stage, file, check

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, _tb: TracebackType | None) -> bool:
        if kind is None or exc is None or not issubclass(kind, Exception):
            return False  # KeyboardInterrupt and SystemExit go on
        record(self.result, self.stage, exc, self.file, self.check)  # isolation is the point
        return True
