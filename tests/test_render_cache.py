"""A chart is loaded once for all its values sets, and a render is content-addressed: the base run of a pull
request, at another path, renders only what the change altered."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from modelready.load import helm, helm_worker

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "charts" / "vllm-llama"


@pytest.fixture
def renders(monkeypatch) -> list[Path]:
    """The charts each real render went to the Helm worker for (the cache emptied first)."""
    monkeypatch.setattr(helm, "_CACHE", {})
    asked: list[Path] = []
    real = helm._render_sdk

    def counting(chart_dir: Path, values: dict, digest: str) -> dict[str, str]:
        asked.append(chart_dir)
        return real(chart_dir, values, digest)

    monkeypatch.setattr(helm, "_render_sdk", counting)
    return asked


def _repo(tmp_path: Path, name: str) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / name / "charts" / "vllm-llama")
    return tmp_path / name


def test_head_and_base_share_renders_and_a_change_renders_again(run, tmp_path, renders):
    head, base = _repo(tmp_path, "head"), _repo(tmp_path, "base")
    first = run(head)
    assert len(renders) == 2  # the defaults and ci/high-concurrency-values.yaml
    second = run(base)  # the same files elsewhere: a pull request's base worktree
    assert len(renders) == 2
    key = sorted((d.origin, d.name, d.replicas) for d in first.deployments)
    assert key == sorted((d.origin, d.name, d.replicas) for d in second.deployments) and key
    (base / "deploy.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\ndata: {a: b}\n")
    run(base)
    assert len(renders) == 2  # a change outside the chart renders nothing again
    ci = base / "charts" / "vllm-llama" / "ci" / "high-concurrency-values.yaml"
    ci.write_text(ci.read_text().replace("replicaCount: 3", "replicaCount: 5"))
    changed = run(base)
    assert len(renders) == 4  # a file of the chart changed (`.Files.Get` could read it): each of its sets renders again
    assert 5 in {d.replicas for d in changed.deployments}
    run(head)
    assert len(renders) == 4  # the head's chart is still cached beside it


def test_a_chart_is_loaded_once_for_all_its_values_sets(tmp_path):
    chart = _repo(tmp_path, "repo") / "charts" / "vllm-llama"
    digest = helm.chart_digest(chart)
    loads = []
    for values in ({}, {"replicaCount": 2}, {"replicaCount": 3}):
        answer = helm_worker._POOL.render({"chart": str(chart), "digest": digest, "values": values, "name": "r", "namespace": "d"})
        assert "manifests" in answer, answer
        loads.append(answer["loaded"])
    assert loads == [True, False, False]
    (chart / "values.yaml").write_text((chart / "values.yaml").read_text() + "\n# edited\n")
    answer = helm_worker._POOL.render({"chart": str(chart), "digest": helm.chart_digest(chart), "values": {}, "name": "r", "namespace": "d"})
    assert answer["loaded"] is True  # other files, other digest: loaded afresh



def test_charts_the_caches_answer_load_in_the_calling_thread_and_the_rest_render_on_the_pool(run, tmp_path, renders, monkeypatch):
    """A chart the caches render whole is Python work alone, done in the calling thread (threads would only take
    turns at the GIL); a chart with a set Helm must render goes on from that set on the pool of Helm workers."""
    repo = tmp_path / "repo"
    for name in ("a", "b"):
        shutil.copytree(EXAMPLE, repo / "charts" / name)
        (repo / "charts" / name / "NOTES.txt").write_text(f"chart {name}\n")  # other content, other renders: no cache shared
    answered: list[tuple[str, str, bool]] = []  # (chart, values set, in the calling thread)
    real = helm.render

    def watched(chart_dir, rel_chart, values_files, root, assembled=None, files=None, engine=True):
        r = real(chart_dir, rel_chart, values_files, root, assembled, files, engine)
        answered.append((rel_chart, r.values_set, threading.current_thread() is threading.main_thread()))
        return r

    monkeypatch.setattr(helm, "render", watched)
    sets = ["ci/high-concurrency-values.yaml", "values.yaml"]
    first = run(repo)
    assert len(renders) == 4 and sorted(answered) == [(f"charts/{c}", s, False) for c in "ab" for s in sets]
    answered.clear()
    ci = repo / "charts" / "b" / "ci" / "high-concurrency-values.yaml"
    ci.write_text(ci.read_text().replace("replicaCount: 3", "replicaCount: 5"))
    second = run(repo)
    assert len(renders) == 6  # chart b again, both its sets: a file of it changed
    assert sorted(answered) == [("charts/a", s, True) for s in sets] + [("charts/b", s, False) for s in sets]
    replicas = {(d.origin, d.replicas) for d in second.deployments}
    assert ("charts/b@ci/high-concurrency-values.yaml", 5) in replicas and ("charts/a@ci/high-concurrency-values.yaml", 3) in replicas
    assert {(d.origin, d.name) for d in first.deployments} == {(d.origin, d.name) for d in second.deployments}


def _umbrella(tmp_path: Path) -> Path:
    """An umbrella with a file:// child elsewhere in the repository (rh-ai-quickstart/ai-architecture-charts' shape)."""
    shutil.copytree(Path(__file__).parent / "checks" / "helm-render-failed" / "pass" / "chart", tmp_path / "llm-service" / "helm")
    umbrella = tmp_path / "platform" / "tests"
    (umbrella / "templates").mkdir(parents=True)
    (umbrella / "Chart.yaml").write_text("apiVersion: v2\nname: platform-test\nversion: 0.1.0\ndependencies:\n"
                                         "- {name: llm, version: 0.1.0, repository: 'file://../../llm-service/helm'}\n", encoding="utf-8")
    (umbrella / "values.yaml").write_text("llm: {}\n", encoding="utf-8")
    (umbrella / "templates" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: top}\ndata: {a: b}\n", encoding="utf-8")
    return umbrella


def test_an_assembled_chart_is_written_out_only_when_helm_renders_it(run, tmp_path, renders, monkeypatch):
    """The copy of an umbrella with its file:// children is made in memory and digested there: a run whose renders
    all come from a cache writes no scratch folder; its digest is the one of the folder it is written to."""
    from modelready.load import chart_deps

    umbrella = _umbrella(tmp_path)
    made: list[str] = []
    real = chart_deps.tempfile.mkdtemp

    def counting(*args, **kwargs):
        made.append(kwargs.get("prefix", ""))
        return real(*args, **kwargs)

    monkeypatch.setattr(chart_deps.tempfile, "mkdtemp", counting)
    first = run(tmp_path)
    assert made == ["modelready-chart-"] and len(renders) == 2  # the umbrella, and its child as a chart of its own
    second = run(tmp_path)
    assert made == ["modelready-chart-"] and len(renders) == 2  # from the cache: nothing written, nothing rendered
    served = {(d.origin, d.name) for d in first.deployments if d.origin.startswith("platform/")}
    assert served and served == {(d.origin, d.name) for d in second.deployments if d.origin.startswith("platform/")}
    assembled = chart_deps.assemble(umbrella, tmp_path)
    assert assembled.copy is not None and "charts/llm/Chart.yaml" in assembled.copy and "templates/cm.yaml" in assembled.copy
    try:
        assert helm.copy_digest(assembled.copy) == helm.chart_digest(assembled.where())
    finally:
        assembled.cleanup()
    assert assembled.scratch is None
