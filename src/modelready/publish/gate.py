"""The required check's life: created in progress before anything can fail, completed last, whatever
happened in between. Where the token may not write checks, a commit status takes its place; where it may
write neither (a read-only token), the job summary and the exit code carry the result, with one line
that says so. Nothing here raises past `finish`/`fail`: the check is the one write that must land."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..report.inert import fold


@dataclass
class Gate:
    publisher: Any  # github.Publisher, or None without a token
    name: str
    sha: str
    run: Any = None
    mode: str = "none"  # check | status | none
    notes: list[str] = field(default_factory=list)

    def start(self) -> None:
        if self.publisher is None or not self.sha:
            return
        try:
            self.run = self.publisher.start_check(self.name, self.sha)
        except Exception as e:  # noqa: BLE001 - a check that cannot be created (422, 5xx): a commit status instead
            self.say(f"could not create the check run ({cause(e)}): a commit status reports instead")
        if self.run is not None:
            self.mode = "check"
            return
        self._status("pending", "modelready is reading the files")

    def finish(self, conclusion: str, title: str, summary: str, annotations: list[dict[str, Any]] | None = None) -> bool:
        """Complete the check (or the status). False when nothing could be written (said why)."""
        if self.publisher is None or not self.sha or self.mode == "none":
            return False
        if self.mode == "check":
            for batch in ([annotations, []] if annotations else [[]]):  # annotations refused (422): completed without them
                try:
                    self.publisher.complete_check(self.run, conclusion, title, summary, batch)
                    return True
                except Exception as e:  # noqa: BLE001 - the status still can say it
                    self.say(f"could not complete the check run{' with its annotations' if batch else ''}: {cause(e)}")
            self.say("a commit status reports instead")
        state = {"failure": "failure", "success": "success", "neutral": "success"}.get(conclusion, "error")
        return self._status(state, title)

    def _status(self, state: str, description: str) -> bool:
        try:
            if self.publisher.commit_status(self.sha, self.name, state, description):
                self.mode = "status"
                return True
            self.say("the token may write neither checks nor commit statuses (read-only): the result is in the job summary and the exit code")
        except Exception as e:  # noqa: BLE001 - nothing more can be written: the exit code and this line remain
            self.say(f"could not write a commit status: {cause(e)}: the result is in the job summary and the exit code")
        self.mode = "none"
        return False

    def fail(self, why: str) -> bool:
        return self.finish("failure", fold(why)[:200], f"modelready could not decide: {fold(why)}")

    def say(self, line: str) -> None:
        if line not in self.notes:
            self.notes.append(line)
            print(f"modelready: {line}", flush=True)


def cause(e: BaseException) -> str:
    """One line for an exception: GitHub's status and message, never a traceback."""
    status = getattr(e, "status", None)
    if status is not None:
        data = getattr(e, "data", None)
        message = data.get("message") if isinstance(data, dict) else (str(data)[:200] if data else "")
        return fold(f"GitHub answered {status}" + (f": {message}" if message else ""))
    return fold(f"{type(e).__name__}: {e}")[:300]
