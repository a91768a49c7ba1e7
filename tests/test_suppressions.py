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


def test_the_runner_keeps_each_checks_findings_in_order_and_a_failing_check_alone(tmp_path, monkeypatch):
    """One loop per subject (checks.runner._apply): each check's findings in registry order, as the check itself gives
    them; a check that raises (in its body or its `applies=`) is an internal-error finding in its place, never silenced by
    an annotation naming that check; one whose `applies=` raised is not recorded as applied, one whose body raised is."""
    import dataclasses

    from modelready.checks import registry, runner
    from modelready.findings import Finding

    path = annotated(tmp_path, None)  # skips image-tag-mutable and engine-version-unknown
    res = pipeline.run([path], load_config(None), tmp_path)
    [subject] = [s for s in pipeline._subjects(res) if s.scope == "deployment"]
    real = registry()

    def boom(_d):
        raise RuntimeError("broken on purpose")

    order = [real["image-tag-mutable"], dataclasses.replace(real["engine-version-unknown"], run=boom),
             dataclasses.replace(real["pdb-missing"], id="applies-raises", applies=boom), real["pdb-missing"], real["weights-downloaded-every-start"]]
    monkeypatch.setattr(runner, "registry", lambda: {c.id: c for c in order})
    checked = runner.run([subject], load_config(None), dt.date(2026, 11, 23))

    d, name = subject.value, subject.name
    own = {c.id: [Finding(c.id, c.severity, h.message, h.loc, c.items, subject=name) for h in c.run(d)] for c in (order[0], order[3], order[4])}
    assert own["image-tag-mutable"] and own["weights-downloaded-every-start"] and order[3].applies(d) and not own["pdb-missing"]
    for f in own["image-tag-mutable"]:
        f.suppressed = "canary tracks the nightly image on purpose"
    [failed, unsure] = [f for f in checked.findings if f.check == "internal-error"]
    assert "in check engine-version-unknown" in failed.message and failed.suppressed is None
    assert "in check applies-raises" in unsure.message
    assert checked.findings == own["image-tag-mutable"] + [failed, unsure] + own["weights-downloaded-every-start"]
    assert checked.applied == {(i, name) for i in ("image-tag-mutable", "engine-version-unknown", "pdb-missing", "weights-downloaded-every-start")}
    assert checked.errors == [failed.message, unsure.message]
