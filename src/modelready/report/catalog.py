"""`modelready catalog`: the readiness catalog itself (items, how each is decided, coverage) as a table, JSON or Markdown."""

from __future__ import annotations

import json
from typing import Any

FORMATS = ("table", "json", "markdown")


def render(fmt: str, profile: str, title: str, items: list[Any], coverage: dict[str, Any]) -> str:
    return {"json": _json, "markdown": _markdown}.get(fmt, _table)(profile, title, items, coverage)


def _json(profile: str, title: str, items: list[Any], coverage: dict[str, Any]) -> str:
    out = {"profile": profile, "coverage": coverage, "items": [
        {"id": i.id, "title": i.title, "section": i.section_title, "mode": i.mode, "checks": list(i.checks), "spec_fields": list(i.spec),
         "phase": i.phase, "owners": list(i.owners), "profiles": list(i.profiles),
         "seeds": [{"file": s["file"], "text": s["text"]} for s in i.seeds]} for i in items]}
    return json.dumps(out, indent=1, ensure_ascii=False) + "\n"


def _markdown(profile: str, title: str, items: list[Any], coverage: dict[str, Any]) -> str:
    lines = [f"# Readiness catalog: {title}", ""]
    section = None
    for i in items:
        if i.section_title != section:
            section = i.section_title
            lines += ["", f"## {section}", "", "| item | mode | decided by | seed items |", "|---|---|---|---|"]
        by = ", ".join(f"`{c}`" for c in i.checks) or ", ".join(f"`spec.{s}`" for s in i.spec) or i.mode
        seeds = "<br>".join(f"{s['ref']} {s['text'][:80]}" for s in i.seeds) or "(modelready)"
        lines.append(f"| **{i.id}** {i.title} | {i.mode} | {by} | {seeds} |")
    lines += ["", _coverage_line(coverage)]
    return "\n".join(lines) + "\n"


def _table(profile: str, title: str, items: list[Any], coverage: dict[str, Any]) -> str:
    width = max(len(i.id) for i in items)
    lines = []
    for i in items:
        by = ",".join(i.checks) or ",".join("spec." + s for s in i.spec) or "-"
        lines.append(f"{i.id:<{width}}  {i.mode:<6}  {len(i.seeds)} seed(s)  {by}")
    return "\n".join(lines + [_coverage_line(coverage)]) + "\n"


def _coverage_line(cov: dict[str, Any]) -> str:
    modes = ", ".join(f"{k} {v}" for k, v in cov["by_mode"].items())
    return f"{cov['items']} items ({modes}); {cov['decided_by_evidence']} decided by evidence = {cov['evidence_share']:.1%}"
