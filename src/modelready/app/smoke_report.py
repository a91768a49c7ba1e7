"""The GPU smoke run reporting back. `smoke: dispatch` sent a pull request's serving deployments, as a
matrix, to the smoke workflow on a self-hosted GPU runner (pull_request.dispatch_smoke); that workflow's
last job runs the Action again (workflow_dispatch with inputs pr and sha, `smoke-result` files) to put the
measurements into the same sticky comment and a `<check-name> / smoke` check on the commit measured."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from ..config import find_config, load_config
from ..publish.gate import Gate
from ..publish.runner import Runner
from ..report import verdict
from ..report.inert import text
from . import publishing
from .inputs import Inputs
from .judge import Judge
from .pull_request import PullRequest, compare, judge_base


def run(r: Runner, inputs: Inputs) -> int:
    """The smoke workflow reports back: its results decide the smoke items of the same sticky comment,
    and a `<check-name> / smoke` check run goes on the commit that was measured."""
    from ..smoke.verdict import figures
    from .run import load_smoke_results

    root = r.workspace.resolve()
    config = load_config(Path(inputs.config) if inputs.config else find_config(root))
    judge = Judge.for_action(inputs, config, smoke=[])  # no Trivy: the smoke results decide this run
    files = sorted({p for pattern in inputs.smoke_result for p in root.glob(pattern)})
    if not files:
        print(f"modelready: no smoke result matches {' '.join(inputs.smoke_result)!r}", flush=True)
        return 1
    smoke = load_smoke_results(files)
    judge = replace(judge, smoke=smoke)
    event_inputs = r.event.get("inputs") or {}
    number, r.sha = int(event_inputs.get("pr") or 0), event_inputs.get("sha") or r.sha
    publisher = publishing.publisher_of(r) if number else None
    gate = Gate(publisher, f"{inputs.check_name} / smoke", r.sha)
    gate.start()

    def report() -> int:
        checked = inputs.checked()
        changed = publisher.changed_files(number) if publisher is not None else None
        _result, doc = judge.tree(root, changed)
        if publisher is not None:  # the same verdict as the PR's own run: against its base, by the same gate
            pr = PullRequest(number, publisher.pull(number).base.sha, r.sha, root)
            compare(doc, judge_base(checked, pr, judge, changed, True))
            verdict.decide(doc, checked.gate)
        failed = [s for s in smoke if s["result"] == "fail"]
        lines = [f"- {'❌' if s['result'] == 'fail' else '✅'} **{text(s['target']['name'])}**: " + text("; ".join(figures(s) + _failed_items(s)))
                 for s in smoke]
        title = f"{len(smoke) - len(failed)} of {len(smoke)} smoke run(s) passed"
        r.write_summary(f"### modelready smoke\n\n{title}\n\n" + "\n".join(lines))
        r.write_output(result="fail" if failed else "pass")
        if publisher is not None and checked.comment != "off":
            try:
                existing = publisher.find_comment(number)
                publisher.upsert_comment(number, publishing.comment(r, checked, doc, existing), existing)
            except Exception as e:  # noqa: BLE001
                publishing.best_effort(gate, e, "the comment was not written")
        gate.finish("failure" if failed else "success", title, "\n".join(lines))
        return 1 if failed else 0

    return publishing.guarded(r, gate, report)


def _failed_items(s: dict[str, Any]) -> list[str]:
    failed = [k for k, v in s["items"].items() if v["status"] == "failed"]
    return ["failed: " + ", ".join(failed)] if failed else []

