"""The CLI as its users know such tools (Ruff, kube-linter, Checkov): one-line user errors with exit 2, the same
report from any working directory, checks listed and explained, --select/--ignore, soft-fail, quiet and
statistics views, and text a person reads."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from modelready.checks import registry

from . import warm

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
CHART = EXAMPLES / "charts" / "vllm-llama"


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`python -m modelready.cli ARGS` in this environment, forked warm (tests/warm.py)."""
    return warm.run(["modelready.cli", *args], env=dict(os.environ), cwd=cwd or REPO, timeout=120)


def as_json(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


# --- every user error: one line on stderr, exit 2, no traceback -------------------------------------------

USER_ERRORS = [
    (["check", "examples", "-o", "/nonexistent/dir/r.json"], "no such directory"),
    (["check", "examples", "-o", "/dev/full"], "cannot write"),  # the write itself fails (ENOSPC)
    (["check", "examples", "-o", "examples"], "is a directory"),
    (["check", "examples", "-o", "r.html"], "unknown extension '.html'"),
    (["check", "does-not-exist"], "no such file or directory"),
    (["check", "examples", "--config", "nope.yaml"], "no such file"),
    (["check", "examples", "--smoke-result", "/nope/smoke.json"], "not a readable smoke result"),
    (["check", "examples", "--fail-on", "bogus"], "invalid choice: 'bogus'"),
    (["check", "examples", "--format", "html"], "invalid choice: 'html'"),
    (["check", "examples", "--min-severity", "loud"], "invalid choice: 'loud'"),
    (["check", "examples", "--select", "image-tag-mutabel"], "did you mean 'image-tag-mutable'?"),
    (["check", "examples", "--ignore", "pdb-mising"], "did you mean 'pdb-missing'?"),
    (["check", "examples", "--select", "nothing-*"], "no such check"),
    (["check", "examples", "--profile", "nope"], "unknown profile"),
    (["check", "examples", "--trivy", "configs"], "--trivy takes config, secret, image or all"),
    (["check", "examples", "--statistics", "--format", "sarif"], "--statistics prints text or json"),
    (["plan", "examples", "--changed", "/nope.txt"], "--changed /nope.txt: cannot be read"),
    (["plan", "does-not-exist"], "no such file or directory"),
    (["init", "does-not-exist"], "no such file or directory"),
    (["init", "examples/manifests/llama-70b.yaml", "-o", "/nonexistent/spec.yaml"], "no such directory"),
    (["smoke", "examples/manifests", "--port", "abc"], "invalid integer value: 'abc'"),
    (["smoke", "examples/manifests", "--concurrency", "-3"], "must be 0 or more"),
    (["smoke", "examples/manifests", "--duration", "nan"], "must be a number of seconds"),
    (["smoke", "examples/manifests", "-o", "/nonexistent/r.json"], "no such directory"),
    (["explain", "image-tag-mutabl"], "did you mean 'image-tag-mutable'?"),
    (["checks", "--format", "yaml"], "invalid choice: 'yaml'"),
    (["nonsense"], "invalid choice: 'nonsense'"),
]


@pytest.mark.parametrize("args, message", USER_ERRORS, ids=[" ".join(a) for a, _ in USER_ERRORS])
def test_user_errors_are_one_line_and_exit_2(args, message):
    proc = cli(*args)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("modelready"), proc.stderr
    assert message in proc.stderr
    assert proc.stdout == ""
    assert not (REPO / "r.html").exists()


def test_an_unwritable_file_is_a_user_error(tmp_path):
    if hasattr(os, "getuid") and os.getuid() == 0:
        pytest.skip("root writes read-only files; -o /dev/full above covers the failed write")
    out = tmp_path / "r.json"
    out.write_text("")
    out.chmod(0o400)
    proc = cli("check", "examples", "-o", str(out))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "cannot write" in proc.stderr


# --- root and config: the same report from any working directory ---------------------------------------

def test_the_same_report_from_any_working_directory(tmp_path):
    from_root = as_json(cli("check", "examples", "-f", "json"))
    from_inside = as_json(cli("check", ".", "-f", "json", cwd=EXAMPLES))
    from_outside = as_json(cli("check", str(EXAMPLES), "-f", "json", cwd=tmp_path))
    for doc in (from_inside, from_outside):
        assert doc["findings"] == from_root["findings"]
        assert doc["files"] == from_root["files"]
        assert doc["summary"] == from_root["summary"]
    # the false specref-unresolved errors a root at examples/ used to give
    assert not [f for f in from_inside["findings"] if f["check"] == "specref-unresolved"]
    assert all(f["path"].startswith("examples/") for f in from_inside["files"])


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with the example chart under deploy/ and a config at its top."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    shutil.copytree(CHART, tmp_path / "deploy" / "charts" / "vllm-llama")
    shutil.copy(EXAMPLES / "manifests" / "llama-70b.yaml", tmp_path / "deploy" / "llama-70b.yaml")
    (tmp_path / ".modelready.yaml").write_text("checks:\n  disable: [image-tag-mutable]\n")
    return tmp_path


def test_config_is_found_at_the_top_from_a_subfolder(repo):
    for cwd, path in ((repo, "deploy"), (repo / "deploy", "."), (repo / "deploy" / "charts", "../llama-70b.yaml")):
        doc = as_json(cli("check", path, "-f", "json", cwd=cwd))
        checks = {f["check"] for f in doc["findings"]}
        assert "image-tag-mutable" not in checks, cwd
        assert "dev-shm-missing" in checks
        assert any(f["file"] == "deploy/llama-70b.yaml" for f in doc["findings"])


def test_unknown_config_keys_and_check_ids_are_warned_with_the_nearest(repo):
    (repo / ".modelready.yaml").write_text(
        "exclud: [vendor/]\nchecks:\n  disabel: [pdb-missing]\n  disable: [image-tag-mutabel]\n  severity: {pdb-missin: error}\n"
        "charts:\n  deploy/charts/vllm-llama:\n    value: [[values.yaml]]\ntrivy: {severty: LOW}\nsmoke: {concurency: 2}\n")
    proc = cli("check", "deploy", cwd=repo)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    warnings = proc.stderr.splitlines()
    for expected in (":1: unknown key exclud (did you mean 'exclude'?)", ":3: unknown key checks.disabel (did you mean 'disable'?)",
                     ":8: unknown key charts.deploy/charts/vllm-llama.value (did you mean 'values'?)",
                     ":9: unknown key trivy.severty (did you mean 'severity'?)", ":10: unknown key smoke.concurency (did you mean 'concurrency'?)",
                     ":4: unknown check 'image-tag-mutabel' (did you mean 'image-tag-mutable'?)",
                     ":5: unknown check 'pdb-missin' (did you mean 'pdb-missing'?)"):
        assert any(w.startswith("modelready: warning: ") and expected in w for w in warnings), (expected, warnings)


def test_an_unknown_check_in_a_suppression_names_the_nearest(tmp_path):
    text = (EXAMPLES / "manifests" / "llama-70b.yaml").read_text()
    text = text.replace("name: llama-70b\n", "name: llama-70b\n  annotations: {modelready.io/skip: dev-shm-mising}\n", 1)
    (tmp_path / "m.yaml").write_text(text)
    doc = as_json(cli("check", "m.yaml", "-f", "json", cwd=tmp_path))
    msgs = [f["message"] for f in doc["findings"] if f["check"] == "suppression-unknown-check"]
    assert msgs == ["modelready.io/skip names unknown check 'dev-shm-mising' (did you mean 'dev-shm-missing'?)"]


# --- checks as a user sees them ---------------------------------------------------------------------------

def test_checks_lists_every_check_as_a_table_and_as_json():
    table = cli("checks")
    assert table.returncode == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["ID", "SEVERITY", "CATALOG", "ITEMS", "FINDING"]
    rows = {ln.split()[0]: ln for ln in lines[1:-1]}
    assert set(rows) == set(registry())
    sev_col = lines[0].index("SEVERITY")
    for cid, check in registry().items():
        assert rows[cid][sev_col:].startswith(check.severity.name), rows[cid]  # aligned
        assert check.failed in rows[cid]
    listed = json.loads(cli("checks", "--format", "json").stdout)
    assert [c["id"] for c in listed] == sorted(registry())
    shm = next(c for c in listed if c["id"] == "dev-shm-missing")
    assert shm["severity"] == "error" and shm["catalog_items"] == ["shm-configured"] and shm["enabled"] is True


def test_explain_prints_the_checks_document():
    proc = cli("explain", "dev-shm-missing")
    assert proc.returncode == 0
    out = proc.stdout
    assert out.startswith("dev-shm-missing\n===============\n")
    assert "Severity: error" in out and "shm-configured (/dev/shm is memory-backed for multi-GPU serving)" in out
    for section in ("## What it does", "## Why it matters", "## Example", "## Instead", "## References"):
        assert section in out
    assert registry()["dev-shm-missing"].section("Why it matters") in out


def test_select_and_ignore(tmp_path):
    manifests = "examples/manifests"
    everything = {f["check"] for f in as_json(cli("check", manifests, "-f", "json"))["findings"]}
    assert {"image-tag-mutable", "dev-shm-missing", "pdb-missing"} <= everything
    only = as_json(cli("check", manifests, "-f", "json", "--select", "image-tag-mutable,dev-shm-missing"))
    assert {f["check"] for f in only["findings"]} == {"image-tag-mutable", "dev-shm-missing"}
    pattern = as_json(cli("check", manifests, "-f", "json", "--select", "engine-flag-*"))
    assert {f["check"] for f in pattern["findings"]} == {c for c in everything if c.startswith("engine-flag-")}
    ignored = as_json(cli("check", manifests, "-f", "json", "--ignore", "image-tag-mutable", "--ignore", "pdb-missing"))
    assert {f["check"] for f in ignored["findings"]} == everything - {"image-tag-mutable", "pdb-missing"}
    # --select turns on a check that is off by default
    off = [c.id for c in registry().values() if not c.enabled]
    if off:
        assert cli("check", manifests, "--select", off[0]).returncode in (0, 1)


def test_fail_on_never_reports_and_passes():
    proc = cli("check", "examples/manifests", "--fail-on", "never", "-f", "json")
    doc = json.loads(proc.stdout)
    assert proc.returncode == 0
    assert doc["summary"]["result"] == "pass" and doc["summary"]["fail_on"] == "never"
    assert doc["summary"]["findings"]["error"] > 0


def test_quiet_and_minimum_severity():
    full = cli("check", "examples/manifests", "--no-color").stdout
    quiet = cli("check", "examples/manifests", "--no-color", "--quiet")
    assert quiet.returncode == 1
    assert "FAIL (fail on error)" in full and "FAIL" not in quiet.stdout and "checklist" not in quiet.stdout
    assert "image-tag-mutable" in quiet.stdout
    errors_only = cli("check", "examples/manifests", "--no-color", "--min-severity", "error").stdout
    severities = {ln.split()[0] for ln in errors_only.splitlines() if re.match(r"  (error|warning|info) ", ln)}
    assert severities == {"error"}
    hidden = len([ln for ln in full.splitlines() if re.match(r"  (warning|info) ", ln)])
    assert f"({hidden} finding(s) below error not listed)" in errors_only


def test_statistics_counts_findings_per_check():
    doc = as_json(cli("check", "examples", "-f", "json"))
    counts: dict[str, int] = {}
    for f in doc["findings"]:
        if not f["suppressed"]:
            counts[f["check"]] = counts.get(f["check"], 0) + 1
    stats = json.loads(cli("check", "examples", "--statistics", "-f", "json").stdout)
    assert {s["check"]: s["count"] for s in stats} == counts
    assert [s["count"] for s in stats] == sorted(counts.values(), reverse=True)
    text = cli("check", "examples", "--statistics").stdout.splitlines()
    assert len(text) == len(counts)
    top = stats[0]
    assert text[0].split()[:3] == [str(top["count"]), top["severity"], top["check"]]


def test_plan_follows_the_configs_exclude(repo):
    planned = json.loads(cli("plan", ".", cwd=repo).stdout)["include"]
    assert any("llama-70b" in e["id"] for e in planned)
    (repo / ".modelready.yaml").write_text("exclude: [deploy/llama-70b.yaml]\n")
    planned = json.loads(cli("plan", "deploy", cwd=repo).stdout)["include"]
    assert planned and not any("llama-70b.yaml" in e["id"] for e in planned)
