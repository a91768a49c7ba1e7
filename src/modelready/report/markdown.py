"""Markdown checklist: grouped by section, ✅ / ❌ / ☐, collapsible quiet items, under GitHub's size limit."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from . import inert

from .marks import MARKER

GITHUB_LIMIT = 65536
BADGE = {"error": "🔴", "warning": "🟠", "info": "🔵"}


def template_dir() -> Path:
    packaged = Path(__file__).resolve().parents[1] / "templates"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[3] / "templates"


def render(doc: dict, link: Callable[[str, int], str | None] = lambda f, l: None, ticked: dict[str, str] | None = None, limit: int = GITHUB_LIMIT) -> str:
    """`ticked`: attested item id -> who attested it and when; those items show as ticked boxes."""
    import jinja2  # only the commands that render Markdown pay for it

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(template_dir()), autoescape=False, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters.update(text=inert.text, code=inert.code)  # everything from the files goes through one of these
    template = env.get_template("checklist.md.j2")
    sections: dict[str, list[dict]] = {}
    order = {"failed": 0, "awaiting": 1, "passed": 2}  # within a section, what needs a reviewer comes first
    for item in doc["catalog"]["items"]:
        sections.setdefault(item["section"], []).append(item)
    for items in sections.values():
        items.sort(key=lambda i: order.get(i["status"], 3))
    counts = {s: 0 for s in ("passed", "failed", "awaiting", "skipped", "not_applicable")}
    for item in doc["catalog"]["items"]:
        counts[item["status"]] += 1
    # A warning no shown item carries (a requested scanner that did not run: its items are skipped) goes on top.
    listed = {i for item in doc["catalog"]["items"] if item["status"] == "failed" for i in item["findings"]}
    loose = [f for i, f in enumerate(doc["findings"]) if i not in listed and not f["suppressed"] and f["check"] == "trivy/unavailable"]
    # Shrink in steps that never drop a failure: summarise passed items, then cap findings listed per item.
    # The last steps fold attestation boxes and quiet items into counts; failures always stay.
    for summarise, max_findings, compact in ((False, 50, False), (True, 50, False), (True, 10, False), (True, 3, False), (True, 1, True), (True, 0, True)):
        body = template.render(marker=MARKER, doc=doc, sections=list(sections.items()), counts=counts, link=link, badge=BADGE, loose=loose,
                               summarise_passed=summarise, max_findings=max_findings, compact=compact, ticked=ticked or {})
        if len(body) <= limit:
            return body
    return body[: limit - 200] + "\n\n… (truncated: the full report is in the job summary artifact)\n"
