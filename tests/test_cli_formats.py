"""The CLI habits of CI users: `-o -`, `--format github|concise|rdjson`, a baseline's marks in the text,
`--show-settings`, NO_COLOR/FORCE_COLOR, and `--touching` as the pre-commit hook runs it."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from modelready.cli import main

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
CASES = REPO / "tests" / "checks"


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def doc() -> dict:
    """The examples' JSON report: what every one-line format is compared with."""
    import contextlib

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        main(["check", str(EXAMPLES / "broken-specs"), "--root", str(REPO), "--format", "json"])
    return json.loads(buf.getvalue())


def _active(doc: dict) -> list[dict]:
    return [f for f in doc["findings"] if not f["suppressed"]]


def test_dash_output_is_stdout_and_writes_no_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "check", str(EXAMPLES / "broken-specs"), "--root", str(REPO), "-o", "-", "-f", "json")
    assert code == 1 and json.loads(out)["summary"]["result"] == "fail" and err == ""
    assert not (tmp_path / "-").exists()
    code, out, err = _run(capsys, "check", str(EXAMPLES / "broken-specs"), "--root", str(REPO), "-o", "-", "-o", str(tmp_path / "r.sarif"))
    assert "FAIL (fail on error)" in out and (tmp_path / "r.sarif").is_file() and f"wrote {tmp_path / 'r.sarif'}" in err


def test_github_annotations_one_per_finding_escaped(doc, capsys):
    code, out, _ = _run(capsys, "check", str(EXAMPLES / "broken-specs"), "--root", str(REPO), "--format", "github")
    lines = out.splitlines()
    assert code == 1 and len(lines) == len(_active(doc)) > 3
    level = {"error": "error", "warning": "warning", "info": "notice"}
    for line, f in zip(lines, _active(doc)):
        m = re.fullmatch(r"::(error|warning|notice) file=([^,]+)(?:,line=(\d+))?,title=modelready ([a-z0-9-]+)::(.+)", line)
        assert m, line
        assert (m[1], m[2], int(m[3] or 0), m[4]) == (level[f["severity"]], f["file"], f["line"], f["check"])
        assert "\n" not in m[5] and "%0A" not in f["message"]


def test_github_annotation_of_hostile_content_is_escaped():
    from modelready.report import REPORTERS, Output
    from modelready.report.document import FindingEntry, Report

    finding = FindingEntry("x", "error", "line one\n::error::owned 100%", "a,b:c.yaml", 3, subject="s")
    out = REPORTERS["github"].render(Output(Report(findings=(finding,))))
    assert out == "::error file=a%2Cb%3Ac.yaml,line=3,title=modelready x::line one ::error::owned 100%25\n"


def test_concise_is_ruffs_one_line(doc, capsys):
    code, out, _ = _run(capsys, "check", str(EXAMPLES / "broken-specs"), "--root", str(REPO), "--format", "concise")
    lines = out.splitlines()
    assert code == 1 and len(lines) == len(_active(doc))
    for line, f in zip(lines, _active(doc)):
        assert line.startswith(f"{f['file']}:{f['line']}: {f['check']} [{f['severity']}] ")


def test_rdjson_is_reviewdogs_diagnostic_format(doc, capsys, tmp_path):
    code, out, _ = _run(capsys, "check", str(EXAMPLES / "broken-specs"), "--root", str(REPO), "--format", "rdjson")
    rd = json.loads(out)
    assert rd["source"]["name"] == "modelready" and len(rd["diagnostics"]) == len(_active(doc))
    first, f = rd["diagnostics"][0], _active(doc)[0]
    assert first["location"] == {"path": f["file"], "range": {"start": {"line": f["line"]}}}
    assert first["severity"] == f["severity"].upper() and first["code"]["value"] == f["check"]
    assert first["code"]["url"].endswith(f"#{f['check']}")
    main(["check", str(EXAMPLES / "broken-specs"), "--root", str(REPO), "-o", str(tmp_path / "r.rdjson")])
    assert json.loads((tmp_path / "r.rdjson").read_text()) == rd


def test_show_settings_names_config_root_and_checks(tmp_path, capsys):
    (tmp_path / ".modelready.yaml").write_text("checks:\n  disable: [pdb-missing]\nfail_on: warning\n")
    (tmp_path / "deploy.yaml").write_text((CASES / "pdb-missing" / "fail.yaml").read_text())
    code, out, _ = _run(capsys, "check", str(tmp_path), "--show-settings", "--offline")
    assert code == 0
    rows = dict(line.split(":", 1) for line in out.splitlines())
    assert rows["config"].strip() == str(tmp_path / ".modelready.yaml")
    assert rows["fail on"].strip() == "warning" and "off: pdb-missing" in rows["checks"]
    assert rows["hugging face hub"].strip() == "no (--offline)" and "FAIL" not in out


def test_no_color_and_force_color(capsys, monkeypatch):
    path = str(CASES / "pdb-missing" / "fail.yaml")
    monkeypatch.setenv("FORCE_COLOR", "1")
    _, out, _ = _run(capsys, "check", path)
    assert "\033[" in out  # captured: not a terminal, coloured anyway
    monkeypatch.setenv("NO_COLOR", "1")
    _, out, _ = _run(capsys, "check", path)
    assert "\033[" not in out


def test_baseline_text_marks_new_and_hides_pre_existing(tmp_path, capsys):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(CASES / "pdb-missing" / "fail.yaml", repo / "deploy.yaml")
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "base"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    base = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    text = (repo / "deploy.yaml").read_text()
    (repo / "deploy.yaml").write_text(text.replace("vllm/vllm-openai:v0.10.2", "vllm/vllm-openai:latest"))
    _, out, _ = _run(capsys, "check", str(repo), "--root", str(repo), "--baseline", base, "--offline")
    assert re.search(r"image-tag-mutable +deploy.yaml:\d+ +new", out)
    assert "pdb-missing" not in out and re.search(r"\(\d+ pre-existing finding\(s\) not listed: --show-pre-existing", out)
    _, out, _ = _run(capsys, "check", str(repo), "--root", str(repo), "--baseline", base, "--offline", "--show-pre-existing")
    assert re.search(r"pdb-missing +deploy.yaml:\d+ +pre-existing", out) and re.search(r"image-tag-mutable +deploy.yaml:\d+ +new", out)


def test_touching_sees_the_pdb_in_an_unchanged_file(tmp_path, capsys, monkeypatch):
    """The pre-commit hook passes only the changed files: the PDB in another file still covers the deployment."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    deploy = (CASES / "pdb-missing" / "fail.yaml").read_text()
    labels = re.search(r"matchLabels:\s*\n\s*app: ([\w.-]+)", deploy)
    assert labels, "the case's selector"
    (tmp_path / "deploy.yaml").write_text(deploy)
    (tmp_path / "pdb.yaml").write_text("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: llm, namespace: serving}\n"
                                       f"spec:\n  maxUnavailable: 1\n  selector: {{matchLabels: {{app: {labels[1]}}}}}\n")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    monkeypatch.chdir(tmp_path)
    _, alone, _ = _run(capsys, "check", "deploy.yaml", "--offline", "--format", "concise")
    assert "pdb-missing" in alone  # the file by itself: no budget in sight
    _, touching, _ = _run(capsys, "check", "--touching", "deploy.yaml", "--offline", "--format", "concise")
    assert "pdb-missing" not in touching and touching and "pdb.yaml" not in touching
    hook = (REPO / ".pre-commit-hooks.yaml").read_text()
    assert "entry: modelready check --touching" in hook
