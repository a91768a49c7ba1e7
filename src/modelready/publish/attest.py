"""Attestation: `attest` items are task-list boxes in the sticky comment. A tick by someone with write
access is kept, with who and when; a tick by anyone else is reverted, and the comment says so. The
record lives in the comment itself, so every later run carries it forward."""

from __future__ import annotations

from typing import Any

import re

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


def apply(doc: dict[str, Any], ticks: dict[str, str]) -> None:
    """Carry attestations into a new report: an attested item that still awaits a person is passed,
    with who and when as its evidence."""
    for item in doc["catalog"]["items"]:
        if item["id"] in ticks and item["status"] == "awaiting":
            item["status"], item["evidence"], item["why"] = "passed", [ticks[item["id"]]], ticks[item["id"]]


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
