"""Hostile and huge input, one class per case: each run ends within 30 s of CPU and wall time (resource
limits on the child, not timed assertions) and 1.5 GB of resident memory at its peak, Helm workers
included, by no signal, with no traceback, a report, and a finding or a file record that names the
offending file.

Memory is measured as peak RSS, not capped by RLIMIT_AS: the Go runtime in a Helm worker reserves ~1.5 GB
of address space it never touches (~70 MB resident), and under a 1.5 GB address-space cap it died of
SIGABRT at random on an ordinary render. A 4 GB cap stays as a backstop against a runaway."""

from __future__ import annotations

import dataclasses
import json
import os
import resource
import subprocess
import sys
import threading
from pathlib import Path
from xml.etree import ElementTree

import pytest

LIMIT_S, LIMIT_BYTES, BACKSTOP_BYTES = 30, 1536 * 1024 * 1024, 4096 * 1024 * 1024
HANG_S = 10 * LIMIT_S  # wall time only stops a hang (which uses no CPU): the bound is the CPU limit, however loaded the machine
# Helm bounded by its CPU limit too (the product's wall limit is a backstop that a loaded machine reaches first)
CHILD_ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "MODELREADY_HELM_CPU_S": "3", "MODELREADY_HELM_WALL_S": str(HANG_S)}
EXITS = {0, 1, 3}  # README: 0 clean, 1 findings, 3 internal error (report still written)
VLLM = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, labels: {{app: {name}}}}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
      - name: vllm
        image: vllm/vllm-openai:v0.8.5
        args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"{extra}]
        resources: {{limits: {{nvidia.com/gpu: 1}}}}
"""
LOL = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 9))


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (BACKSTOP_BYTES, BACKSTOP_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (LIMIT_S, LIMIT_S))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_check(folder: Path, *args: str, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess, dict]:
    cmd = [sys.executable, "-m", "modelready.cli", "check", ".", "--format", "json", *args]
    with open(folder.parent / f"{folder.name}.out", "w+") as out, open(folder.parent / f"{folder.name}.err", "w+") as err:
        child = subprocess.Popen(cmd, cwd=folder, stdout=out, stderr=err, preexec_fn=_limits, env={**CHILD_ENV, **(env or {})})
        wall = threading.Timer(HANG_S, child.kill)  # a hang uses no CPU: wall time is bounded apart
        wall.start()
        # wait4, not wait: its usage covers the run and the Helm workers it reaped (peak RSS of any of them)
        _pid, status, usage = os.wait4(child.pid, 0)
        wall.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        proc = subprocess.CompletedProcess(cmd, child.returncode, out.read(), err.read())
    assert proc.returncode >= 0, f"killed by signal {-proc.returncode}"
    assert usage.ru_maxrss * 1024 < LIMIT_BYTES, f"peak resident memory {usage.ru_maxrss // 1024} MB"
    assert proc.returncode in EXITS, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr + proc.stdout
    return proc, json.loads(proc.stdout)


def named(doc: dict, file: str, check: str | None = None) -> list[str]:
    """Messages of findings on `file` (of `check`), and the reason of its file record when it was not checked."""
    out = [f["message"] for f in doc["findings"] if f["file"] == file and (check is None or f["check"] == check)]
    out += [r["reason"] for r in doc["files"] if r["path"] == file and r["status"] != "checked" and check is None]
    return out


def chart(folder: Path, template: str, values: str = "", ci: dict | None = None) -> Path:
    (folder / "templates").mkdir(parents=True)
    (folder / "Chart.yaml").write_text(f"apiVersion: v2\nname: {folder.name}\nversion: 0.1.0\n")
    (folder / "values.yaml").write_text(values)
    (folder / "templates" / "x.yaml").write_text(template)
    for name, text in (ci or {}).items():
        (folder / "ci").mkdir(exist_ok=True)
        (folder / "ci" / name).write_text(text)
    return folder


@pytest.mark.parametrize("literal", ["replicas: " + "9" * 5000, 'replicas: !!int ""', "replicas: !!bool maybe", "replicas: !!float abc"])
def test_scalars_that_do_not_construct(tmp_path, literal):
    (tmp_path / "ok.yaml").write_text(VLLM.format(name="ok", extra=""))
    (tmp_path / "bad.yaml").write_text(VLLM.format(name="bad", extra="").replace("spec:\n  selector", f"spec:\n  {literal}\n  selector"))
    proc, doc = run_check(tmp_path)
    assert any("is not a valid" in m for m in named(doc, "bad.yaml", "input-unreadable"))
    assert any(d.startswith("Deployment/default/ok") for d in {f["subject"] for f in doc["findings"]})  # the other file stays


def test_selector_of_the_wrong_type_meets_a_labelled_deployment(tmp_path):
    (tmp_path / "deploy.yaml").write_text(VLLM.format(name="llm", extra=""))
    (tmp_path / "svc.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {selector: app}\n---\n"
                                       "apiVersion: v1\nkind: Service\nmetadata: {name: b}\nspec: {selector: 7}\n---\n"
                                       "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: p}\n"
                                       "spec: {selector: {matchLabels: [app]}}\n")
    proc, doc = run_check(tmp_path)
    assert proc.returncode == 0  # the Services select no serving pod: their errors are info under `scope: serving` (issue 23)
    assert len(named(doc, "svc.yaml", "field-type-invalid")) == 3
    assert any(f["check"] == "service-missing" and f["subject"].startswith("Deployment/default/llm") for f in doc["findings"])


def test_modelspec_graph_bounded(tmp_path):
    names = [f"spec{i}.yaml" for i in range(10)]
    for n in names:  # ten specs that all name each other: millions of simple cycles
        deps = "".join(f"  - {{name: {o[:-5]}, specRef: {o}}}\n" for o in names if o != n)
        (tmp_path / n).write_text(f"apiVersion: modelready.io/v1alpha1\nkind: ModelSpec\nmetadata: {{name: {n[:-5]}}}\nspec:\n  dependencies:\n{deps}")
    (tmp_path / "odd.yaml").write_text("apiVersion: modelready.io/v1alpha1\nkind: ModelSpec\nmetadata: {name: odd}\nspec:\n"
                                       f"  dependencies: 5\n---\napiVersion: modelready.io/v1alpha1\nkind: ModelSpec\nmetadata: {{name: long}}\n"
                                       f"spec:\n  dependencies:\n  - {{name: x, specRef: {'a' * 300}.yaml}}\n")
    proc, doc = run_check(tmp_path)
    assert named(doc, "spec0.yaml", "spec-dependency-cycle")
    assert named(doc, "odd.yaml") and not doc["errors"]


@pytest.mark.parametrize("text, message", [("[" * 100_000 + "]" * 100_000, "nests deeper"),
                                           ('{"model_type": "llama", "max_position_embeddings": ' + "9" * 5000 + "}", "digits"),
                                           ('{"model_type": "llama", "rope_scaling": {"type": "yarn", "factor": 1e400}}', "out of range"),
                                           ('{"model_type": "llama", "rope_scaling": {"type": "yarn", "factor": Infinity}}', "Infinity")])
def test_config_json_bounded(tmp_path, text, message):
    (tmp_path / "config.json").write_text(text)
    _proc, doc = run_check(tmp_path)
    assert any(message in m for m in named(doc, "config.json", "input-unreadable"))


@pytest.mark.parametrize("where", ["plain", "card", "template"])
def test_deep_nesting(tmp_path, where):
    deep = "[" * 30_000 + "]" * 30_000
    if where == "plain":
        (tmp_path / "deep.yaml").write_text("a: " + deep + "\n")
        file, check = "deep.yaml", "input-unreadable"
    elif where == "card":
        (tmp_path / "README.md").write_text(f"---\nlicense: {deep}\n---\n# card\n")
        file, check = "README.md", "input-unreadable"
    else:
        chart(tmp_path / "c", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: " + deep + "}\n")
        file, check = "c/templates/x.yaml", "helm-render-failed"
    _proc, doc = run_check(tmp_path)
    assert named(doc, file, check)


@pytest.mark.parametrize("where", ["args", "env", "card", "ci-values"])
def test_alias_bombs(tmp_path, where):
    indented = "".join("  " + line + "\n" for line in LOL.splitlines())
    if where in ("args", "env"):
        use = "        args: *a8\n" if where == "args" else "        env: [{name: X, value: *a8}]\n"
        text = VLLM.format(name="b", extra="").replace('        args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]\n', use)
        (tmp_path / "bomb.yaml").write_text(text.replace("spec:\n  selector", "x-anchors:\n" + indented + "spec:\n  selector", 1))
        file, check = "bomb.yaml", "input-unreadable"
    elif where == "card":
        (tmp_path / "README.md").write_text("---\n" + LOL + "tags: *a8\n---\n# card\n")
        file, check = "README.md", "input-unreadable"
    else:
        chart(tmp_path / "c", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: {{ .Values.b | toJson | quote }}}\n",
              ci={"bomb.yaml": LOL + "b: *a8\n"})
        file, check = "c/ci/bomb.yaml", "helm-render-failed"
    _proc, doc = run_check(tmp_path)
    assert any("aliases expand" in m for m in named(doc, file, check))


def test_devices_and_links_out_of_the_repository(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret-deploy.yaml").write_text(VLLM.format(name="outside", extra=""))
    (outside / "creds.txt").write_text("TOP-SECRET-CONTENT\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "zero.yaml").symlink_to("/dev/zero")
    (repo / "outside.yaml").symlink_to(outside / "secret-deploy.yaml")
    c = chart(repo / "c", 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: {{ .Files.Get "creds.txt" | quote }}, b: {{ required "creds" (.Files.Get "creds.txt") | quote }}}\n')
    (c / "creds.txt").symlink_to(outside / "creds.txt")
    proc, doc = run_check(repo)
    files = {r["path"]: r for r in doc["files"]}
    assert files["zero.yaml"]["status"] == "skipped" and "outside the repository" in files["zero.yaml"]["reason"]
    assert files["outside.yaml"]["status"] == "skipped" and "outside the repository" in files["outside.yaml"]["reason"]
    assert files["c/creds.txt"]["status"] == "skipped"
    assert "TOP-SECRET" not in proc.stdout and not any(d["name"] == "outside" for d in doc.get("deployments", []))


def test_config_file_that_is_a_device_is_a_usage_error(tmp_path):
    (tmp_path / ".modelready.yaml").symlink_to("/dev/zero")
    proc = subprocess.run([sys.executable, "-m", "modelready.cli", "check", "."], cwd=tmp_path, capture_output=True, text=True,
                          timeout=HANG_S, preexec_fn=_limits, env=CHILD_ENV)
    # a link out of the repository, refused before it is opened (a FIFO in the repository: "not a regular file")
    assert proc.returncode == 2 and ".modelready.yaml: cannot be read: symbolic link to outside the repository" in proc.stderr


@pytest.mark.parametrize("template, values, cpu_s, stop", [
    # 6 GB in 9 s, unbounded: the worker's memory limit ends it (under the default CPU limit: 3 s would race it)
    ("{{- range until 100000000 }}\n# {{ . }}\n{{- end }}\n", "", "20", "Helm engine died"),
    # endless recursion: its Go stack would reach the memory limit after ~15 s of CPU; the CPU limit (3 s here) stops it first
    ("{{ tpl .Values.a . }}\n", 'a: "{{ tpl .Values.a . }}"\n', "3", "more than 3 s of CPU time"),
])
def test_helm_runaway_is_stopped(tmp_path, template, values, cpu_s, stop):
    chart(tmp_path / "c", template, values)
    (tmp_path / "ok.yaml").write_text(VLLM.format(name="ok", extra=""))
    _proc, doc = run_check(tmp_path, env={"MODELREADY_HELM_CPU_S": cpu_s})
    assert any(stop in m for m in named(doc, "c/Chart.yaml", "helm-render-failed")), named(doc, "c/Chart.yaml")
    assert any(f["subject"].startswith("Deployment/default/ok") for f in doc["findings"])


def test_huge_int_in_a_rendered_template(tmp_path):
    chart(tmp_path / "c", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: {{ .Release.Name }}}\nspec: {replicas: " + "9" * 5000 + "}\n")
    _proc, doc = run_check(tmp_path)
    assert any("is not a valid int" in m for m in named(doc, "c/templates/x.yaml", "helm-render-failed"))


def test_many_deployments_in_one_file(tmp_path):
    docs = [VLLM.format(name=f"llm-{i}", extra=', "--max-model-len", "8192"') for i in range(1700)]
    (tmp_path / "many.yaml").write_text("---\n".join(docs))
    assert (tmp_path / "many.yaml").stat().st_size < 5 * 1024 * 1024
    _proc, doc = run_check(tmp_path)
    assert doc["summary"]["deployments"] == 1700


def test_nul_in_an_argument_keeps_junit_valid(tmp_path):
    (tmp_path / "d.yaml").write_text(VLLM.format(name="nul", extra=', "--served-model-name=a\\0b"'))
    proc = subprocess.run([sys.executable, "-m", "modelready.cli", "check", ".", "-o", "r.xml"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=HANG_S, preexec_fn=_limits, env=CHILD_ENV)
    assert proc.returncode in EXITS
    ElementTree.parse(tmp_path / "r.xml")


def _fake_trivy(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "trivy"
    script.write_text("#!/bin/sh\nif [ \"$1\" = version ]; then echo '{\"Version\": \"0.59.1\"}'; exit 0; fi\n" + body)
    script.chmod(0o755)
    return script


@pytest.mark.parametrize("body, says", [
    ("sleep 600 & sleep 600\n", "timed out"),  # a child of Trivy must die with it
    ("echo '{\"Results\": [7, {\"Target\": 1, \"Misconfigurations\": {\"a\": 1}}]}'\n", None),
    ("echo '[1, 2]'\n", None),
])
def test_trivy_hanging_or_malformed(tmp_path, body, says):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "d.yaml").write_text(VLLM.format(name="t", extra=""))
    (repo / ".modelready.yaml").write_text("trivy: {timeout: 2}\n")
    proc, doc = run_check(repo, "--trivy", "config", "--trivy-bin", str(_fake_trivy(tmp_path, body)))
    runs = doc["scans"]["trivy"]["runs"]
    assert says is None or any(says in r["stderr"] for r in runs)
    assert not doc["errors"]
    leftover = subprocess.run(["pgrep", "-f", "sleep 600"], capture_output=True, text=True).stdout.split()
    assert not [pid for pid in leftover if Path(f"/proc/{pid}/cwd").exists() and os.readlink(f"/proc/{pid}/cwd") == str(repo)]


def test_a_failing_check_is_an_internal_error_and_the_rest_stays(tmp_path, monkeypatch, capsys):
    from modelready import cli
    from modelready.checks import registry

    (tmp_path / "d.yaml").write_text(VLLM.format(name="llm", extra=""))
    def boom(_subject):
        raise OverflowError("cannot convert float infinity to integer")

    monkeypatch.setitem(registry(), "readiness-probe-missing", dataclasses.replace(registry()["readiness-probe-missing"], run=boom))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check", ".", "-o", "r.json"]) == 3
    doc = json.loads((tmp_path / "r.json").read_text())
    errors = [f for f in doc["findings"] if f["check"] == "internal-error"]
    assert len(errors) == 1 and errors[0]["file"] == "d.yaml"
    assert "readiness-probe-missing" in errors[0]["message"] and "OverflowError" in errors[0]["message"]
    assert any(f["check"] == "service-missing" for f in doc["findings"])
    assert "Traceback" not in capsys.readouterr().err


def test_a_backtracking_kustomize_target_name_is_matched_in_linear_time(tmp_path):
    """A patch's target name is a Go regexp (RE2): `llm-(a|aa)+` against a name of sixty a's and a suffix took
    Python's backtracking `re` for ever, and the gate never reported. It matches the name it fits, and only it."""
    long = "llm-" + "a" * 60
    base = tmp_path / "base"
    base.mkdir()
    (base / "deploy.yaml").write_text(VLLM.format(name=long, extra="") + "---\n" + VLLM.format(name=long + "-x", extra=""))
    (base / "kustomization.yaml").write_text("resources: [deploy.yaml]\n")
    (tmp_path / "overlay").mkdir()
    (tmp_path / "overlay" / "kustomization.yaml").write_text(
        "resources: [../base]\npatches:\n- target: {kind: Deployment, name: 'llm-(a|aa)+'}\n  patch: |\n"
        "    - op: add\n      path: /spec/template/spec/containers/0/securityContext\n      value: {privileged: true}\n")
    _proc, doc = run_check(tmp_path, "--offline")
    privileged = {f["subject"] for f in doc["findings"] if f["check"] == "pod-privileged"}
    assert any(long in s and long + "-x" not in s for s in privileged) and not any(long + "-x" in s for s in privileged), privileged


def test_a_long_dockerfile_run_line_is_read_in_linear_time(tmp_path):
    """A RUN line is the PR's: Python's re tried each `git+https://` (`git clone `, `snapshot_download(`) of one long
    word to the word's end, and a half-megabyte line ran past the CPU limit. Each pattern is still found where it is."""
    (tmp_path / "Dockerfile").write_text(
        "FROM vllm/vllm-openai:v0.8.5\n"
        "RUN pip install git+https://github.com/vllm-project/vllm.git " + "git+https://" * 40_000 + "\n"
        "RUN git clone https://github.com/sgl-project/sglang && " + "git clone " * 40_000 + "\n"
        "RUN huggingface-cli download Qwen/Qwen2.5-7B-Instruct && " + "snapshot_download(" * 30_000 + "\n")
    _proc, doc = run_check(tmp_path, "--offline")
    assert any("vllm is installed from git" in m for m in named(doc, "Dockerfile", "engine-built-from-branch"))
    assert any("sglang is cloned at its default branch" in m for m in named(doc, "Dockerfile", "engine-built-from-branch"))
    assert any("Qwen/Qwen2.5-7B-Instruct is downloaded without --revision" in m for m in named(doc, "Dockerfile", "weights-baked-unpinned"))


@pytest.mark.parametrize("name", ["loop", "NUL"])
@pytest.mark.parametrize("where", ["kustomize", "specref", "chart-dependency"])
def test_a_path_that_loops_or_holds_a_nul_is_refused_and_named(tmp_path, where, name):
    """A kustomization's resource, a ModelSpec's specRef or a chart's `file://` dependency naming a link that loops (or a
    name with a NUL, "\\0" in YAML): Path.resolve raised RuntimeError (ValueError), the overlay's a traceback and no
    report, the others an internal error. Each is refused and said on its file; the rest is checked."""
    (tmp_path / "loop").symlink_to("loop")
    ref = "loop" if name == "loop" else "d\\0.yaml"
    (tmp_path / "d.yaml").write_text(VLLM.format(name="llm", extra=""))
    if where == "kustomize":
        (tmp_path / "ov").mkdir()
        (tmp_path / "ov" / "loop").symlink_to("loop")
        (tmp_path / "ov" / "kustomization.yaml").write_text(f'resources: ["{ref}", ../d.yaml]\n')
        file, says = "ov/kustomization.yaml", "not readable (" + ("more than 40 symbolic links" if name == "loop" else "a NUL character")
    elif where == "specref":
        (tmp_path / "spec.yaml").write_text("apiVersion: modelready.io/v1alpha1\nkind: ModelSpec\nmetadata: {name: a}\n"
                                            f'spec:\n  dependencies:\n  - {{name: x, specRef: "{ref}"}}\n')
        file, says = "spec.yaml", "does not exist"
    else:
        chart(tmp_path / "umb", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: top}\n")
        (tmp_path / "umb" / "Chart.yaml").write_text("apiVersion: v2\nname: umb\nversion: 0.1.0\ndependencies:\n"
                                                     f'- name: dep\n  version: 0.1.0\n  repository: "file://../{ref}"\n')
        file, says = "umb/Chart.yaml", "no chart at"
    proc, doc = run_check(tmp_path, "--offline")
    assert proc.returncode != 3 and not any(f["check"] == "internal-error" for f in doc["findings"]), proc.stderr[-2000:]
    assert any(says in m for m in named(doc, file)), named(doc, file)
    assert any(f["check"] == "service-missing" and f["file"] == "d.yaml" for f in doc["findings"])


@pytest.mark.parametrize("model", ["org/" + "9" * 5000 + "x7B", "/models/" + "1" * 60_000], ids=["int-of-5000-digits", "60000-digits"])
def test_a_model_name_of_absurd_length_is_not_sized_by_its_name(tmp_path, model):
    """The size in a model's name (`Mixtral-8x7B`) was read by a regex quadratic in a run of digits (60,000 ran past the
    CPU limit) and by int() (5,000 digits: ValueError, an internal error). No repository or file has such a name."""
    (tmp_path / "d.yaml").write_text(VLLM.format(name="llm", extra="").replace("meta-llama/Llama-3.1-8B-Instruct", model))
    proc, doc = run_check(tmp_path, "--offline")
    assert proc.returncode != 3 and not any(f["check"] == "internal-error" for f in doc["findings"]), proc.stderr[-2000:]
    assert any(f["check"] == "service-missing" and f["file"] == "d.yaml" for f in doc["findings"])


def test_a_long_secret_value_is_read_in_linear_time(tmp_path):
    """An env value is the PR's: the placeholder test (`{{ x }}` is no secret) tried each `{{` of the value to its end,
    and 800 KB of them ran past the CPU limit. A token written in the manifest is still found."""
    env = "        env:\n        - {name: HF_TOKEN, value: \"" + "{{" * 400_000 + "\"}\n        - {name: API_TOKEN, value: hf_abcdefgh}\n"
    (tmp_path / "d.yaml").write_text(VLLM.format(name="llm", extra="").replace("        resources:", env + "        resources:"))
    _proc, doc = run_check(tmp_path, "--offline")
    assert [m for m in named(doc, "d.yaml", "secret-inline") if "HF_TOKEN" not in m and "API_TOKEN" in m]


@pytest.mark.parametrize("where", ["model-card", "chart-template-kind", "chart-template-comment"])
def test_runs_of_blank_lines_and_open_comments_are_read_in_linear_time(tmp_path, where):
    """`^\\s*` under re.M spans lines: each line of a run of blank lines was tried to the run's end (a model card's
    License line, a silent chart's workload kind), and each `{{/*` of a template without `*/}}` to the file's end.
    Quadratic: a few hundred kilobytes ran past the CPU limit. What they look for is still found after the run."""
    if where == "model-card":
        (tmp_path / "MODEL_CARD.md").write_text("# A model\n" + "\n" * 400_000 + "Trained on a lot of text.\n")
        (tmp_path / "other").mkdir()
        (tmp_path / "other" / "MODEL_CARD.md").write_text("# A model\n" + "\n" * 10 + "License: Apache-2.0, see LICENSE\n")
        _proc, doc = run_check(tmp_path, "--offline")
        assert named(doc, "MODEL_CARD.md", "model-card-license-missing") and not named(doc, "other/MODEL_CARD.md", "model-card-license-missing")
        return
    c = chart(tmp_path / "c", "")
    if where == "chart-template-kind":  # a workload every values set leaves off: said, at the line of its kind
        (c / "templates" / "a.yaml").write_text("{{- if .Values.on }}\napiVersion: v1\n" + "\n" * 300_000 + "kind: ConfigMap\n{{- end }}\n")
        (c / "templates" / "b.yaml").write_text("{{- if .Values.on }}\napiVersion: apps/v1\n\n\nkind: Deployment\n{{- end }}\n")
        _proc, doc = run_check(tmp_path, "--offline")
        assert any("b.yaml defines a Deployment" in m for m in named(doc, "c/templates/b.yaml")), doc["findings"]
    else:
        (c / "templates" / "x.yaml").write_text("{{/*" * 200_000 + "\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Values.nope }}}\n")
        _proc, doc = run_check(tmp_path, "--offline")
        assert named(doc, "c/templates/x.yaml") or named(doc, "c/Chart.yaml"), doc["findings"]


def test_a_long_credential_of_letters_is_redacted_in_linear_time(tmp_path):
    """Redaction learns the values of credentials that look generated (a digit and a letter): the regex saying so tried
    each letter of a 300 KB value to its end, past the CPU limit. A generated token is still kept out of the report."""
    token = "hf_Zq8" + "xK3" * 10
    env = ("        env:\n        - {name: HF_TOKEN, value: \"" + "a" * 300_000 + "\"}\n"
           f"        - {{name: API_TOKEN, value: {token}}}\n")
    (tmp_path / "d.yaml").write_text(VLLM.format(name="llm", extra="").replace("        resources:", env + "        resources:"))
    proc, doc = run_check(tmp_path, "--offline")
    assert named(doc, "d.yaml", "secret-inline") and token not in proc.stdout + proc.stderr


@pytest.mark.parametrize("digits", ["9" * 5000, "²"], ids=["5000-digits", "superscript-two"])
@pytest.mark.parametrize("where", ["gpu-memory-label", "openshift-parameter", "image-tag", "pod-monitor-port"])
def test_a_number_int_does_not_read_is_no_number(tmp_path, where, digits):
    """str.isdigit() is true of "²" and of 5,000 digits, and int() refuses both (ValueError: an internal error, the
    file not fully checked): a GPU memory node label, an OpenShift template parameter substituted whole, an image tag's
    version, a PodMonitor's target port. Each is read as no number, and the deployment is checked."""
    deploy = VLLM.format(name="llm", extra="")
    if where == "pod-monitor-port":
        (tmp_path / "d.yaml").write_text(deploy + "---\napiVersion: monitoring.coreos.com/v1\nkind: PodMonitor\nmetadata: {name: pm}\n"
                                         f"spec:\n  selector: {{matchLabels: {{app: llm}}}}\n  podMetricsEndpoints: [{{targetPort: '{digits}'}}]\n")
    elif where == "gpu-memory-label":
        (tmp_path / "d.yaml").write_text(deploy.replace("      containers:", f"      nodeSelector: {{nvidia.com/gpu.memory: '{digits}'}}\n      containers:"))
    elif where == "openshift-parameter":
        obj = deploy.replace("spec:\n  selector", "spec:\n  replicas: '${{N}}'\n  selector", 1).replace("\n", "\n  ")
        (tmp_path / "d.yaml").write_text("apiVersion: template.openshift.io/v1\nkind: Template\nmetadata: {name: t}\n"
                                         f"parameters:\n- {{name: N, value: '{digits}'}}\nobjects:\n- {obj}\n")
    else:
        (tmp_path / "d.yaml").write_text(deploy.replace("vllm/vllm-openai:v0.8.5", f"vllm/vllm-openai:v0.{digits}.5"))
    proc, doc = run_check(tmp_path, "--offline")
    assert proc.returncode != 3 and not any(f["check"] == "internal-error" for f in doc["findings"]), proc.stderr[-2000:]
    assert any(f["check"] == "service-missing" and f["file"] == "d.yaml" for f in doc["findings"])


def test_a_helm_error_quoting_a_position_of_5000_digits_is_reported(tmp_path):
    """Helm's message quotes the template (`include "(x.yaml:<5,000 digits>:1)"`): the position read from it went to
    int(), whose ValueError was an internal error in place of the chart's render failure."""
    chart(tmp_path / "c", '{{ include "(c/templates/x.yaml:' + "9" * 5000 + ':1)" . }}\n')
    proc, doc = run_check(tmp_path, "--offline")
    assert proc.returncode != 3 and not any(f["check"] == "internal-error" for f in doc["findings"]), proc.stderr[-2000:]
    assert [f for f in doc["findings"] if f["check"] == "helm-render-failed" and f["file"] == "c/Chart.yaml"]
