"""What a pull request changes of the gate itself: the workflows (a pull request's own copy of a workflow is
the one that runs for it), the action's inputs, the config, and the suppression annotations it adds. Each
is a line at the top of the comment. A suppression the pull request adds does not pass silently: it is an
error of its own (`suppression-unapproved`) until someone with write access ticks the approval box, unless
the base branch's config allows a pull request's suppressions (`pull_requests: {suppressions: allow}`).
Every string from the pull request is inert."""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

from ..discover import read_text_inside
from ..report.document import FindingEntry, Report
from ..report.inert import code, text
from ..config import CONFIG_NAMES
from . import configs, git

WORKFLOWS = ".github/workflows/"
ACTION_FILES = ("action.yml", "action.yaml")
APPROVAL = "gate-suppressions"  # the box's id, beside the catalog's attest items
BOX = "- [ ] Approve the suppressions this pull request adds (write access) <!-- modelready:attest:" + APPROVAL + " -->"
CHECK = "suppression-unapproved"


def touches(root: Path, base: str, files: list[str]) -> bool:
    """The change touches the gate: a workflow that runs modelready (before or after), action.yml, the config."""
    return any(f in ACTION_FILES or f in CONFIG_NAMES or _is_gate_workflow(root, base, f) for f in files)


def _is_gate_workflow(root: Path, base: str, f: str) -> bool:
    if not (f.startswith(WORKFLOWS) and f.endswith((".yml", ".yaml"))):
        return False
    return any(doc is not None and _uses(doc) for doc in (_yaml(git.show(root, base, f) if base else None), _yaml(_read(root, f))))


def lines(root: Path, base: str, files: list[str]) -> list[str]:
    """One Markdown line per change to the workflows or the action's metadata."""
    out: list[str] = []
    for f in sorted(set(files)):
        if _is_gate_workflow(root, base, f):
            out += _workflow(f, _yaml(git.show(root, base, f) if base else None), _yaml(_read(root, f)))
        elif f in ACTION_FILES:
            out += _action(f, _yaml(git.show(root, base, f) if base else None), _yaml(_read(root, f)))
    return out


def _read(root: Path, file: str) -> str | None:
    """The pull request's copy of `file`; None where it has none. Through read_inside: the pull request's
    `action.yml` may be a link to any file of the runner (read whole, then shown in the comment by its inputs)."""
    path = root / file
    if not os.path.lexists(path):
        return None
    try:
        return read_text_inside(path, root, 1 << 20)
    except (OSError, UnicodeDecodeError):  # a link out of the repository, a device, over 1 MiB: there, but nothing of it is read
        return ""


def _yaml(raw: str | None) -> dict[Any, Any] | None:
    if raw is None:
        return None
    from ..load.yamlsrc import YamlError, load_one

    try:
        doc = load_one(raw)
    except (YamlError, ValueError, RecursionError):
        return {}
    if isinstance(doc, dict) and True in doc:  # YAML 1.1 reads the key `on` as true
        doc["on"] = doc.pop(True)
    return doc if isinstance(doc, dict) else {}


def _workflow(name: str, before: dict[Any, Any] | None, after: dict[Any, Any] | None) -> list[str]:
    where = code(name)
    if after is None:
        return [f"- {where} is removed"]
    if before is None:
        return [f"- {where} is a new workflow: it runs with this repository's token"]
    out = []
    if before.get("on") != after.get("on"):
        out.append(f"- {where} changes when it runs (`on`)")
    old, new = _steps(before), _steps(after)
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            was = f"was {code(str(old[key]))}" if key in old else "was unset"
            out.append(f"- {where} sets the modelready input {code(key)} to {code(str(new.get(key, '')))} ({was})"
                       if key in new else f"- {where} drops the modelready input {code(key)} ({was})")
    if _uses(before) and not _uses(after):
        out.append(f"- {where} no longer runs modelready")
    return out or [f"- {where} changes (a workflow runs with this repository's token: review it)"]


def _uses(doc: dict[Any, Any]) -> bool:
    return any(True for _ in _modelready_steps(doc))


def _modelready_steps(doc: dict[Any, Any]) -> Iterator[dict[Any, Any]]:
    for job in (doc.get("jobs") or {}).values():
        for step in (job or {}).get("steps") or [] if isinstance(job, dict) else []:
            uses = str((step or {}).get("uses", "")) if isinstance(step, dict) else ""
            if uses == "./" or "modelready" in uses.lower():
                yield step


def _steps(doc: dict[Any, Any]) -> dict[str, object]:
    out: dict[str, object] = {}
    for step in _modelready_steps(doc):
        w = step.get("with") or {}
        if isinstance(w, dict):
            out.update({str(k): v for k, v in w.items()})
    return out


def _action(name: str, before: dict[Any, Any] | None, after: dict[Any, Any] | None) -> list[str]:
    where = code(name)
    if before is None or after is None:
        return [f"- {where} is {'added' if before is None else 'removed'}"]
    out = []
    old, new = before.get("inputs") or {}, after.get("inputs") or {}
    for key in sorted(set(old) | set(new)):
        a, b = (old.get(key) or {}), (new.get(key) or {})
        if isinstance(a, dict) and isinstance(b, dict) and a.get("default") != b.get("default"):
            out.append(f"- {where} changes the default of input {code(str(key))} to {code(str(b.get('default', '')))}"
                       f" (was {code(str(a.get('default', '')))})")
    if before.get("runs") != after.get("runs"):
        out.append(f"- {where} changes what the action runs")
    return out or [f"- {where} changes"]


def added_suppressions(doc: Report, base_doc: Report | None) -> list[FindingEntry]:
    """The head's suppressed findings that the base did not suppress (all of them without a base)."""
    from collections import Counter

    left = Counter(f.fingerprint for f in (base_doc.findings if base_doc is not None else ()) if f.suppressed)
    out = []
    for f in doc.findings:
        if f.suppressed:
            if left[f.fingerprint] > 0:
                left[f.fingerprint] -= 1
            else:
                out.append(f)
    return out


def digest(found: list[FindingEntry]) -> str:
    return hashlib.sha256("\0".join(sorted(f.fingerprint or "" for f in found)).encode()).hexdigest()[:24]


def block(doc: Report, found: list[FindingEntry]) -> Report:
    """Each suppression awaiting approval is a new error where the suppressed finding is."""
    if not found:
        return doc
    blocking = tuple(FindingEntry(
        CHECK, "error", f"this pull request suppresses {f.check} on {f.subject} ({f.suppressed}): "
                        "it applies once someone with write access approves it in the modelready comment",
        f.file, f.line, f.values_key, f.subject, fingerprint="unapproved-" + (f.fingerprint or ""), baseline="new")
        for f in reversed(found))  # each put first, as they were one by one
    return replace(doc, findings=blocking + doc.findings).recounted()


def section(gate_lines: list[str], pending: list[FindingEntry], approved_by: str | None) -> str:
    """The top of the comment: every change to the gate, and the approval box for added suppressions."""
    if not gate_lines and not pending and not approved_by:
        return ""
    out = ["", "### ⚠️ This pull request changes the gate itself", ""]
    out += gate_lines
    if pending:
        out += [f"- it adds {len(pending)} suppression(s), each an error until approved:"]
        out += [f"  - {code(f.check)} on {text(f.subject)}: {text(str(f.suppressed))}" for f in pending]
        out += ["", BOX]
    elif approved_by:
        out += [f"- the suppressions it adds were approved by @{text(approved_by)}"]
    return "\n".join(out) + "\n"


def review(root: Path, base: str, files: list[str], doc: Report, base_doc: Report | None, base_config, head_config, view, mode: str):  # type: ignore[no-untyped-def]
    """The changes to the gate and the suppressions awaiting approval (blocked in the report); (top section, record,
    the report)."""
    from ..report import verdict

    found = lines(root, base, files)
    if head_config is not None:
        found += configs._config_lines(base_config, head_config)
    added = added_suppressions(doc, base_doc) if base_doc is not None else [f for f in doc.findings if f.suppressed and f.file in files]
    record: dict[str, Any] = {}
    pending: list[FindingEntry] = []
    approved_by = None
    if added and not base_config.pr_suppressions:
        key = digest(added)
        approval = (view.entry.get("approved") or {}) if view is not None else {}
        if approval.get("digest") == key:
            approved_by = approval.get("by")
            record["approved"] = approval
        else:
            pending = added
            record["if_approved"] = "failure" if verdict.of(doc).fails else "success"
            doc = verdict.decide(block(doc, pending), mode)
        record["pending"] = key
    return section(found, pending, approved_by), record, doc
