"""A pull request's run (or a merge group's), top to bottom: inputs → changed files → judge(head) →
judge(base) → compare → publish. Only what the change introduced fails by default (gate `new`, against its
base commit, checked the same way in a temporary worktree: baseline.py); the config is the base commit's
(configs.py). The verdict comes from these files and nothing else.

A fork's own run has a read-only token: it writes nothing, and modelready-publish.yml's `workflow_run`
reports for it (`from_workflow_run`), recomputing the verdict from the PR's head checked out as data."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..discover import read_text_inside
from ..publish.gate import Gate
from ..publish.runner import Runner
from ..report import verdict
from ..report.document import Report
from ..report.inert import text
from ..publish import attest
from . import baseline, configs, coverage, gatefiles, git, publishing, scope
from .inputs import Inputs
from .judge import Judge


@dataclass(frozen=True)
class PullRequest:
    """The change judged: a pull request (`number`) or a merge group (no number), its commits and the
    checkout holding its head. `fork`: its code must never reach a GPU runner."""

    number: int | None
    base: str
    head: str
    root: Path
    head_ref: str = ""
    fork: bool = False

    @classmethod
    def of_event(cls, r: Runner) -> "PullRequest | None":
        pr, group = r.event.get("pull_request"), r.event.get("merge_group")
        if r.event_name == "pull_request" and pr is not None:
            return cls(int(pr["number"]), (pr.get("base") or {}).get("sha") or "", r.sha, r.workspace.resolve(),
                       (pr.get("head") or {}).get("ref", ""), r.from_fork)
        if r.event_name == "merge_group" and group is not None:
            return cls(None, group.get("base_sha") or "", r.sha, r.workspace.resolve())
        return None


@dataclass(frozen=True)
class Base:
    """What the head is compared with: the base's fingerprints, or why there are none; the base's report
    when there is one (its deployments' costs: what the change adds to the GPU bill)."""

    fingerprints: list[str] | None
    source: str
    doc: Report | None = None  # the base's report (what it suppressed), when checked
    note: str = ""  # what the comment says of it (a baseline file the pull request changes)


def run(r: Runner, inputs: Inputs, gate: Gate, publisher: Any, pr: PullRequest) -> int:
    inputs = inputs.checked()
    chosen = configs.for_change(pr.root, inputs.config, inputs.config_from, pr.base, publisher)
    judge = Judge.for_action(inputs, chosen.applied)
    changes = changed_files(publisher, pr, chosen.source)
    # a change to the gate itself (workflows, action.yml, the config) is reported as a change to deployments is
    touched = (changes.files is None or scope.of_change(pr.root, changes.files, judge.config).touches_deployments
               or gatefiles.touches(pr.root, pr.base, changes.files))
    changed = None if inputs.gate == "all" else changes.files  # gate all: the whole repository is judged
    result, doc = judge.tree(pr.root, changed)
    seen = set(judge.linked)
    base = judge_base(inputs, pr, judge, changed, touched)
    if judge.linked - seen:  # the base links a deployment to an object the PR removed: the head judges it too
        result, doc = judge.tree(pr.root, changed)
    doc = verdict.decide(compare(doc, base), inputs.gate)
    view = publishing.view_of(r, inputs, gate, publisher, pr.number)
    top, record, ticks = "", dict[str, Any](), dict[str, str]()
    notes = configs.section(configs.switched_off(chosen.base, chosen.own, doc, changes.files), chosen.own_applied)
    notes += base.note + f"\n<sub>Changed files: {text(changes.source)}. Config: {text(chosen.source)}.</sub>\n"
    if changes.files is not None:
        top, record, ticks, more, doc = review(pr, changes.files, judge, base, chosen, view, inputs.gate, doc, result)
        notes += more
    publish(r, inputs, gate, publisher, pr, doc, touched, notes, view=view, record=record, ticks=ticks, top=top)
    if touched and view is not None and view.current:
        dispatch_smoke(publisher, inputs, pr, result, (r.event.get("repository") or {}).get("default_branch") or "")
    return 1 if touched and verdict.of(doc).fails else 0


def review(pr: PullRequest, files: list[str], judge: Judge, base: Base, chosen: Any, view: Any, mode: str,
           doc: Report, result: Any) -> tuple[str, dict[str, Any], dict[str, str], str, Report]:
    """What the change does to the gate itself (gatefiles.review: the suppressions it adds blocked in the report)
    and to the attestations made before, per deployment; (top section, record, ticks, notes, the report)."""
    notes = "".join(f"\n⚠️ Not analysed: {text(f)} is in no values set `.modelready.yaml` names for its chart, so it was "
                    "never rendered; add it to `charts.<chart>.values` to check it.\n" for f in scope.unrendered(pr.root, files, judge.config))
    top, record, doc = gatefiles.review(pr.root, pr.base, files, doc, base.doc, chosen.base, chosen.own, view, mode)
    record["deployments"] = coverage.subjects(result, pr.root, scope.of_change(pr.root, files, judge.config).deployment_files)
    ticks: dict[str, str] = {}
    if view is not None:
        ticks, dropped, doc = attestations(view, record, doc)
        if dropped:
            notes += f"\n<sub>Attestations dropped, every deployment they covered changed since: {text(', '.join(dropped))}.</sub>\n"
    return top, record, ticks, notes, doc


def attestations(view: Any, record: dict[str, Any], doc: Report) -> tuple[dict[str, str], list[str], Report]:
    """The attestations stored for this PR that still hold, per deployment (app.coverage): those covering
    every deployment in scope pass their item, those covering some say for which; (ticks, items dropped, the report)."""
    record["attested"], ticks, partial, dropped = view.attestations(record["deployments"])
    return ticks, dropped, attest.apply(doc, ticks, partial)


def dispatch_smoke(publisher: Any, inputs: Inputs, pr: PullRequest, result: Any, default_branch: str) -> None:
    """Send the PR's serving deployments to the smoke workflow as a matrix (Actions fans them out over GPU
    runners). Only for branches of this repository: a fork's code never reaches a GPU runner. The workflow
    that runs is the default branch's (a PR's own copy would run with HF_TOKEN on the GPU runner); the PR's
    commit travels as data, in the `sha` input. Only with `smoke: dispatch`, for a pull request, never a fork's."""
    if inputs.smoke != "dispatch" or not pr.number or pr.fork:
        return
    from ..smoke.target import plan

    include = plan(result.deployments, gpu_only=False)
    if not include:
        print("modelready: no serving deployment in this pull request: no smoke run")
        return
    if not default_branch:
        print("modelready: the event names no default branch: no smoke run (its workflow must be the default branch's)")
        return
    matrix = json.dumps({"include": include}, separators=(",", ":"))
    publisher.dispatch(inputs.smoke_workflow, default_branch, {"pr": str(pr.number), "sha": pr.head, "matrix": matrix})
    print(f"modelready: smoke run dispatched for {len(include)} deployment(s) of {pr.head[:12]}, with the workflow of {default_branch}")


def changed_files(publisher: Any, pr: PullRequest, config_source: str) -> scope.Changes:
    api = (lambda: publisher.changed_files(pr.number)) if publisher is not None and pr.number else None
    changes = scope.changed(pr.root, pr.base, pr.head, api)
    print(f"modelready: changed files from {changes.source}; config from {config_source}", flush=True)
    return changes


def judge_base(inputs: Inputs, pr: PullRequest, judge: Judge, changed: list[str] | None, touched: bool) -> Base:
    """The base's findings: a baseline file when the input names one, else the base commit checked by the
    same judge in a temporary worktree. Without either every finding counts as new, and says why."""
    try:
        if inputs.baseline:
            return baseline_file(inputs.baseline, pr)
        if not touched:
            return Base(None, "no deployment file touched")
        if not pr.base:
            return Base(None, "the event names no base commit")
        with git.worktree(pr.root, pr.base) as tree:
            _result, base_doc = judge.tree(tree, changed)
            return Base(baseline.fingerprints(base_doc, tree), pr.base[:12], base_doc)
    except baseline.NoBaseline as e:
        print(f"modelready: no baseline: {e}", flush=True)
        return Base(None, str(e))


def baseline_file(name: str, pr: PullRequest) -> Base:
    """The baseline file as the base commit holds it, as the config is read: the pull request's own copy could list
    its new findings as pre-existing and turn the gate green. A change to it is said, and applies once merged."""
    if not pr.base:
        raise baseline.BaselineError(f"the event names no base commit to read {name} from")
    if not git.has_commit(pr.root, pr.base):
        raise git.GitError(f"commit {pr.base} is not in this clone (check out with fetch-depth: 0, or fetch it): {name} is read from it")
    raw = git.show(pr.root, pr.base, name)
    if raw is None:
        raise baseline.BaselineError(f"the base commit {pr.base[:12]} has no {name}")
    source, note = f"{name}@{pr.base[:12]}", ""
    try:
        own: str | None = read_text_inside(pr.root / name, pr.root)  # the checkout's: the head's, confined to it
    except (OSError, UnicodeDecodeError):
        own = None
    if own != raw:
        note = (f"\n⚠️ This pull request changes the baseline file {text(name)}: findings are compared with the base commit's "
                "copy; its own applies once merged.\n")
        print(f"modelready: the pull request changes {text(name)}: compared with the base commit's, as its copy applies once merged", flush=True)
    return Base(baseline.parse(raw, source), source, baseline.report_in(raw), note)


def compare(doc: Report, base: Base) -> Report:
    if base.fingerprints is None:
        doc = baseline.unavailable(doc, base.source)
    else:
        doc = baseline.compare(doc, base.fingerprints, base.source)
    if base.doc is not None:  # the comment's first lines say what the change adds to the GPU bill, when it does
        from ..report import cost

        doc = replace(doc, cost_diff=cost.diff(doc, base.doc, base.source))
    return doc


def publish(r: Runner, inputs: Inputs, gate: Gate, publisher: Any, pr: PullRequest, doc: Report, touched: bool, notes: str,
            view: Any = None, record: dict[str, Any] | None = None, ticks: dict[str, str] | None = None, top: str = "") -> None:
    """The comment (best effort), the files, summary, outputs and log, then the check run completed (annotations
    on the changed lines) and, with require-attestations, the attestations check. `view` (ledger.View): the
    pull request read again; when this commit is no longer its head, only this commit's check run is written."""
    existing = view.comment if view is not None else None
    doc = attest.apply(doc, ticks or {})  # the report file, the summary and the attestations check say them too
    body = publishing.comment(r, inputs, doc, existing, notes=notes, ticks=ticks, top=top)
    if pr.number:  # what modelready-publish.yml reads for a fork: which PR; a hint it checks, never a verdict
        doc = replace(doc, github={"pull_request": pr.number, "head_sha": r.sha})
    publishing.record(r, inputs, pr.root, doc, publishing.summary(r, inputs, doc, existing, notes, ticks, top) if touched else None)
    lines = annotated_lines(inputs.annotations, publisher, pr)
    if view is not None and not view.current:
        gate.say(f"pull request #{pr.number}'s head is now {view.head[:12]}, not {r.sha[:12]}: only this commit's check run is written")
        publishing.conclude(r, inputs, gate, doc, body, touched, existing, lines)
        return
    written = publishing.post_comment(r, inputs, gate, publisher, pr.number, body, touched, existing) if view is not None else None
    late = late_ticks(gate, publisher, inputs.check_name, pr.number, r.sha, record) if view is not None and record else {}
    if late:  # ticked while this run wrote: recorded by their own runs, so kept here and shown
        body = publishing.comment(r, inputs, doc, written, notes=notes, ticks={**(ticks or {}), **late}, top=top)
        written = publishing.post_comment(r, inputs, gate, publisher, pr.number, body, touched, written)
    publishing.conclude(r, inputs, gate, doc, body, touched, existing, lines, view, getattr(written, "id", None), record)
    if touched:
        attestations_check(publisher, inputs, pr, r.sha, doc)


def attestations_check(publisher: Any, inputs: Inputs, pr: PullRequest, sha: str, doc: Report) -> None:
    """With require-attestations: the `<check> / attestations` check, from the items the report holds attested."""
    if publisher is None or pr.number is None or not inputs.require_attestations:
        return
    from ..report.comment import state_of
    from .attestation import attestations

    st = state_of(doc, True)
    attestations(publisher, inputs.check_name, sha, st["attested"], st["attest"], True,
                 "Tick the boxes in the pull request's modelready comment (people with write access).")


def late_ticks(gate: Gate, publisher: Any, name: str, number: int | None, sha: str, record: dict[str, Any]) -> dict[str, str]:
    """Attestations recorded on this commit after this run read the pull request (a tick during the run: its
    own run stored it in `<name> / attestations`). This run's check is written last and its entry is the newest,
    so they are merged into `record`, never lost; item -> 'attested by ...' for those holding everywhere."""
    from . import ledger

    try:
        fresh = (ledger.merged(publisher, name, sha)["prs"].get(str(number)) or {}).get("attested") or {}
    except Exception as e:  # noqa: BLE001 - the check is written either way
        publishing.best_effort(gate, e, "attestations made during this run could not be read again")
        return {}
    mine = record.get("attested") or {}
    newer = {k: v for k, v in fresh.items() if isinstance(v, dict) and str(v.get("at", "")) > str((mine.get(k) or {}).get("at", ""))}
    kept, full, _partial = attest.holding(newer, record.get("deployments") or {})
    record["attested"] = {**mine, **kept}
    return full


def annotated_lines(where: str, publisher: Any, pr: PullRequest) -> dict[str, set[int]] | None:
    """Where annotations may go: the lines the change touched (`changed`), nowhere (`off`), anywhere (`all`: None)."""
    if where == "all":
        return None
    return changed_lines(publisher, pr) if where == "changed" else {}


def changed_lines(publisher: Any, pr: PullRequest) -> dict[str, set[int]] | None:
    """Lines the PR added or changed: from git when the clone has both commits, else from the API's patches;
    None (every line) when neither can say."""
    lines = git.changed_lines(pr.root, pr.base, pr.head) if pr.base else None
    if lines is not None:
        return lines
    if publisher is None or pr.number is None:
        return None
    if publisher.patches is None:
        try:
            publisher.changed_files(pr.number)
        except Exception:  # noqa: BLE001 - annotations are decoration: every line then
            return None
    lines = {}
    for name, patch in (publisher.patches or {}).items():
        lines.update(git.parse_patch(patch or "", name))
    return lines


def from_workflow_run(r: Runner, inputs: Inputs) -> int:
    """workflow_run, for a pull request whose own run had a read-only token (a fork). The trusted workflow
    checked the PR head out as data at `pr-path`; the verdict is recomputed here from those files. The
    artifact only says which pull request it was: that PR's head must be the commit of the run."""
    event = r.event.get("workflow_run") or {}
    if r.event.get("action") != "completed" or event.get("event") != "pull_request" or not r.token:
        print("modelready: not a completed pull_request run, or no token: nothing to do")
        return 0
    publisher = publishing.publisher_of(r)
    r.sha = event.get("head_sha", "")
    gate = Gate(publisher, inputs.check_name, r.sha)
    gate.start()
    return publishing.guarded(r, gate, lambda: _fork(r, inputs, gate, publisher, int(event["id"])))


def _fork(r: Runner, inputs: Inputs, gate: Gate, publisher: Any, run_id: int) -> int:
    raw = publisher.download_report(run_id, inputs.artifact_name, inputs.report_path)
    if raw is None:
        return publishing.refuse(r, gate, "the pull request's run left no modelready-report artifact, so which pull request it was is unknown: re-run that workflow")
    number = claimed_number(raw)
    if number is None:
        return publishing.refuse(r, gate, "the pull request's report artifact is not a modelready report naming a pull request")
    pull = publisher.pull(number)
    if pull.head.sha != r.sha:
        return publishing.refuse(r, gate, f"the report artifact names pull request #{number}, whose head is {pull.head.sha[:12]}, not {r.sha[:12]}")
    pr_root = (r.workspace / inputs.pr_path).resolve()
    if not pr_root.is_dir() or not pr_root.is_relative_to(r.workspace.resolve()):
        return publishing.refuse(r, gate, f"the pull request's head is not checked out at {inputs.pr_path}: the workflow must check it out there as data")
    checked_out = git.head(pr_root)
    if checked_out is not None and checked_out != r.sha:
        return publishing.refuse(r, gate, f"{inputs.pr_path} holds {checked_out[:12]}, not the pull request's head {r.sha[:12]}")
    return run(r, inputs, gate, publisher, PullRequest(number, pull.base.sha, r.sha, pr_root, fork=True))


def claimed_number(raw: bytes) -> int | None:
    try:
        claimed = json.loads(raw).get("github") or {}
        number = claimed.get("pull_request")
    except (ValueError, AttributeError):
        return None
    return number if isinstance(number, int) and not isinstance(number, bool) and number > 0 else None
