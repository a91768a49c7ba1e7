"""The runner's passes over a whole run's findings (checks/runner.py): `dedupe`, `cap`, `serving_places` and
`scope_to_serving`, on the findings and deployments of a real run (tests/checks/ cases), against what each says it does."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from modelready import pipeline
from modelready.checks import MAX_PER_FILE, runner
from modelready.config import load_config
from modelready.findings import Finding, Loc, Severity

CASES = Path(__file__).parent / "checks"


def _finding(i: int, file: str = "deploy.yaml", check: str = "engine-flag-unknown", suppressed: str | None = None) -> Finding:
    return Finding(check, Severity.warning, f"vllm 0.8.5 has no flag --no-such-flag-{i}", Loc(file, 10 + i), ("engine-args-valid",),
                   subject="Deployment/serving/llm@" + file, suppressed=suppressed)


def test_dedupe_keeps_the_first_finding_of_each_key_in_order():
    a, b, c = _finding(1), _finding(2), _finding(3)
    again = dataclasses.replace(a, severity=Severity.error)  # the same key (check, place, subject, message)
    assert runner.dedupe([a, b, again, c, b]) == [a, b, c]
    assert runner.dedupe([a, b, again, c, b])[0] is a


def test_cap_lists_the_first_findings_of_a_check_on_a_file_and_says_how_many_more():
    exactly = [_finding(i) for i in range(MAX_PER_FILE)]
    assert runner.cap(exactly) == exactly and not any("not listed" in f.message for f in exactly)
    over = [_finding(i, "big.yaml") for i in range(MAX_PER_FILE + 7)]
    silenced = [_finding(i, "big.yaml", suppressed="known") for i in range(3)]
    other = [_finding(i, "big.yaml", check="engine-flag-deprecated") for i in range(2)]
    kept = runner.cap(over[:50] + silenced + other + over[50:])
    assert kept == over[:50] + silenced + other + over[50:MAX_PER_FILE]
    assert over[MAX_PER_FILE - 1].message.endswith("(and 7 more engine-flag-unknown findings in big.yaml, not listed)")
    assert [f for f in kept if "not listed" in f.message] == [over[MAX_PER_FILE - 1]]


def test_serving_places_and_scope_on_a_run_with_a_serving_deployment_and_another_workload(tmp_path):
    shutil.copy(CASES / "pdb-missing" / "fail.yaml", tmp_path / "deploy.yaml")
    (tmp_path / "batch.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: serving}\nspec:\n  replicas: two\n  selector: {matchLabels: {app: web}}\n"
        "  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:latest\n")
    res = pipeline.run([tmp_path], load_config(None), tmp_path)
    serving = [d for d in res.deployments if d.serving]
    assert serving and len(serving) < len(res.deployments)
    expected = set()
    for d in serving:  # what the docstring says, spelled out
        expected |= {d.loc.file, d.origin} | {r.loc.file for r in d.services + d.autoscalers + d.disruption_budgets + d.monitors
                                               + d.secrets + d.storage} | {c.loc.file for _p, c in d.containers()}
    assert runner.serving_places(res.deployments) == expected and "batch.yaml" not in expected
    web = [f for f in res.findings if f.loc.file == "batch.yaml"]  # its replicas: not a number, on a file serving nothing
    assert web and all(f.severity == Severity.info and f.message.endswith(runner.OUT_OF_SCOPE) for f in web)
    assert any(f.severity != Severity.info for f in res.findings if f.loc.file == "deploy.yaml")


def test_what_stays_in_scope_is_any_of_its_reasons_whatever_order_they_are_tested_in():
    """`_in_scope` tests the commonest reason first; the answer is the docstring's `or` of all of them, for every mix."""
    import itertools

    serving, other = {"Deployment/serving/llm@deploy.yaml"}, {"Deployment/serving/web@web.yaml"}
    places = {"deploy.yaml", "svc.yaml", "Deployment/serving/llm@deploy.yaml"}
    subjects = [*serving, *other, "svc.yaml", "notes.yaml"]
    for subject, file, severity, check, tail in itertools.product(subjects, ["deploy.yaml", "svc.yaml", "web.yaml", "notes.yaml"],
                                                                  [Severity.info, Severity.warning, Severity.error],
                                                                  ["image-tag-mutable", "not-analysed"], ["", runner.OUT_OF_SCOPE, runner.UNREAD_OUT_OF_SCOPE]):
        f = Finding(check, severity, "image vllm/vllm-openai:latest is mutable" + tail, Loc(file, 3), subject=subject)
        expected = (severity == Severity.info or check in runner.UNSCOPED or bool(tail) or subject in serving
                    or (subject not in other and (subject in places or file in places)))
        assert runner._in_scope(f, serving, other, places) == expected, (subject, file, severity, check, tail)


def test_asks_gpus_is_any_container_asking_for_an_accelerator_on_every_case_deployment():
    """`checks.asks_gpus` (gpu-limit-missing's and gpu-pod-without-cpu-memory-requests' `applies=`, as plain loops) is the
    generator it replaced, on the deployments of every tests/checks case: GPU, MIG, TPU, CPU-only, LWS, KServe, Ray."""
    from modelready.checks import asks_gpus

    cases = sorted(p for p in CASES.glob("*/*.yaml"))
    res = pipeline.run(cases, load_config(None), CASES)
    assert len(res.deployments) > 100
    answers = [(asks_gpus(d), any(c.gpu() for _p, c in d.containers())) for d in res.deployments]
    assert all(fast == slow for fast, slow in answers)
    assert {fast for fast, _slow in answers} == {True, False}
