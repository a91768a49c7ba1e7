"""Bounds on a run as a whole (issue 26): how many files it analyses, and how much CPU it spends, its Helm
workers and kubectl included. What a bound cuts is named by one not-analysed finding, never dropped silently.

Each case is a generated repository run as `modelready check` in a child under a CPU limit (RLIMIT_CPU:
SIGXCPU past it, which the test sees as a signal), never a wall-clock assertion.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from tests.test_hostile import BACKSTOP_BYTES, EXITS, HANG_S, LIMIT_BYTES, VLLM, chart


def check(folder: Path, cpu_s: int, **env: str) -> dict:
    """The JSON report of `modelready check .` run under `cpu_s` seconds of CPU (its Helm workers each under their own)."""
    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (BACKSTOP_BYTES, BACKSTOP_BYTES))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    cmd = [sys.executable, "-m", "modelready.cli", "check", ".", "--offline", "--format", "json", "-o", str(folder.parent / "r.json")]
    with open(folder.parent / "err", "w+") as err:
        child = subprocess.Popen(cmd, cwd=folder, stdout=subprocess.DEVNULL, stderr=err, preexec_fn=limits,
                                 env={**os.environ, "HF_HUB_OFFLINE": "1", **env})
        wall = threading.Timer(HANG_S, child.kill)  # only a hang (no CPU used) meets this
        wall.start()
        _pid, status, usage = os.wait4(child.pid, 0)
        wall.cancel()
        err.seek(0)
        stderr = err.read()
    code = os.waitstatus_to_exitcode(status)
    assert code >= 0, f"killed by signal {-code} (SIGXCPU: past {cpu_s} s of CPU)"
    assert code in EXITS and "Traceback" not in stderr, stderr[-2000:]
    assert usage.ru_maxrss * 1024 < LIMIT_BYTES
    return json.loads((folder.parent / "r.json").read_text())


def small_files(repo: Path, folders: int, per_folder: int) -> None:
    """A repository of many tiny files, as a monorepo is: mostly source, one in five a small YAML config."""
    for d in range(folders):
        here = repo / f"pkg{d // 20:02}" / f"mod{d:03}"
        here.mkdir(parents=True)
        for f in range(per_folder):
            name, text = (f"conf{f:02}.yaml", f"name: mod{d}\nretries: {f}\n") if f % 5 == 0 else (f"file{f:02}.py", f"VALUE = {f}\n")
            fd = os.open(here / name, os.O_WRONLY | os.O_CREAT, 0o644)  # no text layer: 20,000 files in well under a second
            os.write(fd, text.encode())
            os.close(fd)


@pytest.fixture
def in_memory(tmp_path):
    """A folder on tmpfs where the system has one: on this disk, creating 20,000 files costs seconds of kernel time."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(dir=shm, prefix="modelready-test-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_many_small_files_are_walked_cheaply_and_bounded_by_count(in_memory):
    repo = in_memory / "repo"
    repo.mkdir()
    (repo / "deploy.yaml").write_text(VLLM.format(name="llm", extra=""))  # walked first: analysed
    small_files(repo, 200, 100)  # 20,000 files, 4,000 of them YAML (the 100,000 took 75 s)
    (repo / "zz").mkdir()
    (repo / "zz" / "late.yaml").write_text(VLLM.format(name="late", extra=""))  # walked last: past the bound
    # 6 s of CPU: this tree took 2.3 s at 6d82e5c (a link resolution per file whatever its name), 1.3 s now
    doc = check(repo, 6, MODELREADY_MAX_FILES="3000")
    records = {r["path"]: r for r in doc["files"]}
    assert len(records) == 20_002  # every file accounted for, read or not
    assert records["deploy.yaml"]["status"] == "checked" and [d["name"] for d in doc["deployments"]] == ["llm"]
    bound = "past the run's bound of 3,000 files analysed (MODELREADY_MAX_FILES)"
    assert records["zz/late.yaml"] == {**records["zz/late.yaml"], "status": "skipped", "reason": "not analysed: " + bound}
    [cut] = [f for f in doc["findings"] if f["check"] == "not-analysed"]
    assert cut["message"].startswith("1,002 files not analysed (pkg07/mod149/conf95.yaml, pkg07/mod150/conf00.yaml") and cut["message"].endswith("and 997 more): " + bound)
    assert sum(1 for r in doc["files"] if r["reason"] == "not analysed: " + bound) == 1002
    assert records["pkg00/mod000/file01.py"]["reason"] == "not a deployment file"


CPU_TEMPLATE = """{{- $s := 0 }}
{{- range $i := until (int .Values.n) }}{{- $s = add $s $i }}{{- end }}
apiVersion: v1
kind: ConfigMap
metadata: {name: sum}
data: {s: {{ $s | quote }}}
"""


def test_the_runs_cpu_budget_counts_helm_workers_and_names_what_it_cut(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    # seven values sets, each a few hundred ms of the Helm worker's CPU (far within its own 20 s), and little of modelready's
    chart(repo / "c", CPU_TEMPLATE, "n: 5000000\n", ci={f"set-{i}-values.yaml": "n: 5000000\n" for i in range(6)})
    doc = check(repo, 30, MODELREADY_CPU_BUDGET_S="1")
    [cut] = [f for f in doc["findings"] if f["check"] == "not-analysed"]
    assert cut["file"] == "c/Chart.yaml" and "values sets not rendered (" in cut["message"]
    assert "the run's CPU budget (1 s, MODELREADY_CPU_BUDGET_S) was spent (" in cut["message"]
    assert "s used by modelready, its Helm workers and kubectl)" in cut["message"]
    rendered = next(r for r in doc["files"] if r["path"] == "c/Chart.yaml")["values_sets"]
    named = cut["message"].split("not rendered (", 1)[1].split("):", 1)[0].split(", ")
    assert rendered and set(rendered) | set(named) == {"values.yaml", *(f"ci/set-{i}-values.yaml" for i in range(6))}
    assert not set(rendered) & set(named)


def test_a_spent_cpu_budget_cuts_files_renders_and_says_so(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "deploy.yaml").write_text(VLLM.format(name="llm", extra=""))
    chart(repo / "c", CPU_TEMPLATE, "n: 1\n")
    doc = check(repo, 30, MODELREADY_CPU_BUDGET_S="0")
    spent = "the run's CPU budget (0 s, MODELREADY_CPU_BUDGET_S) was spent"
    messages = {f["file"]: f["message"] for f in doc["findings"] if f["check"] == "not-analysed"}
    assert set(messages) == {"(run)", "c/Chart.yaml"}  # one finding each, no "renders nothing" beside the cut
    assert messages["(run)"].startswith("1 file not analysed (deploy.yaml): " + spent)
    assert messages["c/Chart.yaml"].startswith("chart c: 1 values set not rendered (values.yaml): " + spent)
    assert {r["path"]: r["reason"] for r in doc["files"]}["deploy.yaml"].startswith("not analysed: " + spent)
    assert doc["summary"]["not_analysed"] == 2 and not doc["deployments"]


def test_checks_stop_when_the_budget_is_spent_and_name_what_they_left(run, tmp_path):
    from modelready import pipeline
    from modelready.checks import runner
    from modelready.config import Config

    for i in range(3):
        (tmp_path / f"d{i}.yaml").write_text(VLLM.format(name=f"llm-{i}", extra=""))
    res = run(tmp_path)
    subjects = [s for s in pipeline._subjects(res) if s.scope == "deployment"]
    assert len(subjects) == 3
    answers = iter([None])  # the first subject is checked, then the budget is spent
    checked = runner.run(subjects, Config(), dt.date(2026, 1, 1), lambda: next(answers, "the run's CPU budget (9 s) was spent"))
    assert {f.subject for f in checked.findings if f.check != "not-analysed"} == {subjects[0].name}
    [cut] = [f for f in checked.findings if f.check == "not-analysed"]
    assert cut.message == f"2 deployments not checked ({subjects[1].name}, {subjects[2].name}): the run's CPU budget (9 s) was spent"


def test_the_walk_stops_at_ten_times_the_files_analysed_and_says_where(tmp_path):
    repo = tmp_path / "repo"
    (repo / "a").mkdir(parents=True)
    (repo / "a" / "deploy.yaml").write_text(VLLM.format(name="llm", extra=""))
    for i in range(95):
        (repo / "a" / f"m{i:02}.py").write_text("x = 1\n")
    # the bound (100 files listed) falls inside the chart: a chart file not looked at could not be refused, so no render
    chart(repo / "b", VLLM.format(name="charted", extra=""), "", ci={f"v{i}-values.yaml": "a: 1\n" for i in range(8)})
    (repo / "c").mkdir()
    (repo / "c" / "late.yaml").write_text(VLLM.format(name="late", extra=""))
    doc = check(repo, 30, MODELREADY_MAX_FILES="10")
    assert len(doc["files"]) == 96 and not any(r["path"].startswith(("b/", "c/")) for r in doc["files"])
    [cut] = [f for f in doc["findings"] if f["check"] == "not-analysed"]
    assert cut["message"] == ("files from b/ci/v2-values.yaml (in chart b, not rendered) on were not looked at: "
                              "the walk stopped after listing 100 files (ten times MODELREADY_MAX_FILES)")
    assert [d["name"] for d in doc["deployments"]] == ["llm"]


def test_kustomize_overlays_are_cut_by_the_cpu_budget(run, monkeypatch):
    from modelready.load import budget
    from tests.test_reading import LAYOUTS

    monkeypatch.setattr(budget, "CPU_SECONDS", 0.0)  # spent before the first file or overlay
    result = run(LAYOUTS / "kustomize-components")
    cut = {f.subject: f.message for f in result.findings if f.check == "not-analysed"}
    assert set(cut) == {"(run)", "base", "overlays/prod", "overlays/awq"}
    assert all("the run's CPU budget (0 s, MODELREADY_CPU_BUDGET_S) was spent" in m for m in cut.values())
    assert not result.objects and not result.deployments


def test_an_excluded_folder_is_listed_within_the_same_bound(tmp_path, monkeypatch):
    from modelready import discover

    monkeypatch.setattr(discover, "MAX_LISTED", 10)
    (tmp_path / "vendor").mkdir()
    for i in range(50):
        (tmp_path / "vendor" / f"m{i:02}.yaml").write_text("a: 1\n")
    (tmp_path / "z.yaml").write_text("a: 1\n")
    found = discover.discover([tmp_path], tmp_path, ["vendor/"])
    assert found.skipped == [(f"vendor/m{i:02}.yaml", "excluded by config") for i in range(10)] and not found.files
    assert found.unlisted == "vendor/m10.yaml"
