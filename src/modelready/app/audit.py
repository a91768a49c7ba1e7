"""An audit (workflow_dispatch, push, schedule): the repository as it is (or the `paths` input), judged by
its own config, every finding counted (it has no base); the job summary, report files, outputs and log."""

from __future__ import annotations

from ..publish.runner import Runner
from ..report import verdict
from . import configs, publishing
from .inputs import Inputs
from .judge import Judge


def run(r: Runner, inputs: Inputs) -> int:
    inputs = inputs.checked()
    root = r.workspace.resolve()
    judge = Judge.for_action(inputs, configs.audit(root, inputs.config).applied)
    _result, doc = judge.tree(root)
    doc = verdict.decide(doc, "all")
    v = verdict.of(doc)
    publishing.record(r, inputs, root, doc, publishing.summary(r, inputs, doc, None))
    return 1 if v.fails else 0
