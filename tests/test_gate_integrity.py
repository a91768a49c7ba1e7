"""The gate cannot be forged or stalled: each scenario of issue 13 through `modelready github` run as a
runner runs it, against the local GitHub that validates every request with GitHub's OpenAPI description."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from .test_github_action import BOX, REPO, action, action_recording_waits, edit_event, github, pr_event, tick, workspace  # noqa: F401 - fixtures

FAILING = "manifests/llama-70b.yaml"
GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent"}


def git(ws: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(ws), *args], env=GIT_ENV, check=True, capture_output=True, text=True).stdout.strip()


def history(ws: Path, change) -> tuple[str, str]:
    """A checkout with its history (fetch-depth: 0): the base commit, then `change(ws)` as the PR's commit."""
    git(ws, "init", "-q", "-b", "main")
    git(ws, "add", "-A")
    git(ws, "commit", "-qm", "base")
    base = git(ws, "rev-parse", "HEAD")
    change(ws)
    git(ws, "add", "-A")
    git(ws, "commit", "-qm", "pull request")
    return base, git(ws, "rev-parse", "HEAD")


def pr_on(base: str, head: str, name: str = "opened") -> dict:
    event = pr_event(name)
    event["pull_request"]["base"]["sha"], event["pull_request"]["head"]["sha"] = base, head
    return event


def commented(github, login: str, body: str) -> dict:
    return github.comment_by(login, body)


def add_failing(ws: Path) -> None:
    """The PR adds the failing manifest (the base did not have it)."""
    shutil.copy(REPO / "examples" / FAILING, ws / FAILING)


def without_failing(ws: Path) -> Path:
    (ws / FAILING).unlink()
    return ws


# 1. The verdict comes from the files alone; the sticky comment is only the bot's own.

FORGED = ("<!-- modelready:checklist -->\n## ✅ modelready: ready for production\n"
          "- [x] The base image is CUDA-compatible with the nodes' drivers <!-- modelready:attest:cuda-base-image --> "
          "<sub>attested by @maintainer on 2026-11-20T10:00:00Z</sub>\n<!-- modelready:result:pass -->\n")


def test_a_forged_marker_comment_is_neither_adopted_nor_a_verdict(workspace, github):
    """A read-only user posts a marker comment (with a forged attestation and result) before the bot's first
    run, then edits it: the bot writes its own comment, imports nothing, and the edit moves no check."""
    from modelready.publish.attest import attested

    github.changed_files = [FAILING]
    github.pull_head_sha = pr_event()["pull_request"]["head"]["sha"]
    forged = commented(github, "drive-by", FORGED + f"<!-- modelready:head:{github.pull_head_sha} -->\n")
    proc, out = action(workspace, github, "pull_request", pr_event())
    assert not github.invalid, github.invalid
    assert forged["body"].startswith(FORGED)  # untouched
    mine = [c for c in github.comments.values() if c["user"]["login"] == "github-actions[bot]"]
    assert len(mine) == 1 and attested(mine[0]["body"]) == {}  # the forged attestation was not imported
    (run,) = github.check_runs.values()
    assert run["conclusion"] == "failure" and out["result"] == "fail"
    # the forger edits their comment (the event claims the markers): ignored, nothing written
    writes = len(github.writes)
    proc, _ = action(workspace, github, "issue_comment", edit_event(forged, forged["body"] + " ", "drive-by"))
    assert proc.returncode == 0 and len(github.writes) == writes and "not modelready's own checklist" in proc.stdout
    assert len(github.check_runs) == 1 and run["conclusion"] == "failure"


def test_a_stale_comment_event_is_ignored(workspace, github):
    """A maintainer ticks a box while commit A is shown; B is pushed (and fails); the delayed event for the
    tick must not rewrite the comment back to A or post anything on B."""
    github.changed_files = [FAILING]
    github.permissions = {"maintainer": "write"}
    a = pr_event()["pull_request"]["head"]["sha"]
    github.pull_head_sha = a
    action(workspace, github, "pull_request", pr_event())
    (comment,) = github.comments.values()
    stale = tick(github, comment, "maintainer")
    b = "b" * 40
    github.pull_head_sha = b  # B was pushed; its run has not rewritten the comment yet
    writes, runs = len(github.writes), len(github.check_runs)
    proc, _ = action(workspace, github, "issue_comment", stale)
    assert not github.invalid, github.invalid
    assert proc.returncode == 0 and len(github.writes) == writes and len(github.check_runs) == runs
    assert f"does not show the pull request's head {b[:12]}" in proc.stdout


def test_content_in_a_file_name_cannot_mark_an_item_attested(workspace, github):
    """A file name carrying a ticked attest line lands inert in the comment and attests nothing next run."""
    from modelready.publish.attest import attested

    hostile = "manifests/x\n- [x] The base image is CUDA-compatible <!-- modelready:attest:cuda-base-image --> <sub>attested by @maintainer on 2026-11-20T10:00:00Z</sub>.yaml"
    (workspace / hostile).parent.mkdir(parents=True)  # the `/` of `</sub>` makes a directory: fine, git paths have them
    (workspace / hostile).write_text((workspace / FAILING).read_text().replace("name: llama-70b", "name: hostile"))
    github.changed_files = [FAILING, hostile]
    action(workspace, github, "pull_request", pr_event())
    (comment,) = github.comments.values()
    assert attested(comment["body"]) == {}
    action(workspace, github, "pull_request", pr_event("synchronize"))
    assert attested(comment["body"]) == {} and BOX in comment["body"]


# 4. Config from the base branch.

def test_a_pull_requests_own_config_does_not_switch_its_gate_off(workspace, github):
    without_failing(workspace)

    def change(ws):
        add_failing(ws)
        (ws / ".modelready.yaml").write_text('exclude: ["*.yaml"]\nchecks:\n  disable: [image-tag-mutable]\n')
    base, head = history(workspace, change)
    github.changed_files = [FAILING, ".modelready.yaml"]
    proc, out = action(workspace, github, "pull_request", pr_on(base, head))
    assert not github.invalid, github.invalid
    assert proc.returncode == 1 and out["result"] == "fail"
    (run,) = github.check_runs.values()
    assert run["conclusion"] == "failure"
    (comment,) = github.comments.values()
    section = comment["body"].split("### What this pull request switches off", 1)[1]
    assert "excludes `*.yaml`" in section and "disables `image-tag-mutable`" in section
    # with config-from: head the PR's config applies, and the section says so
    proc, out = action(workspace, github, "pull_request", pr_on(base, head, "synchronize"), config_from="head")
    assert out["result"] == "neutral" or out["result"] == "pass"
    assert "applied, as `config-from: head` asks" in comment["body"]


def test_fail_on_never_in_a_pull_requests_config_is_listed_as_switching_the_gate_off():
    from modelready.app.configs import switched_off
    from modelready.report.document import Report
    from modelready.config import load_config

    base = load_config(None)
    head = load_config(None)
    head.fail_on = None  # `fail_on: never` (issue 18): the most a config can let through
    assert switched_off(base, head, Report(), []) == ["- `.modelready.yaml` never fails (was error)"]
    assert switched_off(head, base, Report(), []) == []


# 5. The required check always reports.

def test_a_read_only_token_gives_one_clear_line_and_the_exit_code(workspace, github):
    github.changed_files = [FAILING]
    github.read_only = True
    proc, out = action(workspace, github, "pull_request", pr_event())
    assert not github.invalid, github.invalid
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout.count("may write neither checks nor commit statuses") == 1
    assert out["result"] == "fail" and "modelready:checklist" in out["summary"]
    assert github.writes == [] and not github.comments


@pytest.mark.parametrize("rule, answer", [
    ("GET /repos/.*/pulls/2/files", (404, json.dumps({"message": "Not Found"}))),
    ("GET /repos/.*/issues/2/comments", (200, "<html>garbage")),
    ("POST /repos/.*/issues/2/comments", (422, json.dumps({"message": "Validation Failed"}))),
])
def test_api_failures_still_complete_the_check(workspace, github, rule, answer):
    github.changed_files = [FAILING]
    github.answer = {rule: answer}
    proc, _ = action(workspace, github, "pull_request", pr_event())
    assert "Traceback" not in proc.stdout + proc.stderr
    (run,) = github.check_runs.values()
    assert run["status"] == "completed" and run["conclusion"] == "failure" and proc.returncode in (1, 2)


def test_five_503s_in_a_row_and_a_failing_patch_still_complete_the_check(workspace, github):
    github.changed_files = [FAILING]
    github.answer = {"GET /repos/.*/issues/2/comments": (503, json.dumps({"message": "Service Unavailable"}))}
    github.fail_after_commit = {"PATCH /repos/.*/check-runs/\\d+"}  # the first completion lands, its answer is a 502: retried
    proc, _, waits = action_recording_waits(workspace, github, "pull_request", pr_event())
    # urllib3's backoff between the five 503s (factor 0.5), then the PATCH's retry: asked for, not waited out
    assert waits == [1.0, 2.0, 4.0, 0.5]
    assert "Traceback" not in proc.stdout + proc.stderr
    (run,) = github.check_runs.values()
    assert (run["status"], run["conclusion"]) == ("completed", "failure")
    assert "the comment was not written" in proc.stdout and "503" in proc.stdout


def test_a_check_run_that_cannot_be_created_falls_back_to_a_commit_status(workspace, github):
    github.changed_files = [FAILING]
    github.answer = {"POST /repos/.*/check-runs": (422, json.dumps({"message": "Validation Failed"}))}
    proc, _ = action(workspace, github, "pull_request", pr_event())
    assert "Traceback" not in proc.stdout + proc.stderr and proc.returncode == 1
    assert [(s["state"], s["context"]) for s in github.statuses] == [("pending", "modelready"), ("failure", "modelready")]
    assert "could not create the check run (GitHub answered 422: Validation Failed)" in proc.stdout


def test_a_merge_group_reports_the_same_check_on_the_groups_head(workspace, github):
    without_failing(workspace)
    base, head = history(workspace, add_failing)
    event = json.loads((Path(__file__).parent / "fixtures" / "github" / "webhooks" / "merge_group" / "checks_requested.payload.json").read_text())
    event["merge_group"].update(base_sha=base, head_sha=head)
    proc, out = action(workspace, github, "merge_group", event)
    assert not github.invalid, github.invalid
    assert proc.returncode == 1 and out["result"] == "fail" and not github.comments
    (run,) = github.check_runs.values()
    assert (run["name"], run["head_sha"], run["status"], run["conclusion"]) == ("modelready", head, "completed", "failure")
    assert "git diff" in proc.stdout and "1 changed file" in proc.stdout


def test_two_runs_at_once_leave_one_comment(workspace, github, tmp_path):
    """`opened` and `synchronize` at once: both list the comments before either posts (the local GitHub holds
    the first listings until both arrived), both create one; the younger is deleted."""
    from pytest_httpserver import HTTPServer

    from .github_server import FakeGitHub

    server = HTTPServer(threaded=True)
    server.start()
    try:
        fake = FakeGitHub(base=server.url_for("").rstrip("/"), changed_files=[FAILING], list_barrier=threading.Barrier(2))
        server.expect_request(re.compile(".*")).respond_with_handler(fake.handle)
        other = tmp_path / "second" / "workspace"
        shutil.copytree(workspace, other)
        results = {}
        threads = [threading.Thread(target=lambda ws=ws, name=name: results.__setitem__(name, action(ws, fake, "pull_request", pr_event(name))))
                   for ws, name in ((workspace, "opened"), (other, "synchronize"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=180)
        assert not fake.invalid, fake.invalid
        assert [m for m, p in fake.writes if p.endswith("/issues/2/comments")] == ["POST", "POST"]  # the race happened
        assert len(fake.comments) == 1
        assert {r[0].returncode for r in results.values()} == {1}
    finally:
        server.stop()


def test_a_post_retried_after_it_landed_leaves_one_comment(workspace, github):
    github.changed_files = [FAILING]
    github.fail_after_commit = {"POST /repos/.*/issues/2/comments"}
    proc, _ = action(workspace, github, "pull_request", pr_event())
    assert not github.invalid, github.invalid
    assert proc.returncode == 1 and len(github.comments) == 1
    assert [m for m, p in github.writes if p.endswith("/issues/2/comments")] == ["POST"]  # found by listing again, not posted twice


def test_a_check_run_post_retried_after_it_landed_leaves_one_check_run(workspace, github):
    github.changed_files = [FAILING]
    github.fail_after_commit = {"POST /repos/.*/check-runs"}
    proc, _ = action(workspace, github, "pull_request", pr_event())
    assert not github.invalid, github.invalid
    (run,) = github.check_runs.values()  # found by listing the commit's check runs, not created twice
    assert (run["status"], run["conclusion"]) == ("completed", "failure") and proc.returncode == 1


@pytest.mark.parametrize("limited", ["POST /repos/.*/issues/2/comments", "GET /repos/.*/pulls/2/files"])
def test_retry_after_3600_is_not_waited_for(workspace, github, limited):
    github.changed_files = [FAILING]
    github.rate_limited = {limited}
    t0 = time.monotonic()
    proc, _ = action(workspace, github, "pull_request", pr_event())
    assert time.monotonic() - t0 < 100  # no hour-long sleep: the run itself takes seconds
    assert "Traceback" not in proc.stdout + proc.stderr and proc.returncode == 2
    (run,) = github.check_runs.values()
    assert (run["status"], run["conclusion"]) == ("completed", "failure")
    assert "rate limit" in run["output"]["title"] and "3600" in run["output"]["title"]


@pytest.mark.parametrize("with_history", [True, False])
def test_3001_changed_files_still_check_the_last_one(workspace, github, with_history):
    """The API lists 3,000 files of a pull request. With history, git diff lists all 3,001; without it, the
    whole repository is checked. Either way the deployment that sorts last is checked, and the source said."""
    last = "zz/llama-70b.yaml"
    filler = [f"docs/page-{i:04}.txt" for i in range(3000)]

    def change(ws):
        (ws / "docs").mkdir(exist_ok=True)
        for name in filler:
            (ws / name).write_text("x\n")
        (ws / "zz").mkdir()
        shutil.copy(REPO / "examples" / FAILING, ws / last)
    without_failing(workspace)
    github.changed_files = sorted(filler + [last])
    if with_history:
        base, head = history(workspace, change)
        event = pr_on(base, head)
    else:
        change(workspace)
        event = pr_event()
    proc, out = action(workspace, github, "pull_request", event)
    assert not github.invalid, github.invalid
    assert out["result"] == "fail" and proc.returncode == 1
    assert "zz/llama-70b.yaml" in next(iter(github.comments.values()))["body"]
    if with_history:
        assert "3001 changed file(s)" in proc.stdout
    else:
        assert "every file" in proc.stdout and "3000" in proc.stdout
