"""A pull request judged by what it introduces: `modelready github` run as a runner runs it, on a real git
history (base and head commits in a clone, the head checked out), against the local GitHub API."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import shared_or_skip
from .test_github_action import REPO, WEBHOOKS, action, github, pr_event  # noqa: F401 - fixtures

MANIFEST = "manifests/llama-70b.yaml"


def git(ws: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=dev", "-c", "user.email=dev@example.com", *args], cwd=ws, check=True,
                          capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path):
    ws = tmp_path / "workspace"
    shutil.copytree(REPO / "examples", ws)
    git(ws, "init", "-q", "-b", "main")
    git(ws, "add", "-A")
    git(ws, "commit", "-qm", "base")
    return ws


def open_pr(ws: Path, github, message: str) -> dict:
    """Commit the working tree as the PR's head; GitHub's view of it (files, patches, event) to match."""
    base = git(ws, "rev-parse", "HEAD")
    git(ws, "add", "-A")
    git(ws, "commit", "-qm", message)
    head = git(ws, "rev-parse", "HEAD")
    github.changed_files = git(ws, "diff", "--name-only", base, head).splitlines()
    github.patches = {f: git(ws, "diff", "-U0", base, head, "--", f) for f in github.changed_files}
    event = pr_event("synchronize")
    event["pull_request"]["base"]["sha"], event["pull_request"]["head"]["sha"] = base, head
    return event


def add_comments(path: Path) -> None:
    lines = path.read_text().splitlines(keepends=True)
    lines[1:1] = ["# Serving Llama 3.1 70B for the assistant team.\n", "# Owner: platform-inference\n"]
    path.write_text("".join(lines))


def test_a_pr_only_adding_comments_to_failing_files_passes_and_says_why(repo, github):
    add_comments(repo / MANIFEST)
    event = open_pr(repo, github, "comments only")
    proc, out = action(repo, github, "pull_request", event)
    assert not github.invalid, github.invalid
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (comment,) = github.comments.values()
    body = comment["body"]
    report = json.loads((repo / "modelready-report.json").read_text())
    pre = sum(report["baseline"]["pre_existing"].values())
    errors = report["baseline"]["pre_existing"]["error"]
    assert errors >= 5 and sum(report["baseline"]["new"].values()) == 0
    import jsonschema

    jsonschema.Draft202012Validator(json.loads((REPO / "docs" / "report-schema.json").read_text())).validate(report)
    assert body.splitlines()[1] == f"## ✅ modelready: no new blocking findings ({pre} pre-existing) · 7 items wait for a person"
    assert "### New errors" not in body and f"Pre-existing findings, not introduced by this pull request ({errors} error" in body
    (run,) = github.check_runs.values()
    assert run["conclusion"] == "success" and run["output"]["title"].startswith("0 new error(s), 0 new warning(s)")
    assert run["annotations_sent"] == 0  # nothing on the lines it changed
    assert out["result"] == "pass" and out["new_errors"] == "0"
    # the log tells the story, and raises no ::error for old findings
    assert "modelready: PASS (gate new, fail on error): 0 new error(s)" in proc.stdout
    assert "pre-existing error   image-tag-mutable  manifests/llama-70b.yaml:23" in proc.stdout
    assert "::error" not in proc.stdout
    # the same PR under gate `touched` fails: the baseline is what made it pass
    proc, out = action(repo, github, "pull_request", event, gate="touched")
    assert proc.returncode == 1 and out["result"] == "fail"


def test_a_pr_adding_one_error_fails_with_it_first(repo, github):
    path = repo / MANIFEST
    add_comments(path)
    path.write_text(path.read_text().replace("              value: $HF_TOKEN\n",
                                             "              value: $HF_TOKEN\n            - name: HF_HOME\n              value: ${CACHE_ROOT}\n"))
    event = open_pr(repo, github, "cache dir")
    proc, out = action(repo, github, "pull_request", event)
    assert not github.invalid, github.invalid
    assert proc.returncode == 1
    body = next(iter(github.comments.values()))["body"]
    lines = body.splitlines()
    assert lines[1] == "## ❌ modelready: 1 new error blocks this pull request"
    first = next(i for i, ln in enumerate(lines) if ln.startswith("- 🔴") or ln.startswith("- 🟠"))
    from modelready.report.inert import text

    assert text("env HF_HOME of container vllm is the literal text ${CACHE_ROOT}") in lines[first], lines[first]
    assert "`env-shell-syntax`" in lines[first]
    assert first < 12 and lines[first - 2] == "### New errors (1)"
    # the old env-shell-syntax error on the line above is pre-existing, not new
    report = json.loads((repo / "modelready-report.json").read_text())
    assert [(f["check"], f["line"]) for f in report["findings"] if f.get("baseline") == "new"] == [("env-shell-syntax", 34)]
    # annotations only on the lines the PR changed; ::error for the new finding in the log
    (run,) = github.check_runs.values()
    assert run["annotations_sent"] == 1 and run["conclusion"] == "failure"
    assert "::error file=manifests/llama-70b.yaml,line=34,title=modelready env-shell-syntax::env HF_HOME" in proc.stdout
    assert proc.stdout.count("::error ") == 1


def test_a_pr_no_longer_touching_deployment_files_gets_one_line(repo, github):
    add_comments(repo / MANIFEST)
    proc, _ = action(repo, github, "pull_request", open_pr(repo, github, "comments"))
    (cid,) = github.comments
    # the next push reverts the manifest and only touches CI, the README and package.json
    git(repo, "checkout", "HEAD~1", "--", MANIFEST)
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yml").write_text("name: ci\non: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n")
    (repo / "package.json").write_text('{"name": "web", "version": "1.0.0"}\n')
    (repo / "README.md").write_text("# Our platform\n\nDocs.\n")
    event = open_pr(repo, github, "ci")
    git_base = git(repo, "rev-parse", "HEAD~2")
    event["pull_request"]["base"]["sha"] = git_base
    github.changed_files = [".github/workflows/ci.yml", "package.json", "README.md"]
    proc, out = action(repo, github, "pull_request", event)
    assert proc.returncode == 0 and out["result"] == "neutral"
    assert github.comments[cid]["body"].splitlines()[1] == "modelready: this pull request no longer touches deployment files; nothing to check."
    assert list(github.check_runs.values())[-1]["conclusion"] == "neutral"


def test_a_missing_base_commit_counts_every_finding_as_new_and_says_so(repo, github):
    add_comments(repo / MANIFEST)
    event = open_pr(repo, github, "comments")
    event["pull_request"]["base"]["sha"] = "f" * 40  # a shallow clone without the base
    proc, _ = action(repo, github, "pull_request", event)
    assert proc.returncode == 1
    body = next(iter(github.comments.values()))["body"]
    from modelready.report.inert import text

    assert "**No baseline** (" + text("commit ffffffffffffffffffffffffffffffffffffffff is not in this clone (check out with fetch-depth: 0") in body
    assert "modelready: no baseline: commit" in proc.stdout


def test_a_baseline_file_from_modelready_baseline(repo, github):
    from modelready.cli import main

    assert main(["baseline", str(repo), "--output", str(repo / ".modelready-baseline.json")]) == 0
    saved = json.loads((repo / ".modelready-baseline.json").read_text())
    assert saved["format"] == "modelready-baseline/1" and len(saved["findings"]) > 20
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "baseline")
    add_comments(repo / MANIFEST)
    event = open_pr(repo, github, "comments")
    proc, out = action(repo, github, "pull_request", event, baseline=".modelready-baseline.json")
    assert proc.returncode == 0 and out["new_errors"] == "0", proc.stdout
    assert "changes .modelready-baseline.json" not in proc.stdout


def _new_error(path: Path) -> None:
    """The env-shell-syntax error of test_a_pr_adding_one_error_fails_with_it_first."""
    path.write_text(path.read_text().replace("              value: $HF_TOKEN\n",
                                             "              value: $HF_TOKEN\n            - name: HF_HOME\n              value: ${CACHE_ROOT}\n"))


def test_a_pull_request_that_rewrites_the_baseline_file_is_compared_with_the_base_commits_copy(repo, github, tmp_path):
    """The baseline file is read as the base commit holds it, as the config is: a pull request that adds an error and
    writes it into its own baseline (or links the baseline to a file of the runner) still fails on it, and is told why."""
    from modelready.cli import main

    name = ".modelready-baseline.json"
    assert main(["baseline", str(repo), "--output", str(repo / name)]) == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "baseline")
    base = git(repo, "rev-parse", "HEAD")
    outside = tmp_path / "runner-file.json"
    outside.write_text('{"findings": [{"fingerprint": "OUTSIDE-7d1f"}]}')
    for forgiving in ("rewritten", "a link to a file of the runner"):
        git(repo, "reset", "-q", "--hard", base)
        _new_error(repo / MANIFEST)
        if forgiving == "rewritten":  # the new error written in as pre-existing
            assert main(["baseline", str(repo), "--output", str(repo / name)]) == 0
        else:
            (repo / name).unlink()
            (repo / name).symlink_to(outside)
        event = open_pr(repo, github, f"cache dir, and a baseline {forgiving}")
        proc, out = action(repo, github, "pull_request", event, baseline=name)
        assert proc.returncode == 1 and out["new_errors"] == "1", proc.stdout
        assert f"modelready: the pull request changes {name}: compared with the base commit's" in proc.stdout
        body = list(github.comments.values())[-1]["body"]  # the sticky comment, as this run left it
        assert f"⚠️ This pull request changes the baseline file {name}: findings are compared with the base commit's copy" in body
        assert "OUTSIDE-7d1f" not in proc.stdout + proc.stderr + body + (repo / "modelready-report.json").read_text()


def test_check_cli_baseline_ref_and_file(repo, capsys):
    from modelready.cli import main

    base = git(repo, "rev-parse", "HEAD")
    add_comments(repo / MANIFEST)
    assert main(["check", str(repo / "manifests"), "--root", str(repo), "--baseline", base]) == 0
    assert "0 new" in capsys.readouterr().out
    assert main(["check", str(repo / "manifests"), "--root", str(repo), "--baseline", "no-such-ref"]) == 2
    assert "--baseline no-such-ref: neither a file nor a commit" in capsys.readouterr().err


CORPUS = REPO.parent / "shared" / "corpus"


def corpus_files(n: int) -> list[Path]:
    """The n deployment files of the corpus (Kubernetes YAML outside charts) with the most errors, then warnings."""
    from collections import Counter

    from modelready.app import scope
    from modelready.config import Config
    from modelready.findings import Severity
    from modelready.app.run import run

    _result, doc = run([CORPUS], CORPUS, Config(), None, Severity.error)
    weight = Counter()
    for f in doc.findings:
        weight[f.file] += {"error": 1000, "warning": 1}.get(f.severity, 0)
    files = [p.relative_to(CORPUS).as_posix() for p in sorted(CORPUS.rglob("*.y*ml"))]
    files = [f for f in files if scope._chart_of(CORPUS, f) is None and scope._is_deployment(CORPUS, f)]
    return [CORPUS / f for f in sorted(files, key=lambda f: (-weight[f], f))[:n]]


def test_a_40_file_pr_over_the_corpus_fits_and_shows_every_error(tmp_path, github):
    shared_or_skip("corpus")
    ws = tmp_path / "workspace"
    ws.mkdir()
    (ws / "README.md").write_text("platform\n")
    git(ws, "init", "-q", "-b", "main")
    git(ws, "add", "-A")
    git(ws, "commit", "-qm", "base")
    for p in corpus_files(40):
        dest = ws / p.relative_to(CORPUS)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, dest)
    event = open_pr(ws, github, "forty files")
    assert len(github.changed_files) == 40
    proc, out = action(ws, github, "pull_request", event)
    assert not github.invalid, github.invalid
    body = next(iter(github.comments.values()))["body"]
    summary = out["summary"]
    report = json.loads((ws / "modelready-report.json").read_text())
    errors = [f for f in report["findings"] if f["severity"] == "error" and not f["suppressed"]]
    assert len(errors) >= 25 and proc.returncode == 1
    assert len(body) <= 65536 and len(summary.encode()) <= 1024 * 1024
    assert body.startswith("<!-- modelready:checklist -->\n") and "<!-- modelready:state {" in body and body.endswith("<!-- modelready:result:fail -->\n")

    def shown(f: dict, text: str) -> bool:
        where = f"`{f['file']}:{f['line']}`" if f["line"] else f"`{f['file']}`"
        return any(where in ln and f"`{f['check']}`" in ln for ln in text.splitlines() if ln.startswith("- 🔴"))

    hidden = [f for f in errors if not shown(f, body)]
    assert all(shown(f, summary) for f in errors)  # every error is in the comment or the linked summary
    if hidden:  # then no warning takes a line in the comment
        assert not any(ln.startswith("- 🟠") for ln in body.splitlines())
        assert "more new error(s)** are listed in the" in body
    first = next(i for i, ln in enumerate(body.splitlines()) if ln.startswith("- 🔴"))
    assert first < 40
    # what the comment leaves out, it says where to find: the run's job summary
    assert "more, listed in the [job summary](https://github.com/Codertocat/Hello-World/actions/runs/30433642)" in body, body[:3000]
    (run,) = github.check_runs.values()
    assert len(run["output"]["summary"]) <= 65535


def test_the_comment_budget_counts_the_markers_and_never_cuts_an_error():
    from dataclasses import replace

    from modelready.report import comment
    from modelready.report.document import FindingEntry, Report, Summary

    finding = FindingEntry("image-tag-mutable", "error", "image x:latest uses the mutable tag :latest " + "x" * 200, "deploy/app.yaml", 1,
                           subject="Deployment/a/b@deploy/app.yaml", baseline="new")
    doc = Report(summary=Summary("fail", "error", deployments=1, findings={"error": 600, "warning": 300, "info": 0}, gate="new"),
                 findings=tuple(replace(finding, line=i + 1) for i in range(600)) + tuple(replace(finding, severity="warning", line=i + 1) for i in range(300)))
    body = comment.build(doc, lambda f, l: f"https://github.com/o/r/blob/{'a' * 40}/{f}#L{l}", summary_url="https://github.com/o/r/actions/runs/1")
    assert len(body) <= comment.COMMENT_LIMIT and body.endswith("<!-- modelready:result:fail -->\n")
    listed = sum(1 for ln in body.splitlines() if ln.startswith("- 🔴"))
    assert 100 < listed < 600 and f"**{600 - listed} more new error(s)** are listed in the [job summary](https://github.com/o/r/actions/runs/1)." in body
    assert "🟠" not in body.split("<sub>🔴")[0].split("### New errors")[1]
    full = comment.build(doc, lambda f, l: None, full=True, limit=comment.SUMMARY_LIMIT)
    assert sum(1 for ln in full.splitlines() if ln.startswith("- 🔴")) == 600 and sum(1 for ln in full.splitlines() if ln.startswith("- 🟠")) == 300


def test_attestation_round_trip_through_the_shipped_workflow(repo, github):
    """The example workflows' own events: a PR run, then `issue_comment` edits routed to the `attest` job of
    modelready-attest.yml (its own workflow: the gate's never runs on a comment)."""
    import yaml

    def on(name: str) -> tuple[dict, dict]:
        wf = yaml.safe_load((REPO / ".github" / "workflows" / name).read_text())
        return wf, wf[True] if True in wf else wf["on"]

    wf, triggers = on("modelready-attest.yml")
    assert triggers == {"issue_comment": {"types": ["edited"]}}
    job = wf["jobs"]["attest"]
    assert "github.event.issue.pull_request" in job["if"] and "<!-- modelready:checklist -->" in job["if"]
    assert job["permissions"] == {"contents": "read", "pull-requests": "write", "checks": "write"}
    assert any(s.get("uses") == "./" for s in job["steps"])
    assert "issue_comment" not in on("modelready.yml")[1]

    github.permissions = {"maintainer": "write", "drive-by": "read"}
    path = repo / MANIFEST
    path.write_text(path.read_text().replace("value: $HF_TOKEN", "value: $(HF_TOKEN)"))
    event = open_pr(repo, github, "fix env")
    github.pull_head_sha = event["pull_request"]["head"]["sha"]  # what the API says the PR's head is
    proc, _ = action(repo, github, "pull_request", event, require_attestations="true", annotations="all")
    (comment,) = github.comments.values()
    checks = list(github.check_runs.values())
    assert [c["name"] for c in checks] == ["modelready", "modelready / attestations"]
    main_check = checks[0]
    assert main_check["annotations_sent"] >= 1 and checks[1]["conclusion"] == "failure" and checks[1]["output"]["title"] == "0 of 7 attested; 7 required before merging"
    box = next(ln for ln in comment["body"].splitlines() if "modelready:attest:cuda-base-image" in ln).split(" <sub>")[0]
    assert box.startswith("- [ ] ")

    def edit_by(login: str, new_body: str) -> dict:
        """GitHub stores the edit, then sends the event."""
        github.comments[comment["id"]]["body"] = new_body
        event = json.loads((WEBHOOKS / "issue_comment" / "created.payload.json").read_text())
        event["action"] = "edited"
        event["changes"] = {"body": {"from": old}}
        event["comment"].update(id=comment["id"], body=new_body)
        event["issue"].update(number=2, pull_request={"url": "x"})
        event["sender"].update(login=login, type="User")
        return event

    tick = lambda body: body.replace(box, box.replace("- [ ]", "- [x]"))
    old = comment["body"]
    proc, _ = action(repo, github, "issue_comment", edit_by("drive-by", tick(comment["body"])), require_attestations="true")
    assert not github.invalid, github.invalid
    assert box in comment["body"] and "tick by @drive-by reverted" in comment["body"]
    assert "0 of 7 attested" in list(github.check_runs.values())[-1]["output"]["title"]
    old = comment["body"]
    proc, out = action(repo, github, "issue_comment", edit_by("maintainer", tick(comment["body"])), require_attestations="true")
    assert not github.invalid, github.invalid
    lines = comment["body"].splitlines()
    assert lines[1].endswith("; 6 attestations required") and "### Waiting for a person (1 of 7 attested)" in lines
    assert re.search(r"- \[x\] .*modelready:attest:cuda-base-image --> <sub>attested by @maintainer on 20", comment["body"])
    last = list(github.check_runs.values())[-1]
    assert (last["name"], last["output"]["title"]) == ("modelready / attestations", "1 of 7 attested; 6 required before merging")
    # the findings' check was not replaced: it still holds its annotations
    assert [c["name"] for c in github.check_runs.values()].count("modelready") == 1 and main_check["annotations_sent"] >= 1


def test_deployment_files_are_recognised_by_content(tmp_path):
    from modelready.app import scope
    from modelready.config import Config

    files = {
        ".github/workflows/ci.yml": "name: ci\non: push\njobs: {}\n",
        "package.json": '{"name": "web", "version": "1.0.0"}\n',
        "README.md": "# Platform\n\nHow we deploy.\n",
        "models/llama/README.md": "---\nlicense: llama3.1\nbase_model: meta-llama/Llama-3.1-8B\n---\n# Llama\n",
        "models/llama/config.json": '{"architectures": ["LlamaForCausalLM"], "model_type": "llama"}\n',
        "deploy/app.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n",
        "deploy/settings.yaml": "replicas: 3\nregion: eu\n",
        "charts/serve/Chart.yaml": "apiVersion: v2\nname: serve\nversion: 0.1.0\n",
        "charts/serve/values.yaml": "image: x\n",
        "charts/serve/README.md": "# serve\n",
        "env/prod-values.yaml": "replicas: 4\n",
        "Dockerfile": "FROM python:3.12\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    config = Config(charts={"charts/serve": [["values.yaml", "../../env/prod-values.yaml"]]})
    s = scope.of_change(tmp_path, list(files) + ["deploy/removed.yaml"], config)
    assert sorted(s.deployment_files) == sorted(["models/llama/README.md", "models/llama/config.json", "deploy/app.yaml", "charts/serve/Chart.yaml",
                                                 "charts/serve/values.yaml", "env/prod-values.yaml", "Dockerfile", "deploy/removed.yaml"])
    assert s.charts == {"charts/serve"}
    assert scope.of_change(tmp_path, [".github/workflows/ci.yml", "package.json", "README.md"], config).touches_deployments is False
    assert scope.of_change(tmp_path, ["env/prod-values.yaml"], config).charts == {"charts/serve"}


def test_the_log_story_cannot_be_turned_into_workflow_commands():
    from modelready.publish import log
    from modelready.report.document import Baseline, FindingEntry, Report, Summary

    hostile = "bad\n::set-output name=result::pass\r\n::add-mask::x, 100%"
    doc = Report(summary=Summary("fail", "error", findings={"error": 1, "warning": 0, "info": 0}, gate="new"),
                 baseline=Baseline("abc", True, {"error": 1, "warning": 0, "info": 0}, {"error": 0, "warning": 0, "info": 0}),
                 findings=(FindingEntry("c", "error", hostile, "a,b:c.yaml", 3, subject="s", baseline="new"),))
    text = log.story(doc)
    lines = text.splitlines()
    stop = next(i for i, ln in enumerate(lines) if ln.startswith("::stop-commands::"))
    resume = next(i for i, ln in enumerate(lines) if ln == f"::{lines[stop].split('::')[2]}::")
    commands = [ln for ln in lines[:stop] + lines[resume + 1:] if ln.startswith("::")]
    assert commands == ["::error file=a%2Cb%3Ac.yaml,line=3,title=modelready c::bad ::set-output name=result::pass ::add-mask::x, 100%25"]
    assert all(not ln.startswith("::") for ln in lines[stop + 1:resume])


def test_comment_behaviours(repo, github):
    add_comments(repo / MANIFEST)
    event = open_pr(repo, github, "comments")
    action(repo, github, "pull_request", event, comment="hide-and-new")
    assert len(github.comments) == 1 and github.minimized == []  # nothing to hide yet
    # the same verdict again: skipped, nothing minimized or posted
    action(repo, github, "pull_request", event, comment="hide-and-new")
    assert len(github.comments) == 1 and github.minimized == []
    # a new error: the old comment is minimized as outdated, a new one posted
    path = repo / MANIFEST
    path.write_text(path.read_text().replace("              value: $HF_TOKEN\n", "              value: $HF_TOKEN\n            - name: X\n              value: $Y\n"))
    event = open_pr(repo, github, "new error")
    action(repo, github, "pull_request", event, comment="hide-and-new")
    assert not github.invalid, github.invalid
    first, second = sorted(github.comments)
    assert github.minimized == [first] and "1 new error blocks" in github.comments[second]["body"]
    action(repo, github, "pull_request", event, comment="new", skip_if_unchanged="false")
    assert len(github.comments) == 3
    writes = len(github.writes)
    proc, _ = action(repo, github, "pull_request", event, comment="off")
    # the check run only: created in progress, then completed
    assert [(w[0], "/check-runs" in w[1]) for w in github.writes[writes:]] == [("POST", True), ("PATCH", True)]
    proc, _ = action(repo, github, "pull_request", event, comment="sometimes")
    assert proc.returncode == 2 and "input comment takes update, hide-and-new, new, off" in proc.stderr


def test_notices_are_not_annotated_unless_asked(repo, github):
    add_comments(repo / MANIFEST)
    event = open_pr(repo, github, "comments")
    action(repo, github, "pull_request", event, annotations="all")
    (run,) = github.check_runs.values()
    report = json.loads((repo / "modelready-report.json").read_text())
    lined = [f for f in report["findings"] if f["line"] and not f["suppressed"]]
    assert run["annotations_sent"] == sum(1 for f in lined if f["severity"] != "info") > 0
    action(repo, github, "pull_request", event, annotations="all", annotation_notices="true")
    assert list(github.check_runs.values())[-1]["annotations_sent"] == len(lined)


def test_git_output_past_its_bound_is_a_failure_and_the_changed_lines_come_from_the_api(repo, github, monkeypatch):
    """A pull request adding large files (GitHub allows 100 MB each) made `git diff -U0` read whole into memory, a few
    times over. Past MAX_OUTPUT, git is stopped and the call fails: the lines come from the API's patches instead."""
    from modelready.app import git as mgit
    from modelready.app.pull_request import PullRequest, changed_lines
    from modelready.publish.github import Publisher

    base = git(repo, "rev-parse", "HEAD")
    (repo / "manifests" / "generated.yaml").write_text("".join(f"# line {i}\n" for i in range(20_000)))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a large generated file")
    head = git(repo, "rev-parse", "HEAD")
    whole = mgit.changed_lines(repo, base, head)
    assert whole is not None and len(whole["manifests/generated.yaml"]) == 20_000
    monkeypatch.setattr(mgit, "MAX_OUTPUT", 50_000)
    proc = mgit.run(repo, "diff", "-U0", base, head)
    assert proc.returncode == 128 and proc.stdout == "" and "more than" in proc.stderr
    assert mgit.changed_lines(repo, base, head) is None
    # the pull request's files as GitHub lists them (it truncates a large file's patch)
    github.changed_files = ["manifests/generated.yaml"]
    github.patches = {"manifests/generated.yaml": "@@ -0,0 +1,3 @@\n+# line 0\n+# line 1\n+# line 2"}
    publisher = Publisher(github.base, "token", "Codertocat/Hello-World")
    assert changed_lines(publisher, PullRequest(2, base, head, repo)) == {"manifests/generated.yaml": {1, 2, 3}}
    assert not github.invalid, github.invalid
    assert mgit.head(repo) == head  # small outputs are read as before
