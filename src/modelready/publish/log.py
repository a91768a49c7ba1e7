"""What the Action's log says: the findings as text, new ones first, and `::error` / `::warning` workflow
commands for the new ones (they become annotations on the run). PR text never reaches the runner as a
command: the plain-text part runs between ::stop-commands:: markers, each of its lines is folded and
passes report.inert's stream guard, and every command value is escaped by report.inert.command."""

from __future__ import annotations

import secrets
import sys

from ..report import verdict
from ..report.document import Report
from ..report.inert import command, fold


def story(doc: Report) -> str:
    active = sorted(doc.active, key=lambda f: (not f.is_new, -f.rank, f.file, f.line))
    names = {d.id: d.name for d in doc.deployments}
    head = headline(doc)
    token = secrets.token_hex(16)
    lines = [fold(head), f"::stop-commands::{token}"]
    for f in active:
        where = f"{f.file}:{f.line}" if f.line else f.file
        tag = "new" if f.is_new else "pre-existing"
        who = names.get(f.subject, f.subject)
        lines.append(fold(f"  {tag:<12} {f.severity:<7} {f.check}  {where}  [{who}]"))
        lines.append("               " + fold(" ".join(str(f.message).split())))
    if not active:
        lines.append("  no findings")
    lines.append(f"::{token}::")
    for f in active:
        if not f.is_new or f.severity == "info":
            continue
        lines.append(command("error" if f.severity == "error" else "warning", f.message, file=f.file, line=f.line or None,
                             title=f"modelready {f.check}"))
    return "\n".join(lines)


def headline(doc: Report) -> str:
    b = doc.baseline
    v = verdict.of(doc)
    new, pre = v.new, sum(v.pre_existing.values())
    return (f"modelready: {v.result.upper()} (gate {v.gate}, fail on {v.fail_on}): "
            f"{new['error']} new error(s), {new['warning']} new warning(s), {pre} pre-existing"
            + (f", baseline {b.source}" if b is not None and b.available else f"; no baseline: {b.why}" if b is not None else ""))


def tell(doc: Report) -> None:
    """Print the story: its command lines through the stream guard's one door for modelready's own commands."""
    out = sys.stdout
    for line in story(doc).split("\n"):
        if line.startswith("::") and hasattr(out, "command"):
            out.command(line)
        else:
            print(line, file=out)
    out.flush()
