"""What the Action's log says: the findings as text, new ones first, and `::error` / `::warning` workflow
commands for the new ones (they become annotations on the run). PR text never reaches the runner as a
command: the plain-text part runs between ::stop-commands:: markers and every command value is escaped."""

from __future__ import annotations

import secrets

RANK = {"info": 1, "warning": 2, "error": 3}


def command_data(text: str) -> str:
    """A workflow command's message (stand-in: the gate-integrity work brings one escaping module)."""
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def command_property(text: str) -> str:
    return command_data(text).replace(":", "%3A").replace(",", "%2C")


def story(doc: dict) -> str:
    active = sorted((f for f in doc["findings"] if not f["suppressed"]),
                    key=lambda f: (f.get("baseline", "new") != "new", -RANK[f["severity"]], f["file"], f["line"]))
    names = {d["id"]: d["name"] for d in doc["deployments"]}
    b = doc.get("baseline") or {}
    s = doc["summary"]
    new = b.get("new") or s["findings"]
    pre = sum((b.get("pre_existing") or {}).values())
    head = (f"modelready: {s['result'].upper()} (gate {s.get('gate', 'touched')}, fail on {s['fail_on']}): "
            f"{new['error']} new error(s), {new['warning']} new warning(s), {pre} pre-existing"
            + (f", baseline {b['source']}" if b.get("available") else f"; no baseline: {b.get('why')}" if b else ""))
    token = secrets.token_hex(16)
    lines = [head, f"::stop-commands::{token}"]
    for f in active:
        where = f"{f['file']}:{f['line']}" if f["line"] else f["file"]
        tag = "new" if f.get("baseline", "new") == "new" else "pre-existing"
        who = names.get(f["subject"], f["subject"])
        lines.append(f"  {tag:<12} {f['severity']:<7} {f['check']}  {where}  [{who}]")
        lines.append("               " + " ".join(str(f["message"]).split()))
    if not active:
        lines.append("  no findings")
    lines.append(f"::{token}::")
    for f in active:
        if f.get("baseline", "new") != "new" or f["severity"] == "info":
            continue
        level = "error" if f["severity"] == "error" else "warning"
        props = [f"file={command_property(f['file'])}"] + ([f"line={f['line']}"] if f["line"] else []) + [f"title={command_property('modelready ' + f['check'])}"]
        lines.append(f"::{level} {','.join(props)}::{command_data(' '.join(str(f['message']).split()))}")
    return "\n".join(lines)
