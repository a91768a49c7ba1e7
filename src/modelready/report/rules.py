"""The checks as a user sees them: `modelready checks` (a table or JSON, as `kube-linter checks list`),
`modelready explain ID` (the check's document, as `ruff rule`), and `--statistics` (counts per check,
as Ruff's). Each takes plain values (the registry's checks, the report document), never a run."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable

from ..checks.runner import suppression

if TYPE_CHECKING:
    from ..checks import Check
    from .document import Report

DOC_URL = "https://github.com/modelready/modelready/blob/main/docs/checks.md#{}"


def _entry(c: Check[Any]) -> dict[str, Any]:
    return {"id": c.id, "severity": c.severity.name, "enabled": c.enabled, "scope": c.scope,
            "catalog_items": list(c.items), "summary": c.failed, "passed": c.passed, "url": DOC_URL.format(c.id)}


def checks_json(checks: Iterable[Check[Any]]) -> str:
    return json.dumps([_entry(c) for c in sorted(checks, key=lambda c: c.id)], indent=1, ensure_ascii=False) + "\n"


def checks_table(checks: Iterable[Check[Any]]) -> str:
    """One line a check: ID, default severity, catalog items, what a finding says. Off-by-default checks
    are marked, since `--select` or `checks.enable` is what turns them on."""
    rows = [(c.id + ("" if c.enabled else " (off)"), c.severity.name, ",".join(c.items), c.failed) for c in sorted(checks, key=lambda c: c.id)]
    head = ("ID", "SEVERITY", "CATALOG ITEMS", "FINDING")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(3)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r[:3], widths)) + "  " + r[3] for r in [head, *rows]]
    return "\n".join(line.rstrip() for line in lines) + f"\n{len(rows)} checks; `modelready explain ID` shows one\n"


def explain(c: Check[Any], titles: dict[str, str]) -> str:
    """The check's whole document: its declaration, then its docstring (What it does, Why it matters,
    Example, Instead, References)."""
    items = "; ".join(f"{i} ({titles[i]})" if i in titles else i for i in c.items)
    head = [c.id, "=" * len(c.id), "", f"Severity: {c.severity.name}" + ("" if c.enabled else " (off by default: --select it or list it in checks.enable)"),
            f"Catalog items: {items}", f"Passes: {c.passed}", f"Fails: {c.failed}", f"Suppress: {suppression(c.id)}",
            f"Docs: {DOC_URL.format(c.id)}", ""]
    return "\n".join(head) + "\n" + str(c.doc).strip() + "\n"


def statistics(doc: Report) -> list[dict[str, Any]]:
    """Unsuppressed findings counted per check, most first, as Ruff's `--statistics`."""
    counts: dict[str, dict[str, Any]] = {}
    for f in doc.active:
        row = counts.setdefault(f.check, {"check": f.check, "severity": f.severity, "count": 0, "files": set()})
        row["count"] += 1
        row["files"].add(f.file)
    summaries = {r.id: r.summary for r in doc.rules}
    rows = sorted(counts.values(), key=lambda r: (-r["count"], r["check"]))
    return [{"check": r["check"], "severity": r["severity"], "count": r["count"], "files": len(r["files"]),
             "summary": summaries.get(r["check"], "")} for r in rows]


def statistics_text(doc: Report) -> str:
    rows = statistics(doc)
    if not rows:
        return "no findings\n"
    cw = max(len(str(r["count"])) for r in rows)
    iw = max(len(r["check"]) for r in rows)
    lines = [f"{r['count']:>{cw}}  {r['severity']:<7}  {r['check']:<{iw}}  {r['summary']}".rstrip() for r in rows]
    return "\n".join(lines) + "\n"


def statistics_json(doc: Report) -> str:
    return json.dumps(statistics(doc), indent=1, ensure_ascii=False) + "\n"
