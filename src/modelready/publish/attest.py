"""Attestation: `attest` items are task-list boxes in the sticky comment. A tick by someone with write
access is kept, with who and when; a tick by anyone else is reverted, and the comment says so. The
record lives in the comment itself, so every later run carries it forward."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ..report.document import Report

from ..report.marks import ATTEST_LINE as LINE, BY, attest_mark, attested_by

WRITE = {"admin", "maintain", "write"}


def state(body: str) -> dict[str, tuple[bool, str]]:
    """item id -> (ticked, the rest of its line)."""
    return {m.group("id"): (m.group(1) != " ", m.group("rest")) for m in LINE.finditer(body or "")}


def attested(body: str) -> dict[str, str]:
    """item id -> 'attested by @login on <time>' for every box ticked with a recorded attestation."""
    out = {}
    for item, (ticked, rest) in state(body).items():
        m = BY.search(rest)
        if ticked and m:
            out[item] = attested_by(m.group("login"), m.group("when"))
    return out


def apply(doc: Report, ticks: dict[str, str]) -> Report:
    """Carry attestations into a new report: an attested item that still awaits a person is passed,
    with who and when as its evidence."""
    items = tuple(replace(i, status="passed", evidence=(ticks[i.id],), why=ticks[i.id]) if i.id in ticks and i.status == "awaiting" else i
                  for i in doc.catalog.items)
    return replace(doc, catalog=replace(doc.catalog, items=items))


def reconcile(old: str, new: str, login: str, permission: str, now: str, attestable: set[str] | None = None) -> tuple[str, list[str], list[str]]:
    """The comment as it should read after `login` edited it from `old` to `new`; (body, accepted, reverted).
    `attestable`: the catalog's `attest` items; a box of any other item is never a person's to tick."""
    before = state(old)
    accepted, reverted = [], []

    def fix(m: re.Match[str]) -> str:
        item, ticked = m.group("id"), m.group(1) != " "
        was, old_rest = before.get(item, (False, m.group("rest")))
        if ticked == was:
            return f"- [{'x' if was else ' '}] {m.group('title')} {attest_mark(item)}{old_rest}"
        if permission not in WRITE or (attestable is not None and item not in attestable):
            reverted.append(item)
            note = f" <sub>{'tick' if ticked else 'untick'} by @{login} reverted: attesting needs write access</sub>"
            return f"- [{'x' if was else ' '}] {m.group('title')} {attest_mark(item)}{old_rest if was else note}"
        accepted.append(item)
        rest = f" <sub>{attested_by(login, now)}</sub>" if ticked else " <sub>awaiting a person</sub>"
        return f"- [{'x' if ticked else ' '}] {m.group('title')} {attest_mark(item)}{rest}"

    return LINE.sub(fix, new), accepted, reverted


def records(stored: dict[str, Any]) -> dict[str, str]:
    """Stored attestations ({item: {by, at}}) as the comment shows them: item -> 'attested by @login on <time>'."""
    return {k: f"attested by @{v['by']} on {v['at']}" for k, v in stored.items() if isinstance(v, dict) and v.get("by") and v.get("at")}


def settle(current: str, before: str, after: str, stored: dict[str, Any], login: str, allowed: str | None, now: str, files: str,
           attestable: set[str]) -> tuple[str, dict[str, Any], list[str], list[str]]:
    """Reconcile from stored state: `stored` ({item: {by, at, files}}) is what the bot recorded so far (in its own
    check runs, not in the comment); this event's own edit (`before` -> `after`) is `login`'s ticks and unticks;
    `allowed` is None when `login` may attest, else why not. The comment (`current`, as it reads now) is
    rendered from the result: a recorded item ticked with who and when, a refused tick reverted with why, a
    tick someone else made since (whose own event comes) left as it is. (body, stored, accepted, reverted)."""
    was, now_ = state(before), state(after)
    mine = {i for i, (t, _) in now_.items() if t and not was.get(i, (False, ""))[0]}
    undone = {i for i, (t, _) in now_.items() if not t and was.get(i, (False, ""))[0]}
    out, accepted, reverted = dict(stored), [], []
    for item in sorted(mine | undone):
        if allowed is not None or item not in attestable:
            reverted.append(item)
        elif item in mine:
            out[item] = {"by": login, "at": now, "files": files}
            accepted.append(item)
        else:
            out.pop(item, None)
            accepted.append(item)
    shown = records(out)

    def fix(m: re.Match[str]) -> str:
        item, ticked, rest = m.group("id"), m.group(1) != " ", BY.sub("", m.group("rest")).rstrip()
        head = f"{m.group('title')} <!-- modelready:attest:{item} -->"
        if item in shown:
            return f"- [x] {head} <sub>{shown[item]}</sub>"
        if item in reverted:
            why = allowed or "this item is not one a person attests"
            return f"- [ ] {head} <sub>tick by @{login} reverted: {why}</sub>"
        if ticked and item not in mine:
            return str(m.group(0))  # another person's tick: their own event records it
        return f"- [ ] {head}" + (f" {rest.strip()}" if rest.strip() and "reverted" not in rest else " <sub>awaiting a person</sub>")

    return LINE.sub(fix, current), out, accepted, reverted
