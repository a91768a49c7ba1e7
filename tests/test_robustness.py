"""Bad input gets a finding with file and line, or a skip with a reason, or exit 2 with a message: never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from . import warm


def check(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`python -m modelready.cli check ARGS` in this environment, forked warm (tests/warm.py)."""
    return warm.run(["modelready.cli", "check", *args], env=dict(os.environ), cwd=cwd or Path.cwd(), timeout=60)


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    (tmp_path / "binary.yaml").write_bytes(b"\x00\x01\x02apiVersion: v1\n" * 10)
    (tmp_path / "latin1.yaml").write_bytes("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n".encode("latin-1"))
    (tmp_path / "huge.yaml").write_text("a: b\n" * 1_200_000)
    (tmp_path / "empty.yaml").write_text("")
    (tmp_path / "tabs.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n\tname: x\n")
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
    (tmp_path / "scalar-list.yaml").write_text("- just\n- a list\n")
    (tmp_path / "config.json").write_text('{"model_type": "llama", "max_position_embeddings": 8192,')
    (tmp_path / "other.json").write_text('{"name": "not a model config"}')
    (tmp_path / "README.md").write_text("---\nlicense: [unclosed\n---\n# card\n")
    (tmp_path / "Dockerfile").write_text("# only a comment\n")
    (tmp_path / "weird-kinds.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: odd}\nspec:\n  replicas: many\n  template:\n    spec:\n"
        "      containers:\n      - {name: c, image: 42, args: [--model], resources: {limits: {nvidia.com/gpu: two}}, ports: [{containerPort: x}]}\n"
        "      volumes: [oops]\n---\napiVersion: v1\nkind: Service\nspec: [1, 2]\n")
    bad_chart = tmp_path / "chart"
    (bad_chart / "templates").mkdir(parents=True)
    (bad_chart / "Chart.yaml").write_text("apiVersion: v2\nname: bad\nversion: 0.1.0\n")
    (bad_chart / "templates" / "x.yaml").write_text("kind: {{ .Values.nope.deeper }}\n")
    return tmp_path


def test_messy_inputs_are_findings_or_skips(messy):
    proc = check(str(messy), "--format", "json", cwd=messy)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)
    files = {f["path"]: f for f in doc["files"]}
    assert files["binary.yaml"]["status"] == "skipped" and "binary" in files["binary.yaml"]["reason"]
    assert files["latin1.yaml"]["status"] == "skipped" and "UTF-8" in files["latin1.yaml"]["reason"]
    assert files["huge.yaml"]["status"] == "skipped" and "too large" in files["huge.yaml"]["reason"]
    assert files["other.json"]["status"] == "skipped"
    unreadable = {(f["file"], f["line"]) for f in doc["findings"] if f["check"] == "input-unreadable"}
    assert ("tabs.yaml", 4) in unreadable
    assert ("config.json", 1) in unreadable
    assert ("README.md", 3) in unreadable  # libyaml reports an unclosed list where the front matter ends
    assert any(f == "deep.yaml" for f, _ in unreadable)
    assert any(f["check"] == "helm-render-failed" and "nope" in f["message"] for f in doc["findings"])
    assert not doc["errors"]
    assert len(files) == sum(1 for p in messy.rglob("*") if p.is_file())


@pytest.mark.parametrize("args, message", [
    (["does-not-exist"], "no such file"),
    (["--profile", "nope", "."], "unknown profile"),
    (["--config", "cfg.yaml", "."], "must be a mapping"),
    (["--config", "cfg2.yaml", "."], "checks.disable must be a list of check IDs"),
])
def test_usage_errors_exit_2_with_a_message(tmp_path, args, message):
    (tmp_path / "cfg.yaml").write_text("- excludes\n")
    (tmp_path / "cfg2.yaml").write_text("checks:\n  disable: no-such-check\n")
    proc = check(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_exit_codes_follow_fail_on(tmp_path):
    examples = Path(__file__).resolve().parents[1] / "examples"
    # the chart's high-concurrency CI values set (256 sequences on one L4) is tight by the memory model: a warning
    assert check(str(examples / "charts"), "--fail-on", "error").returncode == 0
    assert check(str(examples / "charts"), "--fail-on", "warning").returncode == 1
    assert check(str(examples / "manifests")).returncode == 1
    assert check(str(examples / "model"), "--fail-on", "info").returncode == 0


def test_one_run_writes_every_format_by_extension(tmp_path):
    examples = Path(__file__).resolve().parents[1] / "examples"
    outs = [tmp_path / n for n in ("r.json", "r.sarif", "r.xml", "r.md", "r.txt")]
    proc = check(str(examples), *[a for o in outs for a in ("-o", str(o))])
    assert proc.returncode == 1 and proc.stdout == ""
    assert json.loads(outs[0].read_text())["schema_version"] == 1
    assert json.loads(outs[1].read_text())["version"] == "2.1.0"
    assert outs[2].read_text().startswith("<?xml")
    assert outs[3].read_text().startswith("<!-- modelready:checklist -->")
    assert "FAIL (fail on error)" in outs[4].read_text()


def test_alias_bomb_does_not_amplify(tmp_path):
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]  # 10^9 leaves if copied
    (tmp_path / "bomb.yaml").write_text("\n".join(lines) + "\n")
    proc = check(str(tmp_path), "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0  # `scope: serving`: a file that names no engine is a warning, not a block (issue 23)
    doc = json.loads(proc.stdout)
    assert doc["files"][0]["status"] == "error"
    found = [f for f in doc["findings"] if f["check"] == "input-unreadable"]
    assert [(f["file"], f["line"], f["severity"]) for f in found] == [("bomb.yaml", 7, "warning")] and "aliases expand" in found[0]["message"]


def test_kustomize_overlay_without_kubectl_is_a_clear_skip(tmp_path, monkeypatch):
    import shutil as sh

    from modelready import pipeline
    from modelready.config import Config

    base = tmp_path / "deploy" / "base"
    base.mkdir(parents=True)
    sh.copy(Path(__file__).parent / "checks" / "pdb-missing" / "pass.yaml", base / "vllm.yaml")
    (base / "kustomization.yaml").write_text("resources: [vllm.yaml]\n")
    monkeypatch.setattr(sh, "which", lambda name: None)
    res = pipeline.run([tmp_path], Config(), tmp_path)
    rec = next(f for f in res.files if f.kind == "kustomize")
    assert rec.status == "skipped" and "kubectl not found" in rec.reason
    assert any(d.name == "llama-8b" for d in res.deployments)  # its plain files are still checked


def test_a_failure_normalizing_one_object_is_its_finding_and_the_run_goes_on(tmp_path, monkeypatch):
    """isolate.guard: an exception while one object is normalized is an internal-error finding naming its file; the
    other objects are read; an interrupt is no such failure and ends the run."""
    from modelready import pipeline
    from modelready.config import Config

    for name in ("a", "b"):
        (tmp_path / f"{name}.yaml").write_text(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  template:\n    spec:\n      containers:\n"
            f"      - {{name: vllm, image: vllm/vllm-openai:v0.8.5, args: [--model, Qwen/Qwen2.5-0.5B-Instruct]}}\n")
    real = pipeline.to_deployments

    def failing(obj, near=None):
        if obj.name == "a":
            raise RecursionError("maximum recursion depth exceeded")
        return real(obj, near)

    monkeypatch.setattr(pipeline, "to_deployments", failing)
    res = pipeline.run([tmp_path], Config(), tmp_path.resolve())
    internal = [f for f in res.findings if f.check == "internal-error"]
    assert [(f.loc.file, f.severity.name) for f in internal] == [("a.yaml", "error")]
    assert "internal error while normalizing Deployment/default/a on a.yaml: RecursionError" in internal[0].message
    assert res.errors == [internal[0].message]  # the exit code says it
    assert [d.name for d in res.deployments] == ["b"]

    def interrupted(obj, near=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "to_deployments", interrupted)
    with pytest.raises(KeyboardInterrupt):
        pipeline.run([tmp_path], Config(), tmp_path.resolve())
