"""One failure costs one result: an exception while loading a file, normalizing an object or running a
check on a subject becomes an `internal-error` finding, and the run goes on and reports everything else.

The finding names the stage, the file and the check, and the exception's type and message: never a
traceback (a traceback can quote PR content into logs and says nothing a maintainer cannot rerun).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

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


@contextmanager
def guard(result: Any, stage: str, file: str = "", check: str = "") -> Iterator[None]:
    """`with guard(res, "normalizing", file):` — an Exception inside is recorded, not raised.

    RecursionError and MemoryError are Exceptions too: one runaway input must not end the run.
    """
    try:
        yield
    except Exception as e:  # noqa: BLE001 - isolation is the point
        record(result, stage, e, file, check)
