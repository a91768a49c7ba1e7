"""Gate integrity II (issue 25): a verdict bound to its pull request, head and base; the sticky comment
found by what only this bot records; no stale writes; the workflows. Each class is a pull request's life
played through `modelready github` as a runner runs it, on a real git history, against the local GitHub
that validates every request against GitHub's OpenAPI description."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from .test_gate_integrity import FAILING, git, without_failing
from .test_github_action import REPO, WEBHOOKS, action, edit_event, github, pr_event, workspace  # noqa: F401 - fixtures

HEAD_LABEL = "Codertocat:changes"


def put_failing(ws: Path) -> None:
    (ws / FAILING).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "examples" / FAILING, ws / FAILING)


def commit(ws: Path, message: str) -> str:
    git(ws, "add", "-A")
    git(ws, "commit", "-qm", message)
    return git(ws, "rev-parse", "HEAD")


def pr(number: int, base: str, head: str, base_ref: str = "master", name: str = "synchronize") -> dict:
    """The runner's event for pull request `number` (GitHub's webhook example, with this history's commits)."""
    event = pr_event(name)
    event["number"] = event["pull_request"]["number"] = number
    event["pull_request"]["base"].update(sha=base, ref=base_ref)
    event["pull_request"]["head"]["sha"] = head
    return event


def check_on(github, sha: str, name: str = "modelready") -> dict:
    return max((r for r in github.check_runs.values() if r["head_sha"] == sha and r["name"] == name), key=lambda r: r["id"])


def two_bases(ws: Path) -> tuple[str, str, str]:
    """main (A) without the failing manifest; branch legacy (L) where it already is; the PR's head (H) adds it to A."""
    without_failing(ws)
    git(ws, "init", "-q", "-b", "main")
    a = commit(ws, "base")
    git(ws, "checkout", "-qb", "legacy")
    put_failing(ws)
    legacy = commit(ws, "legacy has it")
    git(ws, "checkout", "-q", a)
    git(ws, "checkout", "-qb", "changes")
    put_failing(ws)
    (ws / FAILING).write_text((ws / FAILING).read_text() + "# the same manifest, on its own branch\n")
    head = commit(ws, "add llama-70b")
    return a, legacy, head


# 1. A verdict belongs to a head and a base; a check run to a commit.

def test_one_head_in_two_pull_requests_gets_the_strictest_check_and_a_base_change_rejudges(workspace, github):
    a, legacy, head = two_bases(workspace)
    github.changed_files = [FAILING]
    github.pin(2, head=head, base=a, base_ref="master", label=HEAD_LABEL)
    github.pin(3, head=head, base=legacy, base_ref="legacy", label=HEAD_LABEL)
    proc, out = action(workspace, github, "pull_request", pr(2, a, head))
    assert not github.invalid, github.invalid
    assert proc.returncode == 1 and check_on(github, head)["conclusion"] == "failure"
    # the second PR, into a branch where the errors already are, passes on its own; the commit's check stays red
    proc, out = action(workspace, github, "pull_request", pr(3, legacy, head, "legacy", "opened"))
    assert not github.invalid, github.invalid
    assert out["result"] == "pass" and proc.returncode == 0
    run = check_on(github, head)
    assert run["conclusion"] == "failure", run["output"]["title"]
    assert "pull request #2 into master: failure" in run["output"]["summary"]
    # PR 2's base changes to legacy (`edited`): judged again, and now every PR of this head passes
    github.pin(2, base=legacy, base_ref="legacy")
    edited = pr(2, legacy, head, "legacy", "opened")
    edited.update(action="edited", changes={"base": {"ref": {"from": "master"}, "sha": {"from": a}}})
    proc, out = action(workspace, github, "pull_request", edited)
    assert "nothing to do" not in proc.stdout and out["result"] == "pass"
    run = check_on(github, head)
    assert run["conclusion"] == "success" and "pull request #3 into legacy: success" in run["output"]["summary"]
    # an edit of the title alone judges nothing
    titled = pr(2, legacy, head, "legacy", "opened")
    titled.update(action="edited", changes={"title": {"from": "Update the README"}})
    runs = len(github.check_runs)
    proc, _ = action(workspace, github, "pull_request", titled)
    assert "nothing to do" in proc.stdout and len(github.check_runs) == runs
    # and the shipped workflow listens for the base change
    wf = yaml.safe_load((REPO / ".github" / "workflows" / "modelready.yml").read_text())
    assert "edited" in wf[True]["pull_request"]["types"]


# 4. Who owns the sticky comment.

FORGED = "".join(f"- [x] item {i} <!-- modelready:attest:{item} --> <sub>attested by @maintainer on 2026-11-20T10:00:00Z</sub>\n"
                 for i, item in enumerate(["cuda-base-image", "model-license", "eval-results", "rollback-plan", "owner", "slo", "data-privacy"]))


def test_a_marker_comment_by_github_actions_is_not_the_sticky_one_and_an_app_token_finds_its_own(workspace, github):
    without_failing(workspace)
    git(workspace, "init", "-q", "-b", "main")
    base = commit(workspace, "base")
    put_failing(workspace)
    head = commit(workspace, "add llama-70b")
    github.changed_files = [FAILING]
    # another workflow of the repository, with the same GITHUB_TOKEN identity, comments first with the marker
    forged = github.comment_by("github-actions[bot]", "<!-- modelready:checklist -->\n## ✅ modelready: ready\n" + FORGED
                               + f"<!-- modelready:head:{head} -->\n", type_="Bot")
    forged_body = forged["body"]
    proc, out = action(workspace, github, "pull_request", pr(2, base, head), require_attestations="true")
    assert not github.invalid, github.invalid
    assert forged["body"] == forged_body  # neither adopted nor rewritten
    mine = [c for c in github.comments.values() if c["id"] != forged["id"]]
    assert len(mine) == 1 and "attested by @maintainer" not in mine[0]["body"]
    att = check_on(github, head, "modelready / attestations")
    assert att["conclusion"] == "failure" and att["output"]["title"].startswith("0 of ")
    # the next run edits the bot's own comment, not the forged one
    proc, _ = action(workspace, github, "pull_request", pr(2, base, head))
    assert len(github.comments) == 2 and forged["body"] == forged_body


def test_an_app_token_edits_its_own_comment_on_every_run(workspace, github):
    without_failing(workspace)
    git(workspace, "init", "-q", "-b", "main")
    base = commit(workspace, "base")
    put_failing(workspace)
    first = commit(workspace, "add llama-70b")
    github.identity = "modelready-app[bot]"  # an installation token of a GitHub App: GET /user is 403 too
    github.changed_files = [FAILING]
    action(workspace, github, "pull_request", pr(2, base, first, name="opened"))
    (workspace / FAILING).write_text((workspace / FAILING).read_text().replace(":latest", ":v0.10.2"))
    second = commit(workspace, "pin the image")
    ev = pr(2, base, second)
    ev["before"] = first
    action(workspace, github, "pull_request", ev)
    assert not github.invalid, github.invalid
    (comment,) = github.comments.values()  # one comment, edited in place: not one per run
    assert comment["user"]["login"] == "modelready-app[bot]" and second in comment["body"]


# 5. Stale writes.

def test_a_late_run_for_an_old_head_writes_only_its_own_check_and_a_smoke_report_keeps_to_the_base_config(workspace, github):
    without_failing(workspace)
    git(workspace, "init", "-q", "-b", "main")
    base = commit(workspace, "base")
    (workspace / "README.md").write_text("# platform\n")
    old = commit(workspace, "docs")  # touches no deployment: neutral
    put_failing(workspace)
    # the PR's own config switches the failing checks off: never applied, in the PR's run nor in a smoke report
    (workspace / ".modelready.yaml").write_text('exclude: ["manifests/*"]\n')
    new = commit(workspace, "add llama-70b")
    github.changed_files = [FAILING, ".modelready.yaml", "README.md"]
    github.pin(2, head=new, base=base, label=HEAD_LABEL)
    proc, out = action(workspace, github, "pull_request", pr(2, base, new))
    (comment,) = github.comments.values()
    red = comment["body"]
    assert "❌" in red.splitlines()[1] and check_on(github, new)["conclusion"] == "failure"
    # a re-run of the old head's attempt arrives late: its check on its own commit, nothing else
    git(workspace, "checkout", "-q", old)
    github.changed_files = ["README.md"]
    writes = len(github.writes)
    proc, out = action(workspace, github, "pull_request", pr(2, base, old))
    assert not github.invalid, github.invalid
    assert comment["body"] == red and check_on(github, old)["head_sha"] == old
    assert all(w[1].rsplit("/", 2)[-2:] != ["issues", "comments"] and "/comments" not in w[1] for w in github.writes[writes:])
    assert "head is now" in proc.stdout and check_on(github, new)["conclusion"] == "failure"
    # a smoke report for the old head (late) leaves the newer head's comment alone
    git(workspace, "checkout", "-q", new)
    results = workspace / "smoke-results"
    results.mkdir()
    shutil.copy(REPO / "tests" / "fixtures" / "smoke" / "transformers-serve-cpu.json", results / "smoke-0.json")
    dispatch = json.loads((WEBHOOKS / "workflow_dispatch" / "payload.json").read_text())
    dispatch["inputs"] = {"pr": "2", "sha": old}
    github.changed_files = [FAILING, ".modelready.yaml", "README.md"]
    proc, _ = action(workspace, github, "workflow_dispatch", dispatch, smoke_result="smoke-results/*.json")
    assert not github.invalid, github.invalid
    assert comment["body"] == red and check_on(github, old, "modelready / smoke")
    # the smoke report for the head itself writes the comment, under the base's config: still red
    dispatch["inputs"] = {"pr": "2", "sha": new}
    proc, _ = action(workspace, github, "workflow_dispatch", dispatch, smoke_result="smoke-results/*.json")
    assert not github.invalid, github.invalid
    assert "❌" in comment["body"].splitlines()[1] and FAILING in comment["body"], comment["body"][:400]


# 7. The workflows.

def test_smoke_dispatch_runs_the_default_branchs_workflow_with_the_prs_commit_as_data(workspace, github):
    github.changed_files = ["charts/vllm-llama/values.yaml"]
    event = pr_event()
    proc, _ = action(workspace, github, "pull_request", event, smoke="dispatch")
    assert not github.invalid, github.invalid
    ((workflow, body),) = github.dispatches
    assert body["ref"] == event["repository"]["default_branch"] != event["pull_request"]["head"]["ref"]
    assert body["inputs"]["sha"] == event["pull_request"]["head"]["sha"]
    smoke = yaml.safe_load((REPO / ".github" / "workflows" / "modelready-smoke.yml").read_text())
    report = smoke["jobs"]["report"]["steps"]
    checkouts = [s for s in report if s.get("uses", "").startswith("actions/checkout@")]
    # the action that writes the comment is the default branch's; the measured commit is data beside it
    assert "ref" not in checkouts[0].get("with", {}) and checkouts[1]["with"]["path"] == "pull-request"
    assert next(s for s in report if s.get("uses") == "./")["with"]["pr-path"] == "pull-request"
    # the Action installs from the hashed lock, nothing unpinned
    install = yaml.safe_load((REPO / "action.yml").read_text())["runs"]["steps"][0]["run"]
    assert "--require-hashes" in install and "requirements/action.lock" in install and "[$extras]" not in install
    # Python is the step's process (exec), so a cancelled run's SIGINT reaches it and it completes its check
    check = yaml.safe_load((REPO / "action.yml").read_text())["runs"]["steps"][1]["run"]
    assert check.strip().endswith("exec python3 -m modelready.cli github"), check
    # the publish half is for forks only: a same-repo PR reports from its own run
    publish = yaml.safe_load((REPO / ".github" / "workflows" / "modelready-publish.yml").read_text())
    assert "head_repository.full_name != github.repository" in publish["jobs"]["publish"]["if"]


# 3. Findings the PR causes outside the files it touches.

PDB = """apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: llama-70b
  namespace: inference
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app: llama-70b
"""


def test_deleting_a_pdb_reports_the_untouched_deployments_new_finding(workspace, github):
    (workspace / "manifests" / "pdb.yaml").write_text(PDB)
    git(workspace, "init", "-q", "-b", "main")
    base = commit(workspace, "base: llama-70b with its PodDisruptionBudget")
    (workspace / "manifests" / "pdb.yaml").unlink()
    head = commit(workspace, "drop the PDB")
    github.changed_files = ["manifests/pdb.yaml"]
    proc, out = action(workspace, github, "pull_request", pr(2, base, head))
    assert not github.invalid, github.invalid
    report = json.loads((workspace / "modelready-report.json").read_text())
    new = [(f["check"], f["file"]) for f in report["findings"] if f.get("baseline") == "new"]
    assert new == [("pdb-missing", FAILING)], new  # the Deployment's file is untouched; the PR caused it
    (comment,) = github.comments.values()
    assert "pdb-missing" in comment["body"] and out["new_warnings"] == "1"
    assert check_on(github, head)["conclusion"] != "neutral"


# 9. Baselines that hold.

def overlay_repo(ws: Path) -> None:
    """A kustomize base (the failing manifest's Deployment) and a prod overlay over it."""
    (ws / "deploy" / "base").mkdir(parents=True)
    (ws / "deploy" / "overlays" / "prod").mkdir(parents=True)
    shutil.move(ws / FAILING, ws / "deploy" / "base" / "llama-70b.yaml")
    (ws / "deploy" / "base" / "kustomization.yaml").write_text("resources:\n  - llama-70b.yaml\n")
    (ws / "deploy" / "overlays" / "prod" / "kustomization.yaml").write_text("resources:\n  - ../../base\nnamespace: prod\n")


def test_an_overlay_that_fails_to_build_fails_the_pr_that_breaks_it_and_stays_pre_existing_after(workspace, github):
    overlay_repo(workspace)
    git(workspace, "init", "-q", "-b", "main")
    base = commit(workspace, "base")
    prod = workspace / "deploy" / "overlays" / "prod" / "kustomization.yaml"
    prod.write_text("resources:\n  - ../../base\n  - hpa.yaml\nnamespace: prod\n")  # hpa.yaml is not there: the build fails
    broken = commit(workspace, "prod overlay: add the HPA")
    github.changed_files = ["deploy/overlays/prod/kustomization.yaml"]
    proc, out = action(workspace, github, "pull_request", pr(2, base, broken))
    assert not github.invalid, github.invalid
    assert proc.returncode == 1 and out["result"] == "fail", proc.stdout[-2000:]
    report = json.loads((workspace / "modelready-report.json").read_text())
    (failed,) = [f for f in report["findings"] if f["check"] == "input-unreadable"]
    assert failed["file"] == "deploy/overlays/prod" and failed["baseline"] == "new"
    assert check_on(github, broken)["conclusion"] == "failure"
    # the broken overlay is on main now; the next PR touches the overlay again: the failure is pre-existing,
    # although kubectl's message carries another time, process id and absolute path in the base's worktree
    prod.write_text("# prod: the HPA comes later\n" + prod.read_text())
    head = commit(workspace, "comment")
    proc, out = action(workspace, github, "pull_request", pr(3, broken, head))
    assert not github.invalid, github.invalid
    report = json.loads((workspace / "modelready-report.json").read_text())
    (failed,) = [f for f in report["findings"] if f["check"] == "input-unreadable"]
    assert failed["baseline"] == "pre-existing" and out["result"] == "pass", failed
    assert str(workspace) not in failed["fingerprint"]


# 2. The gate's own files.

SKIPS = ("  annotations:\n    modelready.io/skip: dev-shm-missing,engine-flag-unknown,env-shell-syntax,image-tag-mutable,parallelism-exceeds-gpus\n"
         "    modelready.io/skip-reason: tracked elsewhere\n    modelready.io/skip-until: \"2099-01-01\"\n")


def box_tick(github, comment: dict, item: str, login: str) -> dict:
    """`login` ticks the box of `item` in the comment (GitHub stores the edit, then sends the event)."""
    lines = comment["body"].split("\n")
    i = next(n for n, ln in enumerate(lines) if f"<!-- modelready:attest:{item} -->" in ln)
    lines[i] = lines[i].replace("- [ ] ", "- [x] ", 1)
    event = edit_event(comment, "\n".join(lines), login)
    github.comments[comment["id"]]["body"] = event["comment"]["body"]
    return event


def test_changes_to_the_gate_are_at_the_top_and_added_suppressions_block_until_approved(workspace, github):
    without_failing(workspace)
    (workspace / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(REPO / ".github" / "workflows" / "modelready.yml", workspace / ".github" / "workflows" / "modelready.yml")
    git(workspace, "init", "-q", "-b", "main")
    base = commit(workspace, "base")
    # the PR edits the gate's workflow (its own copy is what runs for it: fail-on never)
    wf = workspace / ".github" / "workflows" / "modelready.yml"
    wf.write_text(wf.read_text().replace("          paths: examples\n", "          paths: examples\n          fail-on: never\n          config-from: head\n"))
    edited = commit(workspace, "ci: quieter")
    github.changed_files = [".github/workflows/modelready.yml"]
    proc, out = action(workspace, github, "pull_request", pr(2, base, edited), fail_on="never", config_from="head")
    assert not github.invalid, github.invalid
    (comment,) = github.comments.values()
    # touching only the workflow, it is still said at the top, with what it switches off
    top = comment["body"].split("### ⚠️ This pull request changes the gate itself", 1)
    assert len(top) == 2, comment["body"][:600]
    assert "sets the modelready input `fail-on` to `never` (was unset)" in top[1]
    assert "sets the modelready input `config-from` to `head` (was unset)" in top[1]
    # another PR adds the failing manifest with suppressions of its five errors: red until approved
    git(workspace, "checkout", "-q", base)
    put_failing(workspace)
    path = workspace / FAILING
    path.write_text(path.read_text().replace("  namespace: inference\n", "  namespace: inference\n" + SKIPS, 1))
    head = commit(workspace, "llama-70b, errors suppressed")
    github.changed_files = [FAILING]
    github.permissions = {"maintainer": "write", "Codertocat": "write"}
    github.pin(3, head=head, base=base, user="Codertocat")
    proc, out = action(workspace, github, "pull_request", pr(3, base, head))
    assert not github.invalid, github.invalid
    assert proc.returncode == 1 and out["result"] == "fail" and check_on(github, head)["conclusion"] == "failure"
    body = github.comments[max(github.comments)]["body"]
    lines = body.split("\n")
    gate_at = next(i for i, ln in enumerate(lines) if ln.startswith("### ⚠️ This pull request changes the gate itself"))
    assert gate_at < 8 and "it adds 5 suppression(s)" in body and "suppression-unapproved" in body
    mine = github.comments[max(github.comments)]
    # the PR's author may not approve their own suppressions; a maintainer does, and the check turns green
    proc, _ = action(workspace, github, "issue_comment", box_tick(github, mine, "gate-suppressions", "Codertocat") | {"issue": {**edit_event(mine, "", "x")["issue"], "number": 3}})
    assert not github.invalid, github.invalid
    assert check_on(github, head)["conclusion"] == "failure" and "cannot attest" in mine["body"]
    event = box_tick(github, mine, "gate-suppressions", "maintainer")
    event["issue"]["number"] = 3
    proc, _ = action(workspace, github, "issue_comment", event)
    assert not github.invalid, github.invalid
    run = check_on(github, head)
    assert run["conclusion"] == "success" and "approved by @maintainer" in run["output"]["title"]
    # the next run of the same head keeps the approval: green, and says who approved
    proc, out = action(workspace, github, "pull_request", pr(3, base, head))
    assert out["result"] == "pass" and check_on(github, head)["conclusion"] == "success"
    assert "approved by @maintainer" in mine["body"]


# 6. Attestations.

def attest_items(body: str) -> list[str]:
    import re

    return re.findall(r"^- \[ \] .*?<!-- modelready:attest:([a-z0-9-]+) -->", body, re.M)


def test_attestations_are_reconciled_from_stored_state_never_by_the_author_and_lost_when_the_deployment_changes(workspace, github):
    from modelready.publish.attest import attested

    without_failing(workspace)
    git(workspace, "init", "-q", "-b", "main")
    base = commit(workspace, "base")
    put_failing(workspace)
    head = commit(workspace, "add llama-70b")
    github.changed_files = [FAILING]
    github.permissions = {"alice": "write", "bob": "maintain", "Codertocat": "admin"}
    github.pin(2, head=head, base=base, user="Codertocat")
    action(workspace, github, "pull_request", pr(2, base, head), require_attestations="true")
    (comment,) = github.comments.values()
    first, second, third = attest_items(comment["body"])[:3]
    # alice and bob tick a box each, quickly: both events arrive after both edits
    e1 = box_tick(github, comment, first, "alice")
    e2 = box_tick(github, comment, second, "bob")
    for event in (e1, e2):
        proc, _ = action(workspace, github, "issue_comment", event)
        assert not github.invalid, github.invalid
    got = attested(comment["body"])
    assert got[first].startswith("attested by @alice") and got[second].startswith("attested by @bob"), got
    # the PR's author (an admin) may not attest their own pull request
    proc, _ = action(workspace, github, "issue_comment", box_tick(github, comment, third, "Codertocat"))
    assert third not in attested(comment["body"]) and "cannot attest" in comment["body"]
    assert check_on(github, head, "modelready / attestations")["output"]["title"].startswith("2 of ")
    # a forged record typed into the comment by a writer is not stored state: the next run does not carry it
    comment["body"] = comment["body"].replace(f"<!-- modelready:attest:{third} -->", f"<!-- modelready:attest:{third} --> <sub>attested by @alice on 2026-11-20T10:00:00Z</sub>")
    # a push that leaves the deployment alone keeps the attestations; one that changes it loses them
    (workspace / "README.md").write_text("# docs\n")
    docs = commit(workspace, "docs")
    github.pin(2, head=docs)
    ev = pr(2, base, docs)
    ev["before"] = head
    github.changed_files = [FAILING, "README.md"]
    action(workspace, github, "pull_request", ev, require_attestations="true")
    assert set(attested(comment["body"])) == {first, second}
    (workspace / FAILING).write_text((workspace / FAILING).read_text().replace("replicas: 2", "replicas: 3"))
    bumped = commit(workspace, "three replicas")
    github.pin(2, head=bumped)
    ev = pr(2, base, bumped)
    ev["before"] = docs
    action(workspace, github, "pull_request", ev, require_attestations="true")
    assert attested(comment["body"]) == {} and "Attestations dropped" in comment["body"]


# 8. One headline: the checklist, the smoke table, the summary and the check run agree with it.

def test_the_comment_check_run_and_summary_agree_with_one_headline(workspace, github):
    git(workspace, "init", "-q", "-b", "main")
    base = commit(workspace, "base")
    path = workspace / FAILING
    path.write_text("# owner: platform-inference\n" + path.read_text())  # only a comment: the errors are pre-existing
    hostile = "manifests/llama-\u202eyaml.70b.yaml"  # a right-to-left override in a file name
    shutil.copy(path, workspace / hostile)
    (workspace / hostile).write_text((workspace / hostile).read_text().replace("name: llama-70b", "name: llama-rtl"))
    head = commit(workspace, "comment; a copy")
    github.changed_files = [FAILING, hostile]
    proc, out = action(workspace, github, "pull_request", pr(2, base, head))
    assert not github.invalid, github.invalid
    (comment,) = github.comments.values()
    body, run = comment["body"], check_on(github, head)
    headline = body.splitlines()[1]
    # the copy's errors are new, the original's pre-existing: red, and no pre-existing error reads as ❌ blocking
    assert headline.startswith("## ❌") and run["conclusion"] == "failure"
    assert "\u202e" not in body and "\u202e" not in run["output"]["summary"] and "<U+202E>" in body
    assert all("\u202e" not in (a or "") for a in [run["output"]["title"]])
    # boxes are for the comment: the check run's summary has none that cannot be ticked there
    assert "- [ ]" not in run["output"]["summary"] and "- ☐ " in run["output"]["summary"]
    # an audit of the repository is not a pull request
    audit = json.loads((WEBHOOKS / "workflow_dispatch" / "payload.json").read_text())
    proc, out = action(workspace, github, "workflow_dispatch", audit)
    first = out["summary"].splitlines()[1]
    assert first.startswith("## ❌") and "this pull request" not in first and "in this repository" in first


def test_pre_existing_errors_do_not_show_as_failed_items_under_a_green_headline_and_a_failed_smoke_run_is_red(workspace, github):
    git(workspace, "init", "-q", "-b", "main")
    base = commit(workspace, "base")
    path = workspace / FAILING
    path.write_text("# owner: platform-inference\n" + path.read_text())
    head = commit(workspace, "comment")
    github.changed_files = [FAILING]
    github.pin(2, head=head, base=base)
    proc, out = action(workspace, github, "pull_request", pr(2, base, head))
    (comment,) = github.comments.values()
    lines = comment["body"].splitlines()
    assert lines[1].startswith("## ✅")
    checklist = [ln for ln in lines if "❌" in ln and not ln.startswith("<sub>🔴")]
    assert checklist == [], checklist  # a ❌ item would contradict the green headline
    # the smoke report of the head: its table fails, and so does the headline above it
    results = workspace / "smoke-results"
    results.mkdir()
    shutil.copy(REPO / "tests" / "fixtures" / "smoke" / "transformers-serve-cpu.json", results / "smoke-0.json")
    dispatch = json.loads((WEBHOOKS / "workflow_dispatch" / "payload.json").read_text())
    dispatch["inputs"] = {"pr": "2", "sha": head}
    proc, _ = action(workspace, github, "workflow_dispatch", dispatch, smoke_result="smoke-results/*.json")
    assert not github.invalid, github.invalid
    body = comment["body"]
    assert "| command-line | ❌ fail |" in body and body.splitlines()[1].startswith("## ❌"), body.splitlines()[1]


def test_a_new_values_file_no_values_set_names_is_said_not_shown_as_checked(workspace, github):
    chart = workspace / "charts" / "vllm-llama"
    (workspace / ".modelready.yaml").write_text("charts:\n  charts/vllm-llama:\n    values: [[values.yaml]]\n")
    git(workspace, "init", "-q", "-b", "main")
    base = commit(workspace, "base")
    (chart / "values-prod.yaml").write_text("replicaCount: 3\n")
    head = commit(workspace, "prod values")
    github.changed_files = ["charts/vllm-llama/values-prod.yaml"]
    proc, out = action(workspace, github, "pull_request", pr(2, base, head))
    assert not github.invalid, github.invalid
    (comment,) = github.comments.values()
    assert "Not analysed: charts/vllm-llama/values-prod.yaml is in no values set" in comment["body"].replace("\\", "")


# 3 and 9. A manifest as JSON, or as UTF-16 text with its byte order mark (PowerShell's `>`), is what kubectl
# applies: a pull request that changes one is judged as the YAML would be, never a neutral check.

def _judged(workspace, github, number: int, base: str, name: str, data: bytes) -> tuple[set, dict]:
    git(workspace, "checkout", "-q", "-b", f"pr-{number}", base)
    (workspace / name).parent.mkdir(parents=True, exist_ok=True)
    (workspace / name).write_bytes(data)
    head = commit(workspace, f"add {name}")
    github.changed_files = [name]
    proc, out = action(workspace, github, "pull_request", pr(number, base, head))
    assert not github.invalid, github.invalid
    report = json.loads((workspace / "modelready-report.json").read_text())
    found = {(f["check"], f["severity"]) for f in report["findings"] if f.get("baseline") == "new" and f["file"] == name}
    return found, {"code": proc.returncode, "conclusion": check_on(github, head)["conclusion"], "head": head, **out}


def test_a_json_manifest_and_a_utf16_one_are_judged_as_the_yaml_and_their_baseline_holds(workspace, github):
    text = (REPO / "examples" / FAILING).read_text()
    without_failing(workspace)
    git(workspace, "init", "-q", "-b", "main")
    (workspace / ".git" / "info" / "exclude").write_text("modelready-report.json\nmodelready.sarif\n")  # what a run leaves
    base = commit(workspace, "base")
    as_yaml, y = _judged(workspace, github, 2, base, FAILING, text.encode())
    assert y["conclusion"] == "failure" and y["code"] == 1 and ("image-tag-mutable", "error") in as_yaml
    as_list = {"apiVersion": "v1", "kind": "List", "items": list(yaml.safe_load_all(text))}  # as `kubectl get -o json` writes it
    as_json, j = _judged(workspace, github, 3, base, "manifests/llama-70b.json", json.dumps(as_list, indent=2).encode())
    assert (j["conclusion"], j["code"], as_json) == ("failure", 1, as_yaml)
    utf16 = "manifests/llama-70b-utf16.yaml"
    as_utf16, u = _judged(workspace, github, 4, base, utf16, text.encode("utf-16"))  # with its byte order mark
    assert (u["conclusion"], u["code"], as_utf16) == ("failure", 1, as_yaml)
    # the UTF-16 manifest merged; the next PR touches it again (one more replica): its errors are pre-existing
    git(workspace, "checkout", "-q", "-b", "pr-5", u["head"])
    (workspace / utf16).write_bytes(text.replace("replicas: 2", "replicas: 3").encode("utf-16"))
    head = commit(workspace, "three replicas")
    proc, out = action(workspace, github, "pull_request", pr(5, u["head"], head))
    assert not github.invalid, github.invalid
    report = json.loads((workspace / "modelready-report.json").read_text())
    mine = [f for f in report["findings"] if f["file"] == utf16]
    assert mine and all(f["baseline"] == "pre-existing" for f in mine if f["severity"] == "error"), mine
    assert out["result"] == "pass" and check_on(github, head)["conclusion"] == "success"


def test_an_approval_re_concludes_the_strictest_over_every_open_pull_request_of_the_head(workspace, github):
    without_failing(workspace)
    git(workspace, "init", "-q", "-b", "main")
    base = commit(workspace, "base")
    git(workspace, "branch", "release")  # a second base, the same commit: the same head is a PR into each
    put_failing(workspace)
    path = workspace / FAILING
    path.write_text(path.read_text().replace("  namespace: inference\n", "  namespace: inference\n" + SKIPS, 1))
    head = commit(workspace, "llama-70b, errors suppressed")
    github.changed_files = [FAILING]
    github.permissions = {"maintainer": "write"}
    github.pin(3, head=head, base=base, base_ref="master", label=HEAD_LABEL)
    github.pin(4, head=head, base=base, base_ref="release", label=HEAD_LABEL)
    for number, ref in ((3, "master"), (4, "release")):
        proc, out = action(workspace, github, "pull_request", pr(number, base, head, ref))
        assert not github.invalid, github.invalid
        assert out["result"] == "fail" and check_on(github, head)["conclusion"] == "failure"
    comments = {int(c["issue_url"].rsplit("/", 1)[1]): c for c in github.comments.values()}
    assert set(comments) == {3, 4}, comments.keys()

    def approve(number: int) -> dict:
        event = box_tick(github, comments[number], "gate-suppressions", "maintainer")
        event["issue"]["number"] = number
        proc, _ = action(workspace, github, "issue_comment", event)
        assert not github.invalid, github.invalid
        return check_on(github, head)

    # approved in #3 alone: #4 still waits for its own approval, so the head's required check stays red
    run = approve(3)
    assert run["conclusion"] == "failure", run["output"]["title"]
    assert "pull request #4 into release: failure" in run["output"]["summary"]
    # approved in #4 too: every open pull request of the head passes
    run = approve(4)
    assert run["conclusion"] == "success" and "pull request #3 into master: success" in run["output"]["summary"], run["output"]


def test_an_attestation_names_the_deployments_it_covers_and_a_change_to_one_drops_it_there_only(workspace, github):
    from modelready.publish.attest import attested

    without_failing(workspace)
    git(workspace, "init", "-q", "-b", "main")
    base = commit(workspace, "base")
    put_failing(workspace)
    canary = "manifests/llama-canary.yaml"
    (workspace / canary).write_text((workspace / FAILING).read_text().replace("llama-70b", "llama-canary"))
    head = commit(workspace, "llama-70b and its canary")
    github.changed_files = [FAILING, canary]
    github.permissions = {"alice": "write", "bob": "write"}
    github.pin(2, head=head, base=base, user="Codertocat")
    action(workspace, github, "pull_request", pr(2, base, head), require_attestations="true")
    (comment,) = github.comments.values()
    first, second = attest_items(comment["body"])[:2]
    total = len(attest_items(comment["body"]))
    for item, login in ((first, "alice"), (second, "bob")):
        proc, _ = action(workspace, github, "issue_comment", box_tick(github, comment, item, login))
        assert not github.invalid, github.invalid
    assert set(attested(comment["body"])) == {first, second}

    def push(path: str, old: str, new: str, before: str) -> str:
        (workspace / path).write_text((workspace / path).read_text().replace(old, new, 1))
        sha = commit(workspace, f"{path}: {new}")
        github.pin(2, head=sha)
        ev = pr(2, base, sha)
        ev["before"] = before
        action(workspace, github, "pull_request", ev, require_attestations="true")
        assert not github.invalid, github.invalid
        return sha

    # the canary changes: both attestations still hold for llama-70b, which did not; the canary awaits a person
    bumped = push(canary, "replicas: 2", "replicas: 3", head)
    assert attested(comment["body"]) == {}
    line = next(ln for ln in comment["body"].splitlines() if f"modelready:attest:{first} -->" in ln).replace("\u200b", "")
    assert line.startswith("- [ ] ") and "attested by @alice" in line and "llama-70b@manifests/llama-70b.yaml only" in line, line
    assert "llama-canary@manifests/llama-canary.yaml changed since" in line, line
    assert "Attestations dropped" not in comment["body"]
    assert check_on(github, bumped, "modelready / attestations")["output"]["title"].startswith(f"0 of {total}")
    # alice attests again: now for both deployments as they read
    proc, _ = action(workspace, github, "issue_comment", box_tick(github, comment, first, "alice"))
    assert set(attested(comment["body"])) == {first}
    # llama-70b changes: the attestation made for both drops there; bob's, made before the canary changed, covers nothing now
    push(FAILING, "replicas: 2", "replicas: 4", bumped)
    assert attested(comment["body"]) == {}
    line = next(ln for ln in comment["body"].splitlines() if f"modelready:attest:{first} -->" in ln).replace("\u200b", "")
    assert "llama-canary@manifests/llama-canary.yaml only" in line and "llama-70b@manifests/llama-70b.yaml changed since" in line, line
    assert f"Attestations dropped, every deployment they covered changed since: {second}" in comment["body"].replace("\\", "")


# 5. Stale writes: a run GitHub's concurrency cancels (`cancel-in-progress`), and a tick whose run it drops.

def test_a_run_cancelled_half_way_leaves_no_check_in_progress_and_the_next_run_judges_the_head(workspace, tmp_path):
    import re
    import signal
    import subprocess
    import sys

    from pytest_httpserver import HTTPServer

    from .github_server import FakeGitHub
    from .test_github_action import runner_env

    without_failing(workspace)
    git(workspace, "init", "-q", "-b", "main")
    base = commit(workspace, "base")
    put_failing(workspace)
    head = commit(workspace, "add llama-70b")
    server = HTTPServer(threaded=True)  # the cancelled run's last write is served while its held request waits
    server.start()
    try:
        # the run is held where it reads the pull request again, after judging: GitHub cancels it there
        github = FakeGitHub(base=server.url_for("").rstrip("/"), changed_files=[FAILING], hold=r"GET /repos/[^/]+/[^/]+/pulls/2")
        server.expect_request(re.compile(".*")).respond_with_handler(github.handle)
        github.pin(2, head=head, base=base, label=HEAD_LABEL)
        env, files = runner_env(workspace, github, "pull_request", pr(2, base, head))
        proc = subprocess.Popen([sys.executable, "-m", "modelready.cli", "github"], env=env, cwd=workspace, stdout=subprocess.PIPE, text=True)
        assert github.reached.wait(timeout=180), "the run never read the pull request"
        proc.send_signal(signal.SIGINT)  # what the runner sends the step's process when the run is cancelled
        out, _ = proc.communicate(timeout=60)
        github.release.set()
        assert proc.returncode == 130 and not github.invalid, (out[-2000:], github.invalid)
        run = check_on(github, head)
        assert (run["status"], run["conclusion"]) == ("completed", "cancelled"), run  # not left in progress
        assert "judges its head" in run["output"]["title"] and not github.comments
        # the run that replaced it is an `edited` one (the title) for the same head: it judges the head, as a push would
        titled = pr(2, base, head, name="opened")
        titled.update(action="edited", changes={"title": {"from": "WIP"}})
        proc, out = action(workspace, github, "pull_request", titled)
        assert not github.invalid, github.invalid
        assert "the head's check is cancelled" in proc.stdout and "judged now" in proc.stdout, proc.stdout[-2000:]
        assert proc.returncode == 1 and check_on(github, head)["conclusion"] == "failure" and len(github.comments) == 1
        # its check holds the verdict now: the next title edit ends at once
        runs = len(github.check_runs)
        proc, _ = action(workspace, github, "pull_request", titled)
        assert "nothing to do" in proc.stdout and len(github.check_runs) == runs
        # a run cancelled before it created its check: the head has none, and the next run of the group judges it
        (workspace / "README.md").write_text("# platform\n")
        pushed = commit(workspace, "docs")
        github.pin(2, head=pushed)
        proc, _ = action(workspace, github, "pull_request", {**titled, "pull_request": {**titled["pull_request"], "head": {**titled["pull_request"]["head"], "sha": pushed}}})
        assert "the head has no modelready check" in proc.stdout and check_on(github, pushed)["conclusion"] == "failure"
    finally:
        github.release.set()
        server.stop()


def test_a_tick_whose_run_the_concurrency_group_dropped_is_not_shown_as_attested(workspace, github):
    from modelready.publish.attest import attested

    without_failing(workspace)
    git(workspace, "init", "-q", "-b", "main")
    base = commit(workspace, "base")
    put_failing(workspace)
    head = commit(workspace, "add llama-70b")
    github.changed_files = [FAILING]
    github.permissions = {"alice": "write", "bob": "write", "carol": "write"}
    github.pin(2, head=head, base=base, user="Codertocat")
    action(workspace, github, "pull_request", pr(2, base, head), require_attestations="true")
    (comment,) = github.comments.values()
    first, second, third = attest_items(comment["body"])[:3]
    # three ticks in quick succession; modelready-attest.yml runs one at a time per pull request, and GitHub
    # replaces a pending run by the next one: bob's run never happens
    e1, _dropped, e3 = (box_tick(github, comment, item, login) for item, login in ((first, "alice"), (second, "bob"), (third, "carol")))
    for event in (e1, e3):
        proc, _ = action(workspace, github, "issue_comment", event)
        assert not github.invalid, github.invalid
    got = attested(comment["body"])
    assert set(got) == {first, third}, got
    line = next(ln for ln in comment["body"].splitlines() if f"modelready:attest:{second} -->" in ln)
    assert line.startswith("- [ ] ") and "tick not recorded" in line, line  # the box agrees with the check
    assert check_on(github, head, "modelready / attestations")["output"]["title"].startswith("2 of ")
    # bob ticks again: recorded
    proc, _ = action(workspace, github, "issue_comment", box_tick(github, comment, second, "bob"))
    assert set(attested(comment["body"])) == {first, second, third}
    assert check_on(github, head, "modelready / attestations")["output"]["title"].startswith("3 of ")


def test_a_deployment_vllm_cannot_start_reads_as_failed_in_the_checklist_not_as_a_matching_gpu(workspace, github):
    without_failing(workspace)
    git(workspace, "init", "-q", "-b", "main")
    base = commit(workspace, "base")
    # Llama 3.1 70B in bfloat16 on one A100-80GB (the check's own failing case): vLLM will not start
    shutil.copy(REPO / "tests" / "checks" / "gpu-memory-insufficient" / "fail2.yaml", workspace / "manifests" / "llama-70b-a100.yaml")
    head = commit(workspace, "llama-70b on one A100")
    github.changed_files = ["manifests/llama-70b-a100.yaml"]
    proc, out = action(workspace, github, "pull_request", pr(2, base, head))
    assert not github.invalid, github.invalid
    (comment,) = github.comments.values()
    body = comment["body"]
    assert body.splitlines()[1].startswith("## ❌") and "gpu-memory-insufficient" in body
    gpu = [ln for ln in body.splitlines() if "GPU type is pinned by node selection and matches the model" in ln]
    memory = [ln for ln in body.splitlines() if "GPU memory fits weights plus KV cache" in ln]
    assert gpu and memory and all(ln.startswith("- ❌") for ln in gpu + memory), (gpu, memory)


def test_one_error_in_a_chart_counts_once_however_many_values_sets_render_it(workspace, github):
    chart = workspace / "charts" / "vllm-llama"
    (chart / "values-eu.yaml").write_text("replicaCount: 3\n")
    (workspace / ".modelready.yaml").write_text("charts:\n  charts/vllm-llama:\n    values: [[values.yaml], [values.yaml, values-eu.yaml], "
                                                "[values.yaml, ci/high-concurrency-values.yaml]]\n")
    git(workspace, "init", "-q", "-b", "main")
    base = commit(workspace, "base")
    template = chart / "templates" / "deployment.yaml"
    template.write_text(template.read_text().replace('            - --port\n', '            - --max-model-length\n            - "4096"\n            - --port\n', 1))
    head = commit(workspace, "a flag vLLM does not have")
    github.changed_files = ["charts/vllm-llama/templates/deployment.yaml"]
    proc, out = action(workspace, github, "pull_request", pr(2, base, head))
    assert not github.invalid, github.invalid
    report = json.loads((workspace / "modelready-report.json").read_text())
    rendered = [f for f in report["findings"] if f["check"] == "engine-flag-unknown" and f.get("baseline") == "new"]
    (one,) = rendered  # one finding, naming each values set that renders it
    assert all(s in one["message"] for s in ("values.yaml+values-eu.yaml", "values.yaml+ci/high-concurrency-values.yaml")), one["message"]
    (comment,) = github.comments.values()
    assert comment["body"].splitlines()[1] == "## ❌ modelready: 1 new error blocks this pull request", comment["body"].splitlines()[1]
    assert out["result"] == "fail" and check_on(github, head)["conclusion"] == "failure"


def test_a_tick_during_a_run_is_kept_by_that_run(workspace, tmp_path):
    import re
    import subprocess
    import sys

    from pytest_httpserver import HTTPServer

    from modelready.publish.attest import attested

    from .github_server import FakeGitHub
    from .test_github_action import runner_env

    without_failing(workspace)
    git(workspace, "init", "-q", "-b", "main")
    base = commit(workspace, "base")
    put_failing(workspace)
    head = commit(workspace, "add llama-70b")
    server = HTTPServer(threaded=True)
    server.start()
    try:
        github = FakeGitHub(base=server.url_for("").rstrip("/"), changed_files=[FAILING], permissions={"alice": "write"})
        server.expect_request(re.compile(".*")).respond_with_handler(github.handle)
        github.pin(2, head=head, base=base, user="Codertocat")
        action(workspace, github, "pull_request", pr(2, base, head))
        (comment,) = github.comments.values()
        item = attest_items(comment["body"])[0]
        # a re-run (now requiring attestations) is held as it writes the comment; alice ticks meanwhile, and her run records it
        github.hold = r"PATCH /repos/[^/]+/[^/]+/issues/comments/\d+"
        env, files = runner_env(workspace, github, "pull_request", pr(2, base, head), require_attestations="true")
        proc = subprocess.Popen([sys.executable, "-m", "modelready.cli", "github"], env=env, cwd=workspace, stdout=subprocess.PIPE, text=True)
        assert github.reached.wait(timeout=180), "the re-run never wrote the comment"
        done, _ = action(workspace, github, "issue_comment", box_tick(github, comment, item, "alice"))
        assert item in attested(comment["body"]), done.stdout[-1500:]
        github.release.set()
        out, _ = proc.communicate(timeout=180)
        assert proc.returncode == 1 and not github.invalid, (out[-2000:], github.invalid)
        # the re-run wrote last, from what it read before the tick: the tick is kept, in the comment and the stored state
        assert item in attested(comment["body"]), comment["body"][-3000:]
        proc, _ = action(workspace, github, "pull_request", pr(2, base, head), require_attestations="true")
        assert item in attested(comment["body"]) and check_on(github, head, "modelready / attestations")["output"]["title"].startswith("1 of ")
    finally:
        github.release.set()
        server.stop()
