"""One finding per line, for CI logs and the tools that read them: GitHub workflow annotations, Ruff's
`concise` line, and reviewdog's Diagnostic Format (rdjson).

Suppressed findings are left out of all three, and so are the findings a baseline marks pre-existing:
a log, an annotation or a review comment is about what this change brings."""

from __future__ import annotations

import json
from typing import Any

from .document import FindingEntry, Report
from .inert import command, fold, visible

_ANNOTATION = {"error": "error", "warning": "warning", "info": "notice"}
_RDJSON = {"error": "ERROR", "warning": "WARNING", "info": "INFO"}


def listed(doc: Report) -> list[FindingEntry]:
    return [f for f in doc.active if f.baseline != "pre-existing"]


def _message(f: FindingEntry) -> str:
    return f.message + (f" (values: {f.values_key})" if f.values_key else "")


def github(doc: Report) -> str:
    """`::error file=…,line=…,title=…::message` (docs.github.com, "Workflow commands for GitHub Actions"): an
    annotation on the file's line in the pull request. Every value goes through `inert.command`'s escaping."""
    return "".join(command(_ANNOTATION[f.severity], _message(f), file=f.file, line=f.line or None,
                           title=f"modelready {f.check}") + "\n" for f in listed(doc))


def concise(doc: Report) -> str:
    """Ruff's concise output: `path:line: CHECK [severity] message`, one line each, then nothing else."""
    out = []
    for f in listed(doc):
        where = f"{f.file}:{f.line}" if f.line else f.file
        out.append(fold(f"{where}: {f.check} [{f.severity}] {_message(f)}") + "\n")
    return "".join(out)


def rdjson(doc: Report) -> str:
    """reviewdog's Diagnostic Format (`reviewdog -f=rdjson`): one DiagnosticResult with a Diagnostic each."""
    urls = {r.id: r.help_uri for r in doc.rules}
    diagnostics = []
    for f in listed(doc):
        location: dict[str, Any] = {"path": f.file}
        if f.line:
            location["range"] = {"start": {"line": f.line}}
        code = {"value": f.check, **({"url": urls[f.check]} if urls.get(f.check) else {})}
        # reviewdog posts the message as a review comment: nothing in it may steer a reader
        diagnostics.append({"message": visible(_message(f)), "location": location, "severity": _RDJSON[f.severity], "code": code})
    result = {"source": {"name": "modelready", "url": "https://github.com/modelready/modelready"}, "diagnostics": diagnostics}
    return json.dumps(result, ensure_ascii=False, separators=(",", ":")) + "\n"
