"""The GPU smoke run reporting back. `smoke: dispatch` sent a pull request's serving deployments, as a
matrix, to the smoke workflow on a self-hosted GPU runner (pull_request.dispatch_smoke); that workflow's
last job runs the Action again (workflow_dispatch with inputs pr and sha, `smoke-result` files) to put the
measurements into the same sticky comment and a `<check-name> / smoke` check on the commit measured. The
config applied is the base commit's (never the measured commit's own); the comment is written only while
the measured commit is still the pull request's head."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from ..config import find_config, load_config
from ..publish.gate import Gate
from ..publish.runner import Runner
from ..report import verdict
from ..report.document import Report
from ..report.inert import text
from ..publish import attest
from . import configs, publishing
from .inputs import Inputs
from .judge import Judge
from .pull_request import PullRequest, compare, judge_base


def run(r: Runner, inputs: Inputs) -> int:
    """The smoke workflow reports back: its results decide the smoke items of the same sticky comment,
    and a `<check-name> / smoke` check run goes on the commit that was measured."""
    from ..smoke.verdict import figures
    from .run import load_smoke_results

    root = r.workspace.resolve()
    event_inputs = r.event.get("inputs") or {}
    number, r.sha = int(event_inputs.get("pr") or 0), event_inputs.get("sha") or r.sha
    publisher = publishing.publisher_of(r) if number else None
    data = (root / inputs.pr_path).resolve()
    tree = data if data.is_dir() and data.is_relative_to(root) else root  # the measured commit, checked out as data
    pull = publisher.pull(number) if publisher is not None else None
    # the base commit's config, as in the pull request's own run: never the measured commit's own
    config = (configs.base_config(tree, pull.base.sha, publisher)[0] if pull is not None
              else load_config(Path(inputs.config) if inputs.config else find_config(root)))
    judge = Judge.for_action(inputs, config, smoke=[])  # no Trivy: the smoke results decide this run
    files = sorted({p for pattern in inputs.smoke_result for p in root.glob(pattern)})
    if not files:
        print(f"modelready: no smoke result matches {' '.join(inputs.smoke_result)!r}", flush=True)
        return 1
    smoke = load_smoke_results(files)
    judge = replace(judge, smoke=smoke)
    gate = Gate(publisher, f"{inputs.check_name} / smoke", r.sha)
    gate.start()

    def report() -> int:
        checked = inputs.checked()
        changed = publisher.changed_files(number) if publisher is not None else None
        _result, doc = judge.tree(tree, changed)
        if pull is not None:  # the same verdict as the PR's own run: against its base, by the same gate
            pr = PullRequest(number, pull.base.sha, r.sha, tree)
            doc = verdict.decide(compare(doc, judge_base(checked, pr, judge, changed, True)), checked.gate)
        failed = failing(smoke, doc)
        lines = [f"- {'❌' if s in failed else '✅'} **{text(s['target']['name'])}**: " + text("; ".join(figures(s) + _failed_items(s) + _cost(doc, i)))
                 for i, s in enumerate(smoke)]
        title = f"{len(smoke) - len(failed)} of {len(smoke)} smoke run(s) passed"
        r.write_summary(f"### modelready smoke\n\n{title}\n\n" + "\n".join(lines))
        r.write_output(result="fail" if failed else "pass")
        if publisher is not None and checked.comment != "off":
            view = publishing.view_of(r, checked, gate, publisher, number)
            if view is not None and not view.current:
                gate.say(f"pull request #{number}'s head is now {view.head[:12]}: the measurements of {r.sha[:12]} stay in this check run, the comment is the newer head's")
            elif view is not None:
                try:
                    _kept, ticks, partial, _dropped = view.attestations()
                    doc = attest.apply(doc, ticks, partial)
                    publisher.upsert_comment(number, publishing.comment(r, checked, doc, view.comment, ticks=ticks), view.comment)
                except Exception as e:  # noqa: BLE001
                    publishing.best_effort(gate, e, "the comment was not written")
        gate.finish("failure" if failed else "success", title, "\n".join(lines))
        return 1 if failed else 0

    return publishing.guarded(r, gate, report)


def failing(smoke: list[dict[str, Any]], doc: Report) -> list[dict[str, Any]]:
    """The runs that fail the smoke check: those the runner failed, and those whose USD per 1M output tokens
    (priced here, the report's smoke[i].cost) is over the ModelSpec's cost.targetPer1MTokens."""
    runs = doc.smoke or ()
    over = {i for i, s in enumerate(runs) if (s.get("cost") or {}).get("over_target")}
    return [s for i, s in enumerate(smoke) if s["result"] == "fail" or i in over]


def _failed_items(s: dict[str, Any]) -> list[str]:
    failed = [k for k, v in s["items"].items() if v["status"] == "failed"]
    return ["failed: " + ", ".join(failed)] if failed else []



def _cost(doc: Report, i: int) -> list[str]:
    """USD per 1M output tokens at the measured throughput, and the target it misses."""
    runs = doc.smoke or ()
    c = (runs[i].get("cost") if i < len(runs) else None) or {}
    if not c:
        return []
    target = c.get("target_usd_per_1m_tokens")
    miss = f", over the target ${target:,.4g}" if c.get("over_target") else ""
    return [f"${c['usd_per_1m_output_tokens']:,.4g} per 1M output tokens{miss}"]
