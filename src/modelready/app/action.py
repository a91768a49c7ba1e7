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

PR_ACTIONS = {"opened", "synchronize", "reopened", "ready_for_review"}


def run(r: Runner) -> int:
    inputs = Inputs.read(r.inputs)
    if r.event_name == "issue_comment":
        return attestation.run(r, inputs)
    if r.event_name == "workflow_run":
        return pull_request.from_workflow_run(r, inputs)
    if r.event_name == "workflow_dispatch" and inputs.smoke_result:
        return smoke_report.run(r, inputs)
    if r.event_name == "pull_request" and r.event.get("action") not in PR_ACTIONS:
        print(f"modelready: pull_request {r.event.get('action')}: nothing to do")
        return 0
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
