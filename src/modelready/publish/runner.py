"""What a GitHub Actions runner gives an action: GITHUB_* variables, INPUT_* inputs, the event file,
and files to append outputs and the job summary to. Read here, once, into plain values."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..report.inert import redact


@dataclass
class Runner:
    event_name: str
    event: dict
    repository: str
    sha: str
    token: str | None
    api_url: str
    server_url: str
    workspace: Path
    summary_path: Path | None
    output_path: Path | None
    inputs: dict[str, str] = field(default_factory=dict)
    run_id: str = ""

    def input(self, name: str, default: str = "") -> str:
        return self.inputs.get(name, default) or default

    @property
    def from_fork(self) -> bool:
        """A PR from a fork runs with a read-only token: no write is attempted."""
        pr = self.event.get("pull_request") or {}
        head = ((pr.get("head") or {}).get("repo") or {}).get("full_name")
        return bool(head) and head != self.repository

    def write_output(self, **values: object) -> None:
        if self.output_path:
            with self.output_path.open("a", encoding="utf-8") as f:
                for k, v in values.items():
                    f.write(redact(f"{k}={v}") + "\n")

    def write_summary(self, markdown: str) -> None:
        if self.summary_path:
            with self.summary_path.open("a", encoding="utf-8") as f:
                f.write(redact(markdown) + "\n")


def from_env(env: dict[str, str] | None = None) -> Runner:
    env = dict(os.environ if env is None else env)
    event: dict = {}
    if env.get("GITHUB_EVENT_PATH") and Path(env["GITHUB_EVENT_PATH"]).is_file():
        event = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
    # The runner exposes input `fail-on` as INPUT_FAIL-ON (upper-cased, dashes kept, spaces to underscores).
    inputs = {k[len("INPUT_"):].lower().replace("_", "-"): v for k, v in env.items() if k.startswith("INPUT_")}
    token = inputs.get("token") or env.get("GITHUB_TOKEN") or None
    repository = env.get("GITHUB_REPOSITORY") or (event.get("repository") or {}).get("full_name", "")
    return Runner(
        event_name=env.get("GITHUB_EVENT_NAME", ""),
        event=event,
        repository=repository,
        # the commit judged: a PR's head, a merge group's head (GITHUB_SHA is the merge commit / the group's ref)
        sha=((event.get("pull_request") or {}).get("head") or {}).get("sha") or (event.get("merge_group") or {}).get("head_sha")
        or env.get("GITHUB_SHA", ""),
        token=token,
        api_url=env.get("GITHUB_API_URL", "https://api.github.com").rstrip("/"),
        server_url=env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/"),
        workspace=Path(env.get("GITHUB_WORKSPACE") or "."),
        summary_path=Path(env["GITHUB_STEP_SUMMARY"]) if env.get("GITHUB_STEP_SUMMARY") else None,
        output_path=Path(env["GITHUB_OUTPUT"]) if env.get("GITHUB_OUTPUT") else None,
        inputs=inputs,
        run_id=env.get("GITHUB_RUN_ID", ""),
    )
