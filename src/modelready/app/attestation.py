"""issue_comment: someone edited a comment. Only an edit of the bot's own sticky comment (the one whose id its
check runs recorded), showing the PR's current head, by a person, counts: ticks on `attest` items by people
with write access (not the PR's author, unless configured) are stored by the bot (who and when), other
changes reverted, the headline and counts re-titled. The check run is the files' and is not touched (save
an approval of the suppressions a PR adds); `<check-name> / attestations` stores the attestations and, with
require-attestations, fails while items wait."""

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
    """Reconciled from stored state: what the bot recorded so far (in its check runs, app/ledger.py) plus this
    edit's own ticks by its sender, who needs write access and may not attest their own pull request (unless
    the base config allows it); the comment is rendered from the result, and `<check-name> / attestations`
    stores it. Approving the suppressions a PR adds re-concludes the gate's check as its run recorded."""
    from ..report.comment import retitle
    from . import gatefiles, ledger

    event_comment, number = r.event.get("comment") or {}, edited(r)
    if number is None:
        print("modelready: not an edit of a pull request comment: nothing to do")
        return 0
    publisher = publishing.publisher_of(r)
    name = inputs.check_name
    pr = publisher.pull(number)  # re-read: the payload is a claim
    head = pr.head.sha
    comment, entry = ledger.sticky(publisher, name, number, [head])
    ignored = not_an_attestation(r, comment, event_comment, head)
    if ignored:
        print(f"modelready: {ignored}: ignored")
        return 0
    login = (r.event.get("sender") or {}).get("login", "")
    permission = publisher.permission(login)
    allowed = refused(r, pr, login, permission)
    body, stored, full, accepted, reverted = settled(r, comment.body or "", event_comment, entry, login, allowed)
    boxes = {k: v for k, v in attest.state(body).items() if k != gatefiles.APPROVAL}
    body = retitle(body, {k: (k in full, rest) for k, (_t, rest) in boxes.items()})
    if body != comment.body:
        publisher.edit_comment(comment, body)
    lines = said(login, permission, accepted, reverted, allowed)
    entry = {**entry, "attested": stored}
    approve(publisher, name, number, head, entry, login)
    done = sum(1 for k in boxes if k in full)
    state = ledger.mark({"v": 1, "prs": {**ledger.merged(publisher, name, head)["prs"], str(number): entry}})
    tell(r, inputs, publisher, body, head, done, len(boxes), lines, state)
    return 0


def settled(r: Runner, current: str, event_comment: dict[str, Any], entry: dict[str, Any], login: str,
            allowed: str | None) -> tuple[str, dict[str, Any], dict[str, str], list[str], list[str]]:
    """This edit's ticks over the stored attestations, each covering the deployments the comment's run had in
    scope (app.coverage): (body, stored, those holding for every deployment, accepted, reverted)."""
    from ..catalog import load as load_catalog
    from . import gatefiles

    attestable = {i.id for i in load_catalog().items if i.mode == "attest"} | {gatefiles.APPROVAL}
    old = ((r.event.get("changes") or {}).get("body") or {}).get("from", "")
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    covers = entry.get("deployments") or {}
    body, stored, accepted, reverted = attest.settle(current, old, event_comment.get("body") or "", entry.get("attested") or {},
                                                     login, allowed, now, covers, attestable)
    return body, stored, attest.holding(stored, covers)[1], accepted, reverted


def edited(r: Runner) -> int | None:
    """The pull request whose comment this event edited, or None (not such an edit, or no token)."""
    event_comment, issue = r.event.get("comment") or {}, r.event.get("issue") or {}
    if r.event.get("action") != "edited" or not issue.get("pull_request") or not r.token or not event_comment.get("id"):
        return None
    return int(issue["number"])


def said(login: str, permission: str, accepted: list[str], reverted: list[str], allowed: str | None) -> list[str]:
    lines = [f"@{login} ({permission}) " + (f"changed {', '.join(accepted)}" if accepted else "changed no attestation")]
    if reverted:
        lines.append(f"reverted {', '.join(reverted)}: {allowed or 'not an item a person attests'}")
    return lines


def refused(r: Runner, pr: Any, login: str, permission: str) -> str | None:
    """Why `login` may not attest this pull request, or None."""
    from ..config import find_config, load_config

    config = load_config(find_config(r.workspace.resolve()))  # this workflow runs the default branch's checkout
    if permission not in attest.WRITE:
        return "attesting needs write access"
    if login == (pr.user.login if pr.user else "") and not config.self_attestation:
        return "the pull request's author cannot attest it (pull_requests.self_attestation: allow in the base config)"
    return None


def approve(publisher: Any, name: str, number: int, head: str, entry: dict[str, Any], login: str) -> None:
    """When this edit approved the suppressions the PR adds: the gate's check on the head, as its run recorded
    it would be once approved, and still the strictest over every open pull request whose head it is."""
    from . import gatefiles, ledger

    if gatefiles.APPROVAL not in entry["attested"] or not entry.get("pending") or (entry.get("approved") or {}).get("digest") == entry["pending"]:
        return
    own = entry.get("if_approved") or "success"
    # the entry this edit stores (here and in the attestations check written next) holds the approved verdict
    entry.update(approved={"digest": entry["pending"], "by": login}, conclusion=own)
    view = ledger.View.of(publisher, name, number, head)
    conclusion, others = view.combined(own)
    title = f"suppressions approved by @{login}" + (f"; strictest of {len(others) + 1} pull requests" if conclusion != own else "")
    summary = f"The suppressions pull request #{number} adds were approved by @{text(login)}; the files' verdict otherwise stands.\n"
    if others:
        summary += "\n**This commit is the head of other open pull requests too**; the check is the strictest verdict:\n" + "".join(
            f"- {line}\n" for line in others)
    check = Gate(publisher, name, head)
    check.start()
    kept = {k: v for k, v in entry.items() if k not in ("base", "conclusion", "comment")}
    check.finish(conclusion, title[:200], summary + view.record(own, entry.get("comment"), **kept))


def not_an_attestation(r: Runner, comment: Any, event_comment: dict[str, Any], head: str) -> str | None:
    """Why this edit is not one to reconcile (None when it is): not the comment this bot's check runs
    recorded, made by a bot, or about a rendering of an older head."""
    if comment is None or comment.id != event_comment.get("id"):
        return "the edited comment is not modelready's own checklist"
    sender = r.event.get("sender") or {}
    if sender.get("type") == "Bot" or str(sender.get("login", "")).endswith("[bot]"):
        return "edit by a bot"
    if Hidden.read(comment.body or "").head != head:
        return f"the comment does not show the pull request's head {head[:12]} (a newer run rewrites it)"
    return None


def attestations(publisher: Any, check_name: str, sha: str, done: int, total: int, require: bool, summary: str) -> str:
    """`<check-name> / attestations`: its own check run, so the findings' check keeps its annotations."""
    waiting = total - done
    title = f"{done} of {total} attested" + (f"; {waiting} required before merging" if require and waiting else "")
    check = Gate(publisher, f"{check_name} / attestations", sha)
    check.start()
    check.finish("failure" if require and waiting else "success", title, summary)
    return title


def tell(r: Runner, inputs: Inputs, publisher: Any, body: str, head: str, done: int, total: int, lines: list[str], state: str) -> None:
    """The log, job summary and outputs of an attestation, and `<check-name> / attestations` on the head
    (where the attestations are stored; failing while items wait, with require-attestations)."""
    require = bool(Hidden.read(body).state.get("require")) or inputs.require_attestations
    lines.append(attestations(publisher, inputs.check_name, head, done, total, require, "\n\n".join(text(line) for line in lines) + "\n" + state))
    print("modelready: " + "; ".join(lines) + "; the check run stays as the files decided")
    r.write_summary("\n\n".join(text(line) for line in lines))
    r.write_output(attested=done, attestations=total)
