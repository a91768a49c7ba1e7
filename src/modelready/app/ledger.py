"""What the gate records in its own check runs and reads back: per pull request whose head a commit is,
the verdict against which base, and the id of its sticky comment. A marker anyone can type into a comment
proves nothing; a check run `<check-name>` is written only by this workflow's token, so the comment whose id
it recorded is the bot's own (App tokens included: no login is guessed), and one check run can carry the
strictest verdict over every open pull request of its commit.

Before each write the pull request is read again (`View.of`): a run for a commit that is no longer the
head writes its own check run on its own commit and nothing else."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

MARK = "<!-- modelready:gate {} -->"
_RE = re.compile(r"<!-- modelready:gate (\{[^\n]*?\}) -->")
ORDER = {"failure": 3, "success": 2, "neutral": 1}  # strictest first
MAX_COMMITS = 100  # a pull request's commits searched for its earlier check runs


def read(summary: str) -> dict[str, Any] | None:
    m = _RE.search(summary or "")
    if m is None:
        return None
    try:
        state = json.loads(m.group(1))
    except ValueError:
        return None
    return state if isinstance(state, dict) else None


def mark(state: dict[str, Any]) -> str:
    return MARK.format(json.dumps(state, separators=(",", ":"), sort_keys=True).replace("-->", "--\\u003e"))


def strictest(conclusions) -> str:  # type: ignore[no-untyped-def]
    return max(conclusions, key=lambda c: ORDER.get(c, 0), default="neutral")


@dataclass
class View:
    """A pull request as GitHub has it now, and what this gate recorded about its head commit."""

    number: int
    sha: str  # the commit this run judged
    head: str  # the pull request's head now
    base: str  # its base commit now
    author: str
    recorded: dict[str, Any] = field(default_factory=dict)  # the merged state on `sha`: {"prs": {number: {...}}}
    others: list[Any] = field(default_factory=list)  # (number, base ref, base sha) of the other open PRs of `sha`
    comment: object | None = None
    entry: dict[str, Any] = field(default_factory=dict)  # this PR's newest entry: its comment, attestations, approvals

    @property
    def current(self) -> bool:
        return self.head == self.sha

    @classmethod
    def of(cls, publisher, name: str, number: int, sha: str, before: str = "") -> "View":  # type: ignore[no-untyped-def]
        pull = publisher.pull(number)
        view = cls(number, sha, pull.head.sha, pull.base.sha, (pull.user.login if pull.user else "") or "")
        view.recorded = merged(publisher, name, sha)
        if view.current:
            view.others = [(p.number, p.base.ref, p.base.sha) for p in publisher.open_pulls(sha, pull.head.label) if p.number != number]
            view.comment, view.entry = sticky(publisher, name, number, [sha, before])
        return view

    def attestations(self, subjects: dict | None = None) -> tuple[dict, dict, dict, list[str]]:  # type: ignore[type-arg]
        """The attestations recorded for this PR against `subjects` (app.coverage; None: those its last run
        recorded): (kept, full, partial as publish.attest.holding says, the items dropped entirely)."""
        from ..publish.attest import holding

        stored = self.entry.get("attested") or {}
        kept, full, partial = holding(stored, self.entry.get("deployments") or {} if subjects is None else subjects)
        return kept, full, partial, sorted(set(stored) - set(kept))

    def combined(self, own: str) -> tuple[str, list[str]]:
        """The conclusion over every open pull request whose head this commit is, and a line per other one
        (Markdown: the branch name is inert)."""
        from ..report.inert import text

        prs = self.recorded.get("prs", {})
        conclusions, lines = [own], []
        for number, ref, base in self.others:
            seen = prs.get(str(number)) or {}
            if seen.get("base") == base and seen.get("conclusion") in ORDER:
                conclusions.append(seen["conclusion"])
                lines.append(f"pull request #{number} into {text(ref)}: {seen['conclusion']}")
            else:
                lines.append(f"pull request #{number} into {text(ref)}: not judged against its base {base[:12]} yet (its own run does)")
        return strictest(conclusions), lines

    def record(self, own: str, comment_id: int | None, **extra) -> str:  # type: ignore[no-untyped-def]
        prs = dict(self.recorded.get("prs", {}))
        entry = {"base": self.base, "conclusion": own, **{k: v for k, v in extra.items() if v is not None}}
        if comment_id is not None:
            entry["comment"] = comment_id
        elif (prs.get(str(self.number)) or {}).get("comment"):
            entry["comment"] = prs[str(self.number)]["comment"]
        prs[str(self.number)] = entry
        return mark({"v": 1, "prs": prs})


def names(name: str) -> list[str]:
    """The check runs this gate writes state into: its own, and `<name> / attestations` (the attestation handler's)."""
    return [name, f"{name} / attestations"]


def merged(publisher: Any, name: str, sha: str) -> dict[str, Any]:
    """Every pull request's newest entry among the check runs `name` and `name / attestations` on `sha`."""
    prs: dict[str, Any] = {}
    runs = sorted((run for n in names(name) for run in publisher.check_summaries(sha, n)), reverse=True)
    for _id, summary in runs:
        for number, entry in ((read(summary) or {}).get("prs") or {}).items():
            if isinstance(entry, dict):
                prs.setdefault(number, entry)
    return {"prs": prs}


def sticky(publisher, name: str, number: int, shas: list[str]):  # type: ignore[no-untyped-def]
    """The comment this gate recorded for pull request `number`: on this commit, the one before it, then the
    pull request's commits, newest first; with the entry that recorded it. None: not one (a new one is written)."""
    seen: set[str] = set()

    def candidates() -> Iterator[str]:
        yield from shas
        yield from publisher.commits(number, MAX_COMMITS)

    for sha in candidates():
        if not sha or sha in seen or len(seen) > MAX_COMMITS:
            continue
        seen.add(sha)
        entry = merged(publisher, name, sha)["prs"].get(str(number)) or {}
        if isinstance(entry.get("comment"), int):
            return publisher.comment_by_id(number, entry["comment"]), entry
    return None, {}
