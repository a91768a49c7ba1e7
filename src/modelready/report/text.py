"""Terminal output: findings grouped by what they are about, with file:line; colours on a TTY."""

from __future__ import annotations

from .inert import fold

COLORS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
RESET, BOLD, GREEN = "\033[0m", "\033[1m", "\033[32m"


def render(doc: dict, color: bool = False) -> str:
    c = (lambda code, s: f"{code}{s}{RESET}") if color else (lambda code, s: s)
    groups: dict[str, list[dict]] = {}
    for f in doc["findings"]:
        if not f["suppressed"]:
            groups.setdefault(f["subject"], []).append(f)
    lines = [line for subject in sorted(groups) for line in _group(subject, groups[subject], c)]
    # clean: nothing about the deployment, and nothing in its file (a ModelSpec's finding may point there)
    blamed = {f["file"] for f in doc["findings"] if not f["suppressed"]}
    clean = sorted(d["id"] for d in doc["deployments"] if d["serving"] and d["id"] not in groups and d["file"] not in blamed)
    for dep in clean:
        lines.append(f"{c(BOLD, fold(dep))}\n  {c(GREEN, 'ok')}      no findings")
    if clean:
        lines.append("")
    return "\n".join(lines + _summary(doc, c)) + "\n"


def _group(subject: str, findings: list[dict], c) -> list[str]:  # type: ignore[no-untyped-def]
    lines = [c(BOLD, fold(subject))]
    for f in sorted(findings, key=lambda f: (-_rank(f["severity"]), f["file"], f["line"])):
        where = fold(f"{f['file']}:{f['line']}" if f["line"] else f["file"])
        if f["values_key"]:
            where += f" (values: {fold(f['values_key'])})"
        lines.append(f"  {c(COLORS[f['severity']], f['severity']):<7} {fold(f['check'])}  {where}")
        lines.append(f"          {fold(f['message'])}")
    return lines + [""]


def _summary(doc: dict, c) -> list[str]:  # type: ignore[no-untyped-def]
    s, cat = doc["summary"], doc["catalog"]
    statuses: dict[str, int] = {}
    for item in cat["items"]:
        statuses[item["status"]] = statuses.get(item["status"], 0) + 1
    n = s["findings"]
    verdict = "FAIL" if s["result"] == "fail" else "PASS"
    return [f"{s['files']} files ({s['files_checked']} checked, {s['files_skipped']} skipped, {s['files_error']} unreadable), "
            f"{s['deployments']} deployments; {n['error']} errors, {n['warning']} warnings, {n['info']} info"
            + (f", {s['suppressed']} suppressed" if s["suppressed"] else ""),
            f"checklist {cat['profile']}: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in sorted(statuses.items())),
            c(COLORS["error"] if verdict == "FAIL" else GREEN, f"{verdict} (fail on {s['fail_on']})"),
            *(c(COLORS["error"], f"internal error: {fold(e)}") for e in doc["errors"])]


def _rank(sev: str) -> int:
    return {"info": 1, "warning": 2, "error": 3}[sev]
