"""`modelready github`: what the Action does on each event, given the runner's environment.

pull_request and merge_group: judge the change against its base commit (pull_request.py); a fork's own
run writes nothing and workflow_run (modelready-publish.yml) reports for it. issue_comment: a tick in the
comment's boxes (attestation.py). workflow_dispatch with `smoke-result`: the smoke workflow reporting back
(smoke_report.py). Any other event: an audit of the repository (audit.py).
The job summary, SARIF and outputs are always written; the exit code always reflects the findings.
"""

from __future__ import annotations

from ..publish.gate import Gate
from ..publish.runner import Runner
from . import attestation, audit, publishing, pull_request, smoke_report
from .inputs import Inputs

PR_ACTIONS = {"opened", "synchronize", "reopened", "ready_for_review"}  # and `edited` with a new base


def rebased(event: dict) -> bool:  # type: ignore[type-arg]
    """`edited` with a new base branch: the verdict was against the old base, so it is judged again."""
    return event.get("action") == "edited" and "base" in (event.get("changes") or {})


def cancellable() -> None:
    """GitHub cancels a run (a newer run of its concurrency group with cancel-in-progress, or a person) with
    SIGINT to the step's process, then SIGTERM 7.5 s later. Either raises KeyboardInterrupt, once (the second
    is ignored while the check is completed), so the check this run started is completed as cancelled
    (publishing.guarded), never left in progress."""
    import signal

    def stop(signum: int, frame: object) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def unreported(r: Runner, inputs: Inputs) -> str | None:
    """Why the head's required check does not hold this pull request's verdict against its base (None: it
    does). The shipped workflow runs one run per pull request and cancels the older one: a push, or an
    `edited` event for the same head, cancels a run half-way, and its check is left cancelled, in progress,
    or never created. The next run of the group, whatever its event, then judges the head."""
    from ..publish.gate import cause
    from . import ledger

    number = (r.event.get("pull_request") or {}).get("number")
    if r.from_fork or not r.token or not isinstance(number, int):
        return None  # a fork's run writes nothing: modelready-publish.yml reports for it
    try:
        publisher = publishing.publisher_of(r)
        pull = publisher.pull(number)
        if pull.head.sha != r.sha:
            return None  # a newer head: its own run reports
        latest = publisher.latest_check(r.sha, inputs.check_name)
    except Exception as e:  # noqa: BLE001 - unknown: judged, so the check reports
        return f"the head's check could not be read ({cause(e)})"
    if latest is None:
        return "the head has no modelready check (a run cancelled before it created one)"
    status, conclusion, summary = latest
    if status != "completed" or conclusion == "cancelled":
        return f"the head's check is {conclusion or status} (a cancelled run)"
    entry = ((ledger.read(summary) or {}).get("prs") or {}).get(str(number)) or {}
    if entry.get("base") != pull.base.sha:
        return f"the head's check holds no verdict of pull request #{number} against its base {pull.base.sha[:12]}"
    return None


def run(r: Runner) -> int:
    inputs = Inputs.read(r.inputs)
    cancellable()
    if r.event_name == "issue_comment":
        return attestation.run(r, inputs)
    if r.event_name == "workflow_run":
        return pull_request.from_workflow_run(r, inputs)
    if r.event_name == "workflow_dispatch" and inputs.smoke_result:
        return smoke_report.run(r, inputs)
    if r.event_name == "pull_request" and r.event.get("action") not in PR_ACTIONS and not rebased(r.event):
        why = unreported(r, inputs)
        if why is None:
            print(f"modelready: pull_request {r.event.get('action')}: nothing to do")
            return 0
        print(f"modelready: pull_request {r.event.get('action')}: {why}: judged now", flush=True)
    pr = pull_request.PullRequest.of_event(r)
    # the check run first, then the files decide; a fork's own run has a read-only token: it writes nothing
    publisher = publishing.publisher_of(r) if pr is not None and not pr.fork else None
    gate = Gate(publisher, inputs.check_name, r.sha)
    gate.start()
    if pr is None:
        return publishing.guarded(r, gate, lambda: audit.run(r, inputs))
    code = publishing.guarded(r, gate, lambda: pull_request.run(r, inputs, gate, publisher, pr))
    if pr.fork:
        print("modelready: read-only token (fork pull request): results are in the job summary and SARIF; "
              "modelready-publish.yml recomputes them and writes the comment and check")
    return code
