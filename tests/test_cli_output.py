"""Text output a person reads, and paths as a pre-commit hook or a changed-files run gives them."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from modelready.report import text, wire
from modelready.report.document import Report

from . import warm

REPO = Path(__file__).resolve().parents[1]
CHART = "examples/charts/vllm-llama"
ANSI = re.compile(r"\033\[[0-9;]*m")


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`python -m modelready.cli ARGS` in this environment, forked warm (tests/warm.py)."""
    return warm.run(["modelready.cli", *args], env=dict(os.environ), cwd=cwd or REPO, timeout=120)


@pytest.fixture(scope="module")
def manifests_doc() -> Report:
    return wire.of_json(json.loads(cli("check", "examples/manifests", "-f", "json").stdout))


def test_columns_align_with_and_without_colour(manifests_doc):
    plain = text.render(manifests_doc, color=False, width=100)
    coloured = text.render(manifests_doc, color=True, width=100)
    assert "\033[" in coloured
    assert ANSI.sub("", coloured) == plain
    rows = [ln for ln in plain.splitlines() if re.match(r"  (error|warning|info) ", ln)]
    assert len(rows) > 5
    # the check ID starts in one column and the file:line in another, whatever the severity's length
    assert len({ln.index(ln.split()[1]) for ln in rows}) == 1
    assert len({ln.index("examples/") for ln in rows}) == 1


def test_messages_wrap_at_word_boundaries(manifests_doc):
    long = max((f.message for f in manifests_doc.findings), key=len)
    assert len(long) > 80
    out = text.render(manifests_doc, width=60)
    words = set(long.split())
    lines = out.splitlines()
    def block_at(start: int) -> list[str]:
        block = []
        for ln in lines[start:]:
            if not ln.startswith(" " * text.INDENT) or re.match(r"  (error|warning|info) ", ln):
                break
            block.append(ln)
        return block

    # several messages may share the model's name as their first words: take the block that is this one
    blocks = [block_at(i) for i, ln in enumerate(lines) if ln.strip() and long.startswith(ln.strip())]
    block = next(b for b in blocks if " ".join(ln.strip() for ln in b) == " ".join(long.split()))
    assert len(block) > 1
    assert all(len(ln) <= 60 or " " not in ln.strip() for ln in block)
    assert all(w in words for ln in block for w in ln.split())  # no word was cut


def test_output_files_print_a_one_line_summary(tmp_path):
    proc = cli("check", "examples/manifests", "-o", str(tmp_path / "r.json"), "-o", str(tmp_path / "r.sarif"))
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert re.fullmatch(r"modelready: FAIL \(fail on error\): \d+ errors, \d+ warnings, \d+ info in \d+ files; wrote \S+r\.json, \S+r\.sarif\n", proc.stderr)
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["result"] == "fail"


def test_nothing_found_says_so(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing to deploy here\n")
    (tmp_path / "app.yaml").write_text("name: not kubernetes\n")
    for path in (".", "notes.txt"):
        proc = cli("check", path, cwd=tmp_path)
        assert proc.returncode == 0
        assert f"modelready: no deployment files found under {path}\n" in proc.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "markdown"])
def test_a_missing_requested_scanner_is_a_warning_in_every_format(fmt, tmp_path, monkeypatch):
    proc = cli("check", "examples/manifests", "--trivy", "config", "--trivy-bin", str(tmp_path / "no-trivy"), "-f", fmt, "--no-color")
    assert proc.returncode == 1, proc.stderr
    assert "trivy/unavailable" in proc.stdout
    assert "--trivy config was requested and did not run: Trivy not found" in proc.stdout
    if fmt == "json":
        f = next(f for f in json.loads(proc.stdout)["findings"] if f["check"] == "trivy/unavailable")
        assert f["severity"] == "warning"
    if fmt == "sarif":
        run = json.loads(proc.stdout)["runs"][0]
        assert any(r["ruleId"] == "trivy/unavailable" and r["level"] == "warning" for r in run["results"])


@pytest.mark.parametrize("inside", ["values.yaml", "templates/deployment.yaml", "Chart.yaml", "templates/_helpers.tpl",
                                    "ci/high-concurrency-values.yaml"])
def test_a_file_inside_a_chart_checks_its_chart(inside):
    whole = json.loads(cli("check", CHART, "-f", "json").stdout)
    one = json.loads(cli("check", f"{CHART}/{inside}", "-f", "json").stdout)
    assert one["findings"] == whole["findings"]
    assert [d["id"] for d in one["deployments"]] == [d["id"] for d in whole["deployments"]]
    assert not [f for f in one["findings"] if f["check"] == "input-unreadable"]
    assert one["summary"]["files_checked"] == whole["summary"]["files_checked"] > 0


def test_many_files_of_one_chart_check_it_once():
    files = [f"{CHART}/values.yaml", f"{CHART}/templates/deployment.yaml", f"{CHART}/Chart.yaml", CHART]
    many = json.loads(cli("check", *files, "-f", "json").stdout)
    whole = json.loads(cli("check", CHART, "-f", "json").stdout)
    assert many["files"] == whole["files"] and many["findings"] == whole["findings"]


def test_a_file_of_an_excluded_chart_is_skipped_with_the_reason(tmp_path):
    import shutil

    shutil.copytree(REPO / CHART, tmp_path / "chart")
    (tmp_path / ".modelready.yaml").write_text("exclude: [chart/]\n")
    doc = json.loads(cli("check", "chart/values.yaml", "-f", "json", cwd=tmp_path).stdout)
    assert doc["files"] == [{"path": "chart/values.yaml", "kind": "other", "status": "skipped", "reason": "excluded by config", "objects": 0}]
    assert not doc["findings"]
