"""What a GitHub Actions runner gives an action: GITHUB_* variables, INPUT_* inputs, the event file,
and files to append outputs and the job summary to. Read here, once, into plain values."""

from __future__ import annotations

from typing import Any

import json
import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Runner:
    event_name: str
    event: dict[str, Any]
    repository: str
    sha: str
    token: str | None
    api_url: str
    server_url: str
    workspace: Path
    summary_path: Path | None
    output_path: Path | None
    inputs: dict[str, str] = field(default_factory=dict)  # raw INPUT_* values: app/inputs.py reads them, once
    run_id: str = ""

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
                    f.write(f"{k}={v}\n")

    def write_summary(self, markdown: str) -> None:
        if self.summary_path:
            with self.summary_path.open("a", encoding="utf-8") as f:
                f.write(markdown + "\n")


def _judged_sha(event: dict[str, Any], env: dict[str, str]) -> str:
    """The commit judged: a PR's head, a merge group's head (GITHUB_SHA is the merge commit / the group's ref)."""
    head = ((event.get("pull_request") or {}).get("head") or {}).get("sha") or (event.get("merge_group") or {}).get("head_sha")
    return str(head or env.get("GITHUB_SHA", ""))


def _path(env: dict[str, str], name: str) -> Path | None:
    return Path(env[name]) if env.get(name) else None


def from_env(env: dict[str, str] | None = None) -> Runner:
    env = dict(os.environ if env is None else env)
    event: dict[str, Any] = {}
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
        sha=_judged_sha(event, env),
        token=token,
        api_url=env.get("GITHUB_API_URL", "https://api.github.com").rstrip("/"),
        server_url=env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/"),
        workspace=Path(env.get("GITHUB_WORKSPACE") or "."),
        summary_path=_path(env, "GITHUB_STEP_SUMMARY"),
        output_path=_path(env, "GITHUB_OUTPUT"),
        inputs=inputs,
        run_id=env.get("GITHUB_RUN_ID", ""),
    )
