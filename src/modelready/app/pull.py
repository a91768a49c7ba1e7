"""A pull request's verdict and how it is published: the baseline against its base commit, the
comment (and its behaviours), the check run with annotations on the changed lines, the attestations
check. Used by action.py for pull_request, merge_group, workflow_run (forks) and the smoke report. The
check run's life is publish.gate's: created in progress first, completed here; the comment is best effort."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..publish import attest
from ..publish.gate import Gate, cause
from ..publish.runner import Runner
from ..report.markdown import MARKER
from . import baseline

COMMENT_BEHAVIOURS = ("update", "hide-and-new", "new", "off")
ANNOTATIONS = ("changed", "all", "off")


@dataclass
class Options:
    gate: str
    comment: str
    annotations: str

    @classmethod
    def of(cls, r: Runner) -> "Options":
        """The inputs, checked before anything runs: a bad one is a clear error (exit 2)."""
        gate = r.input("gate", "new")
        if gate not in baseline.GATES:
            raise ValueError(f"input gate takes {', '.join(baseline.GATES)}, not {gate!r}")
        raw = r.input("comment", "update").strip().lower()
        comment = {"true": "update", "false": "off"}.get(raw, raw)
        if comment not in COMMENT_BEHAVIOURS:
            raise ValueError(f"input comment takes {', '.join(COMMENT_BEHAVIOURS)}, not {raw!r}")
        where = r.input("annotations", "changed")
        if where not in ANNOTATIONS:
            raise ValueError(f"input annotations takes changed, all or off, not {where!r}")
        return cls(gate, comment, where)


def flag(r: Runner, name: str, default: str = "false") -> bool:
    return r.input(name, default).strip().lower() in ("true", "yes", "1", "on")


def compare(r: Runner, root: Path, doc: dict, base_sha: str, check_tree, touched: bool) -> None:
    """Findings of the base commit, checked the same way in a temporary worktree, mark each of the head's
    findings new or pre-existing. Without the base commit every finding counts as new, and says why."""
    spec = r.input("baseline")
    try:
        if spec and (root / spec).is_file():
            baseline.compare(doc, baseline.read(root / spec), spec)
        elif not touched:
            baseline.unavailable(doc, "no deployment file touched")
        elif base_sha:
            baseline.compare(doc, baseline.at_ref(root, base_sha, check_tree), base_sha[:12])
        else:
            baseline.unavailable(doc, "the event names no base commit")
    except baseline.BaselineError as e:
        print(f"modelready: no baseline: {e}", flush=True)
        baseline.unavailable(doc, str(e))


def annotated_lines(r: Runner, root: Path, base_sha: str, publisher, number: int | None, where: str) -> dict[str, set[int]] | None:  # type: ignore[no-untyped-def]
    """Where annotations may go: the lines the change touched (`changed`), nowhere (`off`), anywhere (`all`: None)."""
    if where == "all":
        return None
    return changed_lines(r, root, base_sha, publisher, number) if where == "changed" else {}


def changed_lines(r: Runner, root: Path, base_sha: str, publisher, number: int | None) -> dict[str, set[int]] | None:  # type: ignore[no-untyped-def]
    """Lines the PR added or changed: from git when the clone has both commits, else from the API's patches;
    None (every line) when neither can say."""
    both = base_sha and baseline.is_ref(root, base_sha) and baseline.is_ref(root, r.sha)
    lines = baseline.changed_lines(root, base_sha, r.sha) if both else None
    if lines is not None:
        return lines
    if publisher is None or number is None:
        return None
    if publisher.patches is None:
        try:
            publisher.changed_files(number)
        except Exception:  # noqa: BLE001 - annotations are decoration: every line then
            return None
    lines = {}
    for name, patch in (publisher.patches or {}).items():
        lines.update(baseline.parse_patch(patch or "", name))
    return lines


def comment(r: Runner, doc: dict, existing, limit: int | None = None, notes: str = "", ticks: dict[str, str] | None = None,  # type: ignore[no-untyped-def]
            top: str = "") -> str:
    """The sticky comment for `doc`. `ticks`: the attestations stored for this pull request that still hold
    (app.ledger; never read from a comment, which anyone with write access can edit), kept with who and when."""
    from ..report import comment as builder

    ticks = ticks or {}
    attest.apply(doc, ticks)
    return builder.build(doc, linker(r), summary_url=run_url(r), ticked=ticks, require_attestations=flag(r, "require-attestations"),
                         limit=limit or builder.COMMENT_LIMIT, notes=notes, head_sha=r.sha, top=top)


def summary(r: Runner, doc: dict, existing, notes: str = "", ticks: dict[str, str] | None = None, top: str = "") -> str:  # type: ignore[no-untyped-def]
    """The job summary: the same story with every finding listed, within its own 1 MiB."""
    from ..report import comment as builder

    return builder.build(doc, linker(r), summary_url=None, ticked=ticks or {}, require_attestations=flag(r, "require-attestations"),
                         limit=builder.SUMMARY_LIMIT - 1024, full=True, notes=notes, top=top)


def run_url(r: Runner) -> str | None:
    return f"{r.server_url}/{r.repository}/actions/runs/{r.run_id}" if r.run_id and r.repository else None


def linker(r: Runner):  # type: ignore[no-untyped-def]
    """Links to file lines at the PR's head commit."""
    if not (r.repository and r.sha):
        return lambda path, line: None
    from urllib.parse import quote

    base = f"{r.server_url}/{r.repository}/blob/{r.sha}/"
    # the path is the PR's: percent-encoded, so no character of it can end the link or start another
    return lambda path, line: base + quote(path, safe="/") + (f"#L{line}" if line else "")


NO_LONGER = MARKER + "\nmodelready: this pull request no longer touches deployment files; nothing to check.\n"


def publish(publisher, gate: Gate, r: Runner, number: int | None, doc: dict, body: str, touched: bool, existing=None,  # type: ignore[no-untyped-def]
            behaviour: str = "update", lines: dict[str, set[int]] | None = None, view=None, record: dict | None = None) -> None:
    """The comment (a PR's, best effort), then the check run completed (annotations on `lines`, the lines
    the PR changed; None: every finding's line) and, with require-attestations, the attestations check.
    `view` (app.ledger.View): the pull request read again; when this commit is no longer its head, only
    this commit's own check run is written."""
    if view is not None and not view.current:
        gate.say(f"pull request #{number}'s head is now {view.head[:12]}, not {r.sha[:12]}: only this commit's check run is written")
        conclude(gate, r, doc, body, touched, existing, lines)
        return
    written = existing
    if publisher is not None and number is not None and behaviour != "off" and view is not None:
        try:
            if touched:
                written = publisher.post_comment(number, body, existing, behaviour, skip_unchanged=flag(r, "skip-if-unchanged", "true"))
            elif existing is not None:  # it touched deployment files before: its verdict is stale
                written = publisher.upsert_comment(number, NO_LONGER, existing)
        except Exception as e:  # noqa: BLE001 - the comment is best effort; the check is not
            best_effort(gate, e, "the comment was not written")
    conclude(gate, r, doc, body, touched, existing, lines, view, getattr(written, "id", None), record)
    if touched and publisher is not None and number is not None and flag(r, "require-attestations"):
        from ..report.comment import state_of

        st = state_of(doc, True)
        attestations(publisher, r, st["attested"], st["attest"], True, "Tick the boxes in the pull request's modelready comment (people with write access).")


def conclude(gate: Gate, r: Runner, doc: dict, body: str, touched: bool, existing=None, lines: dict[str, set[int]] | None = None,  # type: ignore[no-untyped-def]
             view=None, comment_id: int | None = None, record: dict | None = None) -> None:
    """The check run on this commit. With `view`, its conclusion is the strictest over every open pull
    request whose head this commit is, and it records this one's verdict and comment (app.ledger)."""
    from ..publish.github import annotations

    if not touched:
        own, title, text, notes = "neutral", "No deployment files changed", "This change touches no file modelready checks.", []
    else:
        own, title = ("failure" if doc["summary"]["result"] == "fail" else "success"), _title(doc)
        text = unticked(body if len(body) < 60000 else comment(r, doc, existing, limit=55000))
        notes = annotations(doc["findings"], lines=lines, notices=flag(r, "annotation-notices"))
    conclusion = own
    if view is not None:
        conclusion, others = view.combined(own)
        if others:
            title = (title + f"; strictest of {len(others) + 1} pull requests" if conclusion != own else title)[:200]
            text += "\n\n**This commit is the head of other open pull requests too**; the check is the strictest verdict:\n" + "\n".join(
                f"- {line}" for line in others)
        text += "\n" + view.record(own, comment_id, **(record or {}))
    gate.finish(conclusion, title, text, notes or None)


def unticked(body: str) -> str:
    """The comment as a check run's summary: boxes there cannot be ticked, so they are plain marks."""
    import re

    return re.sub(r"^(\s*)- \[([ xX])\] ", lambda m: f"{m.group(1)}- {'☑' if m.group(2) != ' ' else '☐'} ", body, flags=re.M)


def attestations(publisher, r: Runner, done: int, total: int, require: bool, summary: str) -> str:  # type: ignore[no-untyped-def]
    """`<check-name> / attestations`: its own check run, so the findings' check keeps its annotations."""
    waiting = total - done
    title = f"{done} of {total} attested" + (f"; {waiting} required before merging" if require and waiting else "")
    check = Gate(publisher, f"{r.input('check-name', 'modelready')} / attestations", r.sha)
    check.start()
    check.finish("failure" if require and waiting else "success", title, summary)
    return title


def tell_attestations(r: Runner, publisher, body: str, done: int, total: int, lines: list[str], state: str) -> None:  # type: ignore[no-untyped-def]
    """The log, job summary and outputs of an attestation, and `<check-name> / attestations` on the head
    (where the attestations are stored; failing while items wait, with require-attestations)."""
    from ..report.comment import state as comment_state
    from ..report.inert import text

    require = bool((comment_state(body) or {}).get("require")) or flag(r, "require-attestations")
    lines.append(attestations(publisher, r, done, total, require, "\n\n".join(text(line) for line in lines) + "\n" + state))
    print("modelready: " + "; ".join(lines) + "; the check run stays as the files decided")
    r.write_summary("\n\n".join(text(line) for line in lines))
    r.write_output(attested=done, attestations=total)


def best_effort(gate: Gate, e: Exception, what: str) -> None:
    from ..publish.github import RateLimited

    if isinstance(e, RateLimited):  # waiting longer is not an option: the check says so
        raise e
    gate.say(f"{what}: {cause(e)}")


def _title(doc: dict) -> str:
    s, b = doc["summary"], doc.get("baseline") or {}
    new = b.get("new") or s["findings"]
    pre = f"; {sum(b['pre_existing'].values())} pre-existing" if b.get("available") else ""
    return f"{new['error']} new error(s), {new['warning']} new warning(s){pre} in {s['deployments']} deployment(s)"
