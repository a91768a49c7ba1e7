"""Attestation: `attest` items are task-list boxes in the sticky comment. A tick by someone with write
access is kept, with who and when; a tick by anyone else is reverted, and the comment says so. The
record lives in the comment itself, so every later run carries it forward."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ..report.document import ItemEntry, Report

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


def apply(doc: Report, ticks: dict[str, str], partial: dict[str, dict[str, Any]] | None = None) -> Report:
    """Carry attestations into a new report: an attested item that still awaits a person is passed,
    with who and when as its evidence; one attested for some of the deployments only still awaits, and
    says for which it holds (`partial`)."""
    partial = partial or {}

    def carried(i: ItemEntry) -> ItemEntry:
        if i.status != "awaiting":
            return i
        if i.id in ticks:
            return replace(i, status="passed", evidence=(ticks[i.id],), why=ticks[i.id])
        return replace(i, partial=partial[i.id]) if i.id in partial else i

    return replace(doc, catalog=replace(doc.catalog, items=tuple(carried(i) for i in doc.catalog.items)))


def holding(stored: dict[str, Any], subjects: dict[str, str]) -> tuple[dict[str, dict[str, Any]], dict[str, str], dict[str, dict[str, Any]]]:
    """The stored attestations ({item: {by, at, covers: {subject: digest}}}) against what the pull request's
    scope holds now (`subjects`: app.coverage): each kept for the subjects whose digest is unchanged, dropped
    where none is left. (kept, full: item -> 'attested by ...' where every subject is covered, partial:
    item -> {by, at, covers, missing}: the subjects it still covers and those awaiting a person)."""
    kept: dict[str, dict[str, Any]] = {}
    full: dict[str, str] = {}
    partial: dict[str, dict[str, Any]] = {}
    for item, rec in stored.items():
        if not (isinstance(rec, dict) and rec.get("by") and rec.get("at") and isinstance(rec.get("covers"), dict)):
            continue
        covers = {s: d for s, d in rec["covers"].items() if subjects.get(s) == d}
        if subjects and not covers:
            continue
        kept[item] = {**rec, "covers": covers}
        missing = sorted(set(subjects) - set(covers))
        if not missing:
            full[item] = attested_by(rec["by"], rec["at"])
        else:
            partial[item] = {"by": rec["by"], "at": rec["at"], "covers": sorted(covers), "missing": missing}
    return kept, full, partial


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


def settle(current: str, before: str, after: str, stored: dict[str, Any], login: str, allowed: str | None, now: str,
           covers: dict[str, str], attestable: set[str]) -> tuple[str, dict[str, Any], list[str], list[str]]:
    """Reconcile from stored state: `stored` ({item: {by, at, covers}}) is what the bot recorded so far (in its own
    check runs, not in the comment); this event's own edit (`before` -> `after`) is `login`'s ticks and unticks;
    `allowed` is None when `login` may attest, else why not; a tick attests every subject the comment's run
    had in scope (`covers`: app.coverage, each deployment named with its digest). The comment (`current`, as it reads now) is
    rendered from the result: a recorded item ticked with who and when, a refused tick reverted with why, any
    other unrecorded tick shown unticked (its run was dropped, or is still to come and records it). (body, stored, accepted, reverted)."""
    was, now_ = state(before), state(after)
    mine = {i for i, (t, _) in now_.items() if t and not was.get(i, (False, ""))[0]}
    undone = {i for i, (t, _) in now_.items() if not t and was.get(i, (False, ""))[0]}
    out, accepted, reverted = dict(stored), [], []
    for item in sorted(mine | undone):
        if allowed is not None or item not in attestable:
            reverted.append(item)
        elif item in mine:
            out[item] = {"by": login, "at": now, "covers": covers}
            accepted.append(item)
        else:
            out.pop(item, None)
            accepted.append(item)
    out, shown, _partial = holding(out, covers)

    def fix(m: re.Match[str]) -> str:
        item, ticked, rest = m.group("id"), m.group(1) != " ", BY.sub("", m.group("rest")).rstrip()
        head = f"{m.group('title')} <!-- modelready:attest:{item} -->"
        if item in shown:
            return f"- [x] {head} <sub>{shown[item]}</sub>"
        if item in reverted:
            why = allowed or "this item is not one a person attests"
            return f"- [ ] {head} <sub>tick by @{login} reverted: {why}</sub>"
        if ticked and item not in mine:
            # ticked, not recorded, and not this edit's: runs are one at a time per pull request, so its own run came
            # first and refused it, or GitHub's concurrency dropped it (a pending run is replaced by the next one).
            # Shown unticked: the box never reads as attested while the attestations check counts it not; an edit
            # whose run is still pending records its own tick when it runs.
            return f"- [ ] {head} <sub>tick not recorded (its run was replaced by a later edit's): tick it again</sub>"
        return f"- [ ] {head}" + (f" {rest.strip()}" if rest.strip() and "reverted" not in rest else " <sub>awaiting a person</sub>")

    return LINE.sub(fix, current), out, accepted, reverted
