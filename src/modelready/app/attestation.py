"""issue_comment: someone edited a comment. Only an edit of the bot's own sticky comment, showing the PR's
current head, by someone else, counts: ticks on `attest` items by people with write access are recorded by
the bot (who and when), other changes reverted, the headline and counts re-titled. The check run is the
files' and is not touched; with require-attestations, `<check-name> / attestations` says what waits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..publish import attest
from ..publish.gate import Gate
from ..publish.runner import Runner
from ..report.inert import text
from ..report.marks import Hidden
from . import publishing
from .inputs import Inputs


def run(r: Runner, inputs: Inputs) -> int:
    from ..catalog import load as load_catalog
    from ..report.comment import retitle

    event_comment, issue = r.event.get("comment") or {}, r.event.get("issue") or {}
    if not _edit_of_a_pr_comment(r, event_comment, issue):
        print("modelready: not an edit of a pull request comment: nothing to do")
        return 0
    publisher = publishing.publisher_of(r)
    number = int(issue["number"])
    comment = publisher.get_comment(number, int(event_comment["id"]))  # re-read: the payload is a claim
    ignored = not_an_attestation(r, publisher, number, comment, event_comment)
    if ignored:
        print(f"modelready: {ignored}: ignored")
        return 0
    login = (r.event.get("sender") or {}).get("login", "")
    old = ((r.event.get("changes") or {}).get("body") or {}).get("from", "")
    attestable = {i.id for i in load_catalog().items if i.mode == "attest"}
    permission = publisher.permission(login)
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    body, accepted, reverted = attest.reconcile(old, comment.body, login, permission, now, attestable)
    boxes = attest.state(body)
    body = retitle(body, boxes)
    if body != comment.body:
        publisher.edit_comment(comment, body)
    lines = [f"@{login} ({permission}) " + (f"attested {', '.join(accepted)}" if accepted else "changed no attestation")]
    if reverted:
        lines.append(f"reverted {', '.join(reverted)}: attesting needs write access, on an attest item")
    tell(r, inputs, publisher, body, boxes, lines)
    return 0


def _edit_of_a_pr_comment(r: Runner, event_comment: dict[str, Any], issue: dict[str, Any]) -> bool:
    return r.event.get("action") == "edited" and bool(issue.get("pull_request")) and bool(r.token) and bool(event_comment.get("id"))


def not_an_attestation(r: Runner, publisher: Any, number: int, comment: Any, event_comment: dict[str, Any]) -> str | None:
    """Why this edit is not one to reconcile (None when it is): not the bot's sticky comment, made by a
    bot, about a rendering of an older head, or overtaken by a later edit."""
    current = publisher.find_comment(number, newest=True)  # the sticky one, or the latest under `new` behaviours
    if current is None or comment.id != current.id or comment.user.login != publisher.identity:
        return "the edited comment is not modelready's own checklist"
    sender = r.event.get("sender") or {}
    if sender.get("login") == publisher.identity or sender.get("type") == "Bot":
        return "edit by a bot"
    shown, head = Hidden.read(comment.body).head, publisher.head_sha(number)
    if shown != head:
        return f"the comment does not show the pull request's head {head[:12]} (a newer run rewrites it)"
    if comment.body != event_comment.get("body"):
        return "the comment changed again since this event: the later event decides"
    return None


def attestations(publisher: Any, check_name: str, sha: str, done: int, total: int, require: bool, summary: str) -> str:
    """`<check-name> / attestations`: its own check run, so the findings' check keeps its annotations."""
    waiting = total - done
    title = f"{done} of {total} attested" + (f"; {waiting} required before merging" if require and waiting else "")
    check = Gate(publisher, f"{check_name} / attestations", sha)
    check.start()
    check.finish("failure" if require and waiting else "success", title, summary)
    return title


def tell(r: Runner, inputs: Inputs, publisher: Any, body: str, boxes: dict[str, tuple[bool, str]], lines: list[str]) -> None:
    """The log, job summary and outputs of an attestation; with require-attestations, its own check."""
    done = sum(1 for ticked, _ in boxes.values() if ticked)
    hidden = Hidden.read(body)
    if bool(hidden.state.get("require")) or inputs.require_attestations:
        # on the head the comment shows (checked before reconciling)
        lines.append(attestations(publisher, inputs.check_name, hidden.head, done, len(boxes), True, "\n\n".join(text(line) for line in lines)))
    print("modelready: " + "; ".join(lines) + "; the check run stays as the files decided")
    r.write_summary("\n\n".join(text(line) for line in lines))
    r.write_output(attested=done, attestations=len(boxes))
