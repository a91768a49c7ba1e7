"""Charts are rendered by Helm itself, once per values set, and findings point at template lines and values keys."""

from __future__ import annotations

import shutil
from pathlib import Path

from modelready.config import Config

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "charts" / "vllm-llama"


def chart_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "repo" / "charts" / "vllm-llama"
    shutil.copytree(EXAMPLE, dest)
    return dest


def test_every_values_set_is_rendered_and_test_hooks_are_not_workloads(run, tmp_path):
    chart = chart_copy(tmp_path)
    result = run(tmp_path / "repo")
    origins = sorted({d.origin for d in result.deployments})
    assert origins == ["charts/vllm-llama@ci/high-concurrency-values.yaml", "charts/vllm-llama@values.yaml"]
    assert all(d.kind == "Deployment" for d in result.deployments)  # the helm.sh/hook: test Pod is not one
    high = next(d for d in result.deployments if "high-concurrency" in d.origin)
    assert high.engine.int_setting("max_num_seqs") == 256 and high.replicas == 3
    assert not [f for f in result.findings if f.severity.name == "error"], [f.message for f in result.findings]
    chart_yaml = next(f for f in result.files if f.path.endswith("vllm-llama/Chart.yaml"))
    assert chart_yaml.extra["values_sets"] == ["values.yaml", "ci/high-concurrency-values.yaml"]
    assert (chart / "templates" / "tests" / "test-connection.yaml").is_file()


def test_a_finding_in_one_values_set_blames_the_template_line_and_values_key(run, tmp_path):
    chart = chart_copy(tmp_path)
    (chart / "ci" / "broken-values.yaml").write_text("model:\n  tensorParallelSize: 4\ngpu:\n  count: 2\n")
    result = run(tmp_path / "repo")
    found = [f for f in result.findings if f.check == "parallelism-exceeds-gpus"]
    assert len(found) == 1 and found[0].subject.endswith("@charts/vllm-llama@ci/broken-values.yaml")
    loc = found[0].loc
    template = (chart / "templates" / "deployment.yaml").read_text().splitlines()
    assert loc.file == "charts/vllm-llama/templates/deployment.yaml"
    assert "tensorParallelSize" in template[loc.line - 1]
    assert loc.values_key == "model.tensorParallelSize"


def test_a_chart_that_fails_to_render_is_a_finding_with_helms_message(run, tmp_path):
    chart = chart_copy(tmp_path)
    tpl = chart / "templates" / "deployment.yaml"
    tpl.write_text(tpl.read_text().replace("{{ .Values.model.name | quote }}", '{{ required "model.name is required" .Values.model.nam | quote }}'))
    result = run(tmp_path / "repo")
    failed = [f for f in result.findings if f.check == "helm-render-failed"]
    assert len(failed) == 1  # one cause, one finding: the message names the other values set it also breaks
    assert "model.name is required" in failed[0].message and "ci/high-concurrency-values.yaml" in failed[0].message
    assert failed[0].loc.file == "charts/vllm-llama/templates/deployment.yaml" and failed[0].loc.line > 0


def test_config_chooses_values_sets(run, tmp_path):
    chart_copy(tmp_path)
    extra = tmp_path / "repo" / "envs" / "prod-values.yaml"
    extra.parent.mkdir()
    extra.write_text("replicaCount: 3\n")
    config = Config(charts={"charts/vllm-llama": [["values.yaml"], [str(extra)]]})
    result = run(tmp_path / "repo", config=config)
    assert sorted(d.replicas for d in result.deployments) == [2, 3]


def test_every_corpus_chart_is_rendered_and_yields_a_deployment_or_says_why(corpus_result):
    from .conftest import shared_or_skip

    corpus = shared_or_skip("corpus")
    result = corpus_result
    # chart roots: a Chart.yaml with no chart above it (a vendored subchart renders with its parent)
    on_disk = sorted(p.parent.relative_to(corpus).as_posix() for p in corpus.rglob("Chart.yaml")
                     if not any((a / "Chart.yaml").is_file() for a in p.parent.parents if corpus in a.parents))
    records = {f.path.removesuffix("/Chart.yaml"): f for f in result.files if f.path.endswith("Chart.yaml") and f.kind == "helm-chart"}
    assert sorted(records) == on_disk
    rendered = {d.origin.split("@", 1)[0] for d in result.deployments if "@" in d.origin}
    told = {f.subject.split("@", 1)[0] for f in result.findings if f.check in ("helm-render-failed", "not-analysed")}
    objects = {o.origin.split("@", 1)[0] for o in result.objects if "@" in o.origin}
    for chart, rec in records.items():
        assert rec.extra["values_sets"] and rec.extra["values_sets"][0] == "values.yaml", chart
        # a deployment, a finding that says why not, or (an operator's catalogue chart) objects that are not workloads
        assert chart in rendered or chart in told or chart in objects, f"{chart}: rendered nothing and said nothing"
    # every chart the corpus ships renders with some values set of its repository, except the two Triton
    # tutorials whose values.schema.json needs triton.image.name that no file in their repository gives
    failed = sorted(f.subject.split("@")[0] for f in result.findings if f.check == "helm-render-failed" and f.severity.name == "error")
    assert failed == ["triton-inference-server__tutorials/Deployment/Kubernetes/TensorRT-LLM_Autoscaling_and_Load_Balancing/chart",
                      "triton-inference-server__tutorials/Deployment/Kubernetes/TensorRT-LLM_Multi-Node_Distributed_Models/chart"]


def test_subchart_conditions_and_tags_are_read_per_values_set(run, tmp_path):
    """An umbrella in the shape of rh-ai-quickstart/ai-architecture-charts ogx-ai/tests/Chart.yaml: file://
    children behind `condition`, off in the defaults and on in a CI values set; a remote child behind a tag."""
    import shutil

    shutil.copytree(Path(__file__).parent / "checks" / "helm-render-failed" / "pass" / "chart", tmp_path / "llm-service" / "helm")
    umbrella = tmp_path / "platform" / "tests"
    (umbrella / "ci").mkdir(parents=True)
    (umbrella / "Chart.yaml").write_text(
        "apiVersion: v2\nname: platform-test\nversion: 0.1.0\ndependencies:\n"
        "- {name: llm, version: 0.1.0, repository: 'file://../../llm-service/helm', condition: llm-service.enabled}\n"
        "- {name: redis, version: 19.0.0, repository: 'https://charts.bitnami.com/bitnami', tags: [cache]}\n", encoding="utf-8")
    (umbrella / "values.yaml").write_text("llm-service:\n  enabled: false\ntags:\n  cache: false\n", encoding="utf-8")
    (umbrella / "ci" / "gpu-values.yaml").write_text("llm-service:\n  enabled: true\n", encoding="utf-8")
    (umbrella / "ci" / "cache-values.yaml").write_text("tags:\n  cache: true\n", encoding="utf-8")
    result = run(tmp_path)
    served = {d.origin for d in result.deployments if d.serving and d.origin.startswith("platform/")}
    assert served == {"platform/tests@ci/gpu-values.yaml"}  # rendered where enabled, and only there
    missing = [f.message for f in result.findings if f.check == "not-analysed" and f.loc.file == "platform/tests/Chart.yaml"]
    assert len(missing) == 1 and "redis" in missing[0] and "enabled by values sets ci/cache-values.yaml" in missing[0]
    assert not [f for f in result.findings if f.check == "helm-render-failed"]


def test_one_finding_per_place_names_every_values_set_it_holds_in(run):
    from modelready.findings import Loc

    from .conftest import shared_or_skip

    corpus = shared_or_skip("corpus", "vllm-project__production-stack")
    result = run(corpus)
    latest = [f for f in result.findings if f.check == "image-tag-mutable" and f.loc == Loc("helm/templates/deployment-vllm-multi.yaml", 122)
              and "release-llama3" in f.subject]
    assert len(latest) == 1
    assert "in 2 renders: ../tutorials/assets/values-02-basic-config.yaml, ../tutorials/assets/values-04-multiple-models.yaml" in latest[0].message
    keys = [(f.check, f.loc, f.message, f.subject.partition("@")[0]) for f in result.findings]
    assert len(keys) == len(set(keys))


def test_a_library_chart_is_not_a_chart_that_renders_nothing_and_every_values_file_is_rendered(run, tmp_path):
    import shutil

    lib = tmp_path / "common"
    (lib / "templates").mkdir(parents=True)
    (lib / "Chart.yaml").write_text("apiVersion: v2\nname: common\ntype: library\nversion: 2.31.4\n", encoding="utf-8")  # bitnami/common's shape
    (lib / "templates" / "_labels.tpl").write_text('{{- define "common.labels.standard" -}}\napp.kubernetes.io/name: {{ .Chart.Name }}\n{{- end -}}\n',
                                                   encoding="utf-8")
    chart = tmp_path / "llm"
    shutil.copytree(Path(__file__).parent / "checks" / "helm-render-failed" / "pass" / "chart", chart)
    (chart / "values.prod.yaml").write_text("image:\n  tag: v0.10.1\n", encoding="utf-8")  # no ci/ or values-*.yaml name
    result = run(tmp_path)
    assert not [f for f in result.findings if f.check == "not-analysed" and f.subject == "common"]
    assert "library chart" in next(r.reason for r in result.files if r.path == "common/Chart.yaml")
    assert "llm@values.prod.yaml" in {d.origin for d in result.deployments}


def test_helms_schema_errors_read_in_one_order_so_the_fingerprint_holds(run, tmp_path):
    """Helm lists a values schema's errors in Go's map order, different from run to run; the finding (and the
    fingerprint a baseline matches on) lists them sorted."""
    chart = chart_copy(tmp_path)
    wrong = {"image": {"tag": "integer"}, "model": {"name": "integer", "dtype": "integer", "maxModelLen": "string"},
             "gpu": {"accelerator": "integer", "count": "string"}, "shmSize": "integer", "replicaCount": "string"}
    schema = {"$schema": "https://json-schema.org/draft-07/schema#", "type": "object",
              "properties": {k: {"type": v} if isinstance(v, str) else {"type": "object", "properties": {p: {"type": t} for p, t in v.items()}}
                             for k, v in wrong.items()}}
    import json

    (chart / "values.schema.json").write_text(json.dumps(schema))
    failed = [f for f in run(tmp_path / "repo").findings if f.check == "helm-render-failed"]
    assert failed, "the schema makes every values set fail"
    paths = [line.split("'")[1] for line in failed[0].message.splitlines() if line.lstrip().startswith("- at ")]
    assert len(paths) >= 9 and paths == sorted(paths)
    assert paths[:3] == ["/gpu", "/gpu/accelerator", "/gpu/count"]


def test_values_files_parsed_once_are_never_changed_by_a_merge():
    """A chart's values.yaml and values files are parsed once for the process (yamlsrc.load_shared) and shared by
    every values set: merging one set's files must leave the shared trees as read, or the next set renders with
    the last one's values (and the head run's leak into the base's)."""
    from modelready.load.helm import merge_values
    from modelready.load.yamlsrc import load_shared

    defaults_text = "model:\n  name: llama\n  args: [--a]\nresources:\n  limits: {nvidia.com/gpu: 1}\n"
    big = load_shared("model:\n  maxModelLen: 8192\nresources:\n  limits: {nvidia.com/gpu: 4}\n")
    merged: dict = {}
    merge_values(merged, load_shared(defaults_text))
    merge_values(merged, big)
    assert merged == {"model": {"name": "llama", "args": ["--a"], "maxModelLen": 8192}, "resources": {"limits": {"nvidia.com/gpu": 4}}}
    again: dict = {}
    merge_values(again, load_shared(defaults_text))
    assert again == {"model": {"name": "llama", "args": ["--a"]}, "resources": {"limits": {"nvidia.com/gpu": 1}}}
    assert load_shared(defaults_text) is load_shared(defaults_text)  # one parse, shared
