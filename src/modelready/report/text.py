"""Terminal output: findings grouped by what they are about, with file:line; colours on a TTY.

Columns are padded before they are coloured (escape codes have no width), and messages wrap at word
boundaries to the terminal's width, indented under their finding."""

from __future__ import annotations

import textwrap

COLORS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
RESET, BOLD, GREEN = "\033[0m", "\033[1m", "\033[32m"
RANK = {"info": 1, "warning": 2, "error": 3}
INDENT = 10  # the message line sits under the check ID


def render(doc: dict, color: bool = False, width: int = 100, min_severity: str = "info", quiet: bool = False) -> str:
    """`min_severity`: findings below it are counted in the summary, not listed; `quiet`: the findings
    only, no summary, no clean deployments (as Ruff's --quiet)."""
    c = (lambda code, s: f"{code}{s}{RESET}") if color else (lambda code, s: s)
    lines = []
    groups: dict[str, list[dict]] = {}
    hidden = 0
    for f in doc["findings"]:
        if f["suppressed"]:
            continue
        if RANK[f["severity"]] < RANK[min_severity]:
            hidden += 1
            continue
        groups.setdefault(f["subject"], []).append(f)
    id_width = max((len(f["check"]) for fs in groups.values() for f in fs), default=0)
    wrap = textwrap.TextWrapper(width=max(width, INDENT + 30), initial_indent=" " * INDENT, subsequent_indent=" " * INDENT,
                                break_long_words=False, break_on_hyphens=False)
    for subject in sorted(groups):
        lines.append(c(BOLD, subject))
        for f in sorted(groups[subject], key=lambda f: (-RANK[f["severity"]], f["file"], f["line"])):
            where = f"{f['file']}:{f['line']}" if f["line"] else f["file"]
            if f["values_key"]:
                where += f" (values: {f['values_key']})"
            lines.append(f"  {c(COLORS[f['severity']], f['severity'].ljust(7))} {f['check'].ljust(id_width)}  {where}")
            lines += wrap.wrap(f["message"]) or [" " * INDENT]
        lines.append("")
    if quiet:
        return "\n".join(lines) + ("\n" if lines else "")
    # clean: nothing about the deployment, and nothing in its file (a ModelSpec's finding may point there)
    blamed = {f["file"] for f in doc["findings"] if not f["suppressed"]}
    clean = sorted(d["id"] for d in doc["deployments"] if d["serving"] and d["id"] not in groups and d["file"] not in blamed)
    for dep in clean:
        lines.append(f"{c(BOLD, dep)}\n  {c(GREEN, 'ok'.ljust(7))} no findings")
    if clean:
        lines.append("")
    lines += summary_lines(doc, c)
    if hidden:
        lines.append(f"({hidden} finding(s) below {min_severity} not listed)")
    return "\n".join(lines) + "\n"


def summary_lines(doc: dict, c=lambda code, s: s) -> list[str]:
    s = doc["summary"]
    cat = doc["catalog"]
    statuses: dict[str, int] = {}
    for item in cat["items"]:
        statuses[item["status"]] = statuses.get(item["status"], 0) + 1
    n = s["findings"]
    lines = [f"{s['files']} files ({s['files_checked']} checked, {s['files_skipped']} skipped, {s['files_error']} unreadable), "
             f"{s['deployments']} deployments; {n['error']} errors, {n['warning']} warnings, {n['info']} info"
             + (f", {s['suppressed']} suppressed" if s["suppressed"] else "")]
    lines.append(f"checklist {cat['profile']}: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in sorted(statuses.items())))
    lines.append(c(COLORS["error"] if s["result"] == "fail" else GREEN, verdict(doc)))
    for e in doc["errors"]:
        lines.append(c(COLORS["error"], f"internal error: {e}"))
    return lines


def verdict(doc: dict) -> str:
    s = doc["summary"]
    return f"{'FAIL' if s['result'] == 'fail' else 'PASS'} (fail on {s['fail_on']})"


def one_line(doc: dict) -> str:
    """What `-o FILE` says on stderr, so a run that writes files is not silent."""
    n = doc["summary"]["findings"]
    return f"{verdict(doc)}: {n['error']} errors, {n['warning']} warnings, {n['info']} info in {doc['summary']['files_checked']} files"
