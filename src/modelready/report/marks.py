"""What a modelready comment carries for the next run to read, hidden from the reader (as reviewdog's
metacomment): one record, written and read here and nowhere else.

- `MARKER` opens every checklist comment: how the publisher finds its own comment to update;
- `Hidden` closes it: the numbers the headline is made of (so a tick can re-title it), the commit the
  comment shows (an event about an older rendering is stale) and the result;
- `attest_mark(id)` follows each attestation box, and `attested_by` records a tick (who and when).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

MARKER = "<!-- modelready:checklist -->"
_STATE = re.compile(r"<!-- modelready:state (\{.*?\}) -->")
_HEAD = re.compile(r"<!-- modelready:head:([0-9a-f]{40}) -->")
_RESULT = re.compile(r"<!-- modelready:result:(\w+) -->")
HEAD_ANY = re.compile(r"<!-- modelready:head:[0-9a-f]{40} -->")  # what differs between two renderings of one verdict
ATTEST_LINE = re.compile(r"^- \[( |x|X)\] (?P<title>.*?) <!-- modelready:attest:(?P<id>[a-z0-9-]+) -->(?P<rest>.*)$", re.M)
BY = re.compile(r"<sub>attested by @(?P<login>[\w-]+) on (?P<when>[0-9T:\-]+Z)</sub>")


def attest_mark(item: str) -> str:
    return f"<!-- modelready:attest:{item} -->"


def attested_by(login: str, when: str) -> str:
    return f"attested by @{login} on {when}"


@dataclass(frozen=True)
class Hidden:
    state: dict[str, Any]  # report.comment.state_of's numbers
    head: str  # the commit shown ("" when none)
    result: str

    def render(self) -> str:
        shown = f"\n<!-- modelready:head:{self.head} -->" if self.head else ""
        return f"\n{self.state_mark(self.state)}{shown}\n<!-- modelready:result:{self.result} -->\n"

    @staticmethod
    def state_mark(state: dict[str, Any]) -> str:
        return f"<!-- modelready:state {json.dumps(state, separators=(',', ':'))} -->"

    @classmethod
    def read(cls, body: str | None) -> "Hidden":
        """What a comment body carries; what it lacks is empty."""
        body = body or ""
        st, head, result = _STATE.search(body), _HEAD.search(body), _RESULT.search(body)
        return cls(json.loads(st.group(1)) if st else {}, head.group(1) if head else "", result.group(1) if result else "")

    @staticmethod
    def restate(body: str, state: dict[str, Any]) -> str:
        """`body` with its state record replaced by `state`."""
        m = _STATE.search(body)
        return body.replace(m.group(0), Hidden.state_mark(state)) if m else body
