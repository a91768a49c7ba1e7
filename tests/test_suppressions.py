"""Suppressions as Kubernetes users write them (annotations with reason and expiry) and `.modelready.yaml`."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from modelready import pipeline
from modelready.config import load_config
from modelready.findings import Severity

CASES = Path(__file__).parent / "checks"


def annotated(tmp_path: Path, until: str | None) -> Path:
    text = (CASES / "image-tag-mutable" / "fail.yaml").read_text()
    extra = f'    modelready.io/skip-until: "{until}"\n' if until else ""
    text = text.replace("  namespace: serving\n  labels:\n    app: llama-8b\nspec:",
                        "  namespace: serving\n  labels:\n    app: llama-8b\n  annotations:\n"
                        '    modelready.io/skip: "image-tag-mutable, engine-version-unknown"\n'
                        '    modelready.io/skip-reason: "canary tracks the nightly image on purpose"\n' + extra + "spec:", 1)
    path = tmp_path / "deploy.yaml"
    path.write_text(text)
    return path


def test_annotation_suppresses_with_its_reason(tmp_path):
    path = annotated(tmp_path, "2026-12-31")
    res = pipeline.run([path], load_config(None), tmp_path, today=dt.date(2026, 11, 23))
    hits = [f for f in res.findings if f.check == "image-tag-mutable"]
    assert hits and all(f.suppressed == "canary tracks the nightly image on purpose" for f in hits)
    assert not [f for f in res.active_findings() if f.check in ("image-tag-mutable", "engine-version-unknown")]


def test_expired_suppression_brings_the_finding_back(tmp_path):
    path = annotated(tmp_path, "2026-11-01")
    res = pipeline.run([path], load_config(None), tmp_path, today=dt.date(2026, 11, 23))
    hits = [f for f in res.active_findings() if f.check == "image-tag-mutable"]
    assert hits and "suppression expired on 2026-11-01" in hits[0].message


def test_config_disables_overrides_severity_and_excludes(tmp_path):
    shutil.copy(CASES / "pdb-missing" / "fail.yaml", tmp_path / "deploy.yaml")
    (tmp_path / "vendor").mkdir()
    shutil.copy(CASES / "image-tag-mutable" / "fail.yaml", tmp_path / "vendor" / "third-party.yaml")
    (tmp_path / ".modelready.yaml").write_text(
        "exclude: [vendor/]\nchecks:\n  disable: [gpu-type-unpinned]\n  severity:\n    pdb-missing: error\nfail_on: warning\n")
    config = load_config(tmp_path / ".modelready.yaml")
    res = pipeline.run([tmp_path], config, tmp_path)
    assert config.fail_on == Severity.warning
    assert [f.severity for f in res.findings if f.check == "pdb-missing"] == [Severity.error]
    assert not [f for f in res.findings if f.check == "gpu-type-unpinned"]
    assert not [f for f in res.findings if f.loc.file.startswith("vendor/")]
    assert [(f.path, f.status, f.reason) for f in res.files if f.path.startswith("vendor/")] == [
        ("vendor/third-party.yaml", "skipped", "excluded by config")]
