"""Real layouts read as their tools would: OpenShift Templates, umbrella charts with file:// children,
values sets beyond ci/, kustomize overlays, and nothing read-but-unanalysed passing in silence."""

from __future__ import annotations

from pathlib import Path

from .conftest import shared_or_skip

LAYOUTS = Path(__file__).parent / "layouts"


def test_an_openshift_template_is_analysed_with_its_parameter_defaults(run):
    repo = shared_or_skip("corpus", "opendatahub-io__caikit-tgis-serving")
    result = run(repo)
    tpl = [d for d in result.deployments if d.origin == "demo/kserve/custom-manifests/tgis/tgis-servingruntime-template.yaml"]
    assert [d.kind for d in tpl] == ["ServingRuntime"]
    c = tpl[0].engine_container
    # ${TGIS_CONTAINER_IMAGE} and ${{PROBES_INITIAL_DELAY_SECONDS}} take the parameters' `value`
    assert c.image.ref == "quay.io/opendatahub/text-generation-inference:stable"
    assert c.probes["liveness"].initial_delay == 5 and c.loc.file.endswith("tgis-servingruntime-template.yaml") and c.loc.line > 18


def test_an_umbrella_chart_renders_its_file_dependencies_at_their_own_files(run):
    repo = shared_or_skip("corpus", "rh-ai-quickstart__ai-architecture-charts")
    result = run(repo)
    umbrella = [d for d in result.deployments if d.origin.startswith("ogx-ai/tests@")]
    assert {d.kind for d in umbrella} >= {"StatefulSet", "Deployment"}  # pgvector's StatefulSet, ogx-ai's Deployment
    # a child's findings point at the child's own template, not at a path under the umbrella
    assert {d.loc.file.split("/templates/")[0] for d in umbrella} >= {"pgvector/helm", "ogx-ai/helm"}
    missing = [f for f in result.findings if f.check == "not-analysed" and f.loc.file == "ogx-ai/tests/Chart.yaml"]
    assert [f.message for f in missing] and all("minio" in f.message for f in missing)  # the remote grandchild is named


def test_values_sets_beside_and_outside_the_chart_are_each_rendered_and_named(run, tmp_path):
    from modelready.config import load_config

    repo = shared_or_skip("corpus", "vllm-project__production-stack")
    result = run(repo)
    origins = {d.origin for d in result.deployments}
    assert "helm@../tutorials/assets/values-02-basic-config.yaml" in origins
    assert "helm@../tutorials/assets/values-25-v100-multi-gpu-tp4.yaml" in origins
    chart = next(f for f in result.files if f.path == "helm/Chart.yaml")
    assert "../tutorials/assets/values-01-minimal-example.yaml" in chart.extra["values_sets"]
    # the line the report tells a user to paste into .modelready.yaml pins exactly the sets rendered
    assert chart.extra["pin"].startswith("charts: {helm: {values: [[], [")
    pasted = tmp_path / ".modelready.yaml"
    pasted.write_text(chart.extra["pin"] + "\n", encoding="utf-8")
    config = load_config(pasted)
    assert config.warnings == [] and config.charts["helm"][0] == []
    assert ["/".join(s) for s in config.charts["helm"][1:]] == chart.extra["values_sets"][1:]
    tutorial = next(f for f in result.files if f.path == "tutorials/assets/values-02-basic-config.yaml")
    assert (tutorial.status, tutorial.kind) == ("checked", "helm-values")
    tp4 = next(d for d in result.deployments if d.origin.endswith("values-25-v100-multi-gpu-tp4.yaml") and d.engine)
    assert tp4.engine.int_setting("tensor_parallel") == 4 and tp4.gpus_per_group() == 4


def test_a_chart_whose_values_sets_all_leave_the_workload_off_is_not_a_silent_pass(run):
    repo = shared_or_skip("corpus", "rh-ai-quickstart__ai-architecture-charts", "llm-service")
    result = run(repo)
    assert not result.deployments
    [f] = [f for f in result.findings if f.check == "not-analysed"]
    assert f.loc.file == "helm/templates/inference-service.yaml" and f.loc.line > 0 and "InferenceService" in f.message


def test_a_kustomized_resource_is_one_deployment_at_its_source_lines(run):
    result = run(LAYOUTS / "kustomize-overlay")
    [d] = result.deployments
    assert d.replicas == 3  # the overlay's patch applied
    tag = [f for f in result.findings if f.check == "image-tag-mutable"]
    assert [(f.loc.file, f.loc.line) for f in tag] == [("deploy/vllm.yaml", 23)]


def test_operator_resources_say_why_they_have_no_deployment(run):
    repo = shared_or_skip("corpus", "kaito-project__kaito")
    result = run(repo)
    rec = next(f for f in result.files if f.path == "examples/inference/kaito_workspace_deepseek_r1.yaml")
    assert "Workspace (kaito.sh)" in rec.reason and rec.extra["not_analysed"]


def test_a_pin_line_with_awkward_paths_reads_back(tmp_path):
    """Paths a YAML flow would misread (a comma, a colon, a bracket) are quoted in the pasted line."""
    from modelready.config import load_config
    from modelready.load.values_sets import pin_line

    sets = [[], ["ci/a, b.yaml"], ["env: prod/values.yaml", "x[1].yaml"]]
    pasted = tmp_path / ".modelready.yaml"
    pasted.write_text(pin_line("charts/my chart", sets) + "\n", encoding="utf-8")
    assert load_config(pasted).charts == {"charts/my chart": sets}
