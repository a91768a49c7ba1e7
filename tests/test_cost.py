"""GPU cost: the price table and its tool, the cost of each deployment, and what a pull request adds to the
bill, told in the comment's first lines (a real git history through `modelready github`)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any
from pathlib import Path

import pytest

from .test_github_action import REPO, action, github, pr_event  # noqa: F401 - fixtures
from .test_pr_gate import git, open_pr, repo  # noqa: F401 - fixtures

# vLLM serving Llama 3.1 70B on one 8 × H100 node (GPU Feature Discovery's product label), as the vLLM
# production-stack and NVIDIA's GPU operator docs lay such a Deployment out
H100_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: llama-70b-h100
  namespace: inference
  labels: {app: llama-70b-h100}
spec:
  replicas: 1
  selector:
    matchLabels: {app: llama-70b-h100}
  template:
    metadata:
      labels: {app: llama-70b-h100}
    spec:
      nodeSelector:
        nvidia.com/gpu.product: NVIDIA-H100-80GB-HBM3
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.8.5
          args: ["--model", "meta-llama/Llama-3.1-70B-Instruct", "--tensor-parallel-size", "8", "--max-model-len", "16384"]
          ports:
            - containerPort: 8000
          resources:
            limits:
              nvidia.com/gpu: 8
"""
MANIFEST = "manifests/llama-70b-h100.yaml"


def _costs(run, tmp_path: Path, text: str, name: str = "d.yaml", config=None) -> list:
    (tmp_path / name).write_text(text)
    res = run(tmp_path, config=config)
    return [d.cost for d in res.deployments if d.cost is not None]


def test_a_pr_raising_replicas_of_an_8_gpu_deployment_shows_the_added_cost_first(repo, github):
    (repo / MANIFEST).write_text(H100_DEPLOYMENT)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "the 70B on one H100 node")
    (repo / MANIFEST).write_text(H100_DEPLOYMENT.replace("replicas: 1", "replicas: 2"))
    proc, out = action(repo, github, "pull_request", open_pr(repo, github, "a second replica"))
    assert not github.invalid, github.invalid
    (comment,) = github.comments.values()
    lines = comment["body"].splitlines()
    # 8 GPUs × 730 h = 5,840 GPU-hours a month; × $6.88 (AWS us on-demand, p5.48xlarge / 8) = $40,179
    assert lines[3] == "💰 **GPU cost +$40,179/month** (+5,840 GPU-hours: 8 × H100-80GB added to llama-70b-h100)", lines[:5]
    report = json.loads((repo / "modelready-report.json").read_text())
    diff = report["cost_diff"]
    assert diff["changed"] and diff["total"]["gpu_hours_per_month"]["expected"] == 5840
    assert diff["total"]["usd_per_month"]["expected"] == pytest.approx(40179.2)
    (dep,) = [d for d in report["deployments"] if d["name"] == "llama-70b-h100"]
    assert dep["cost"]["gpu_hours_per_month"] == {"min": 11680, "expected": 11680, "max": 11680}
    assert dep["cost"]["price"]["source"].startswith("github.com/skypilot-org/skypilot-catalog catalogs/v8/aws/vms.csv @e385a0d (an excerpt), aws us on-demand") and dep["cost"]["price"]["usd_per_gpu_hour"] == 6.88
    import jsonschema

    jsonschema.Draft202012Validator(json.loads((REPO / "docs" / "report-schema.json").read_text())).validate(report)
    sarif = json.loads((repo / "modelready.sarif").read_text())
    assert sarif["runs"][0]["properties"]["modelready"]["costDiff"]["total"]["gpu_hours_per_month"]["expected"] == 5840
    # the job summary: the table per deployment, with the change
    assert "### GPU cost per deployment" in out["summary"]
    row = next(ln for ln in out["summary"].splitlines() if ln.startswith("| llama-70b-h100 |"))
    assert "8 H100-80GB × 2 / 2 / 2" in row and "+$40,179/month" in row


def test_a_pr_changing_nothing_about_gpus_has_no_cost_line(repo, github):
    (repo / MANIFEST).write_text(H100_DEPLOYMENT)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "the 70B on one H100 node")
    (repo / MANIFEST).write_text(H100_DEPLOYMENT.replace('"16384"]', '"16384", "--enable-prefix-caching"]'))
    proc, _ = action(repo, github, "pull_request", open_pr(repo, github, "prefix caching"))
    assert not github.invalid, github.invalid
    (comment,) = github.comments.values()
    assert "💰" not in comment["body"] and "GPU cost" not in comment["body"]
    report = json.loads((repo / "modelready-report.json").read_text())
    assert report["cost_diff"]["changed"] is False and report["cost_diff"]["line"] is None


def test_check_baseline_ref_prints_the_cost_change(repo, capsys):
    from modelready.cli import main

    (repo / MANIFEST).write_text(H100_DEPLOYMENT)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "the 70B on one H100 node")
    base = git(repo, "rev-parse", "HEAD")
    (repo / MANIFEST).write_text(H100_DEPLOYMENT.replace("replicas: 1", "replicas: 3"))
    main(["check", str(repo), "--offline", "--baseline", base])
    assert "GPU cost +$80,358/month (+11,680 GPU-hours: 16 × H100-80GB added to llama-70b-h100)" in capsys.readouterr().out


def test_autoscaler_bounds_give_min_expected_and_max(run, tmp_path):
    hpa = """\
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: llama-70b-h100, namespace: inference}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: llama-70b-h100}
  minReplicas: 1
  maxReplicas: 4
  metrics:
    - type: Pods
      pods: {metric: {name: vllm_num_requests_waiting}, target: {type: AverageValue, averageValue: "5"}}
"""
    spec = """\
apiVersion: modelready.io/v1alpha1
kind: ModelSpec
metadata: {name: llama-70b}
spec:
  deploymentRef: {kind: Deployment, name: llama-70b-h100}
  slo:
    loadProfile: {steadyRps: 10, peakRps: 20}
"""
    (tmp_path / "modelspec.yaml").write_text(spec)
    (cost,) = _costs(run, tmp_path, H100_DEPLOYMENT + hpa)
    assert (cost.min, cost.max) == (1, 4) and cost.max_basis == "maxReplicas 4"
    assert cost.gpu_hours(cost.max) == 8 * 4 * 730 and cost.usd(cost.max) == pytest.approx(8 * 4 * 730 * 6.88)
    # the ModelSpec's load profile decides the steady state: half the peak's 4 replicas
    assert cost.spec_file == "modelspec.yaml" and cost.expected == 2 and "steady 10 of peak 20" in cost.expected_basis


def test_keda_without_a_maximum_takes_kedas_default_and_knative_has_none(run, tmp_path):
    keda = """\
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: llama-70b-h100, namespace: inference}
spec:
  scaleTargetRef: {name: llama-70b-h100}
  triggers:
    - type: prometheus
      metadata: {serverAddress: "http://prometheus:9090", query: "sum(vllm:num_requests_waiting)", threshold: "10"}
"""
    (cost,) = _costs(run, tmp_path, H100_DEPLOYMENT + keda)
    assert (cost.min, cost.max) == (0, 100) and "KEDA's default" in cost.max_basis
    knative = """\
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: llama, namespace: inference}
spec:
  template:
    spec:
      nodeSelector: {cloud.google.com/gke-accelerator: nvidia-l4}
      containers:
        - image: vllm/vllm-openai:v0.8.5
          args: ["--model", "Qwen/Qwen2.5-7B-Instruct"]
          resources: {limits: {nvidia.com/gpu: 1}}
"""
    (cost,) = _costs(run, _fresh(tmp_path, "kn"), knative)
    assert cost.max is None and cost.as_dict()["replicas"]["unbounded"] and cost.gpu == "L4"


def _fresh(tmp_path: Path, name: str) -> Path:
    d = tmp_path / name
    d.mkdir()
    return d


def test_spot_from_a_karpenter_requirement_is_priced_at_spot(run, tmp_path):
    spot = H100_DEPLOYMENT.replace("      nodeSelector:\n", """      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
              - matchExpressions:
                  - {key: karpenter.sh/capacity-type, operator: In, values: [spot]}
      nodeSelector:
""")
    (cost,) = _costs(run, tmp_path, spot)
    assert cost.capacity == "spot" and cost.price.capacity == "spot" and cost.price.usd_per_gpu_hour < 6.88
    assert "karpenter.sh/capacity-type" in cost.capacity_source
    mixed = spot.replace("values: [spot]", "values: [spot, on-demand]")
    (cost,) = _costs(run, _fresh(tmp_path, "mixed"), mixed)
    assert cost.capacity == "on-demand" and cost.spot_allowed and "may run on spot" in cost.notes[0]


def test_spot_from_the_karpenter_nodepool_a_deployment_selects(run, tmp_path):
    pool = """\
---
apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: gpu-spot}
spec:
  template:
    spec:
      requirements:
        - {key: karpenter.sh/capacity-type, operator: In, values: [spot]}
        - {key: karpenter.k8s.aws/instance-family, operator: In, values: [p5]}
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}
"""
    text = H100_DEPLOYMENT.replace("      nodeSelector:\n", "      nodeSelector:\n        karpenter.sh/nodepool: gpu-spot\n") + pool
    (cost,) = _costs(run, tmp_path, text)
    assert cost.capacity == "spot" and cost.capacity_source.startswith("Karpenter NodePool gpu-spot requires")
    res = run(tmp_path)
    assert any(f.check == "spot-without-disruption-budget" for f in res.findings)


def test_unknown_gpu_type_says_so_and_invents_no_price(run, tmp_path):
    (cost,) = _costs(run, tmp_path, H100_DEPLOYMENT.replace("      nodeSelector:\n        nvidia.com/gpu.product: NVIDIA-H100-80GB-HBM3\n", ""))
    d = cost.as_dict()
    assert d["gpu"] is None and d["price"] is None and d["usd_per_month"] is None
    assert d["gpu_hours_per_month"]["expected"] == 5840 and d["price_source"].startswith("none: the GPU type is not named")


def test_config_prices_win_over_the_table_and_pick_cloud_and_region(run, tmp_path):
    from modelready.config import ConfigError, load_config

    cfg = tmp_path / ".modelready.yaml"
    cfg.write_text("cost:\n  region: eu\n  prices:\n    H100-80GB: 2.10\n  source: negotiated rate, 2026 contract\n")
    config = load_config(cfg)
    (cost,) = _costs(run, tmp_path, H100_DEPLOYMENT, config=config)
    assert cost.price.usd_per_gpu_hour == 2.10 and cost.price.source.endswith(": negotiated rate, 2026 contract")
    cfg.write_text("cost:\n  region: eu\n")
    (cost,) = _costs(run, tmp_path, H100_DEPLOYMENT, config=load_config(cfg))
    assert cost.price.usd_per_gpu_hour == 8.1528 and "aws eu on-demand" in cost.price.source  # the median of eu-north-1 and eu-west-2
    cfg.write_text("cost:\n  cloud: gcp\n")
    (cost,) = _costs(run, tmp_path, H100_DEPLOYMENT, config=load_config(cfg))
    assert cost.price.usd_per_gpu_hour == 5.3833  # the GPU's own price and the a3 VM's share per GPU
    from modelready.normalize.cost import price_of

    # a T4 rides on any N1 VM: the catalogue prices the GPU alone and names no host, so no GPU-hour is claimed
    assert price_of("T4", "on-demand", load_config(cfg).cost) == (None, "the price table (2026-12-07) has no on-demand price for T4 on gcp us "
                                                                   "(gcp prices the VM apart: the table has the GPU's own price only, not its VM's share)")
    l4 = price_of("L4", "on-demand", load_config(cfg).cost)[0]  # the L4's own price plus the g2-standard-4 VM's
    assert l4 is not None and l4.usd_per_gpu_hour == 0.7068 and "g2-standard-4" in l4.source
    cfg.write_text("cost:\n  cloud: azure\n")
    (cost,) = _costs(run, tmp_path, H100_DEPLOYMENT, config=load_config(cfg))
    assert cost.price.usd_per_gpu_hour == 14.747 and "Standard_ND96isr_H100_v5" in cost.price.source  # the SXM H100, not the NC's NVL
    cfg.write_text("cost:\n  cloud: on-prem\n  prices:\n    nvidia-h100-80gb: {on_demand: 1.4}\n")
    (cost,) = _costs(run, tmp_path, H100_DEPLOYMENT, config=load_config(cfg))
    assert cost.price.usd_per_gpu_hour == 1.4 and cost.price.cloud == "on-prem"
    for bad, said in (("cost:\n  cloud: oracle\n", "cost.cloud takes aws, azure, gcp, on-prem"), ("cost:\n  prices:\n    H100-80GB: cheap\n", "USD per GPU-hour"),
                      ("cost:\n  cloud: on-prem\n", "needs cost.prices")):
        cfg.write_text(bad)
        with pytest.raises(ConfigError, match=said):
            load_config(cfg)
    cfg.write_text("cost:\n  regoin: eu\n")
    assert any("unknown key cost.regoin (did you mean 'region'?)" in w for w in load_config(cfg).warnings)


# vLLM serving Qwen2.5 32B across the four A10Gs of one g5.12xlarge (tensor parallel 4), pinned by the EKS
# well-known instance-type label, as AWS's and vLLM's guides lay out a multi-GPU g5 node
A10G_TP4 = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: qwen-32b
  namespace: inference
spec:
  replicas: 2
  selector:
    matchLabels: {app: qwen-32b}
  template:
    metadata:
      labels: {app: qwen-32b}
    spec:
      nodeSelector:
        node.kubernetes.io/instance-type: g5.12xlarge
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.8.5
          args: ["--model", "Qwen/Qwen2.5-32B-Instruct", "--tensor-parallel-size", "4", "--max-model-len", "8192"]
          resources:
            limits:
              nvidia.com/gpu: 4
"""


def test_a_tp4_pod_is_priced_at_a_4_gpu_hosts_price_per_gpu_and_a_1_gpu_pod_is_unchanged(run, tmp_path):
    (cost,) = _costs(run, tmp_path, A10G_TP4)
    # g5.12xlarge: $5.672/h for 4 A10Gs in us-east-1/2 and us-west-2, not 4 × g5.xlarge's $1.006
    assert cost.gpu == "A10G" and cost.gpus_per_replica == 4 and cost.price.usd_per_gpu_hour == 1.418
    assert "a 4-GPU host, g5.12xlarge" in cost.price.source and "aws us on-demand" in cost.price.source
    assert cost.as_dict()["usd_per_month"]["min"] == round(2 * 4 * 730 * 1.418, 2)
    one = (A10G_TP4.replace("g5.12xlarge", "g5.xlarge").replace('"4", "--max', '"1", "--max').replace("nvidia.com/gpu: 4", "nvidia.com/gpu: 1")
           .replace("Qwen/Qwen2.5-32B-Instruct", "meta-llama/Llama-3.1-8B-Instruct"))
    (single,) = _costs(run, tmp_path, one)
    assert single.price.usd_per_gpu_hour == 1.006 and "a 1-GPU host, g5.xlarge" in single.price.source
    # 8 L40S in one pod: only g6e.48xlarge holds them
    eight = A10G_TP4.replace("g5.12xlarge", "g6e.48xlarge").replace('"4", "--max', '"8", "--max').replace("nvidia.com/gpu: 4", "nvidia.com/gpu: 8")
    (big,) = _costs(run, tmp_path, eight)
    assert big.gpu == "L40S" and big.price.usd_per_gpu_hour == 3.7664 and "an 8-GPU host, g6e.48xlarge" in big.price.source
    # Azure's H100 NVL hosts (NC H100 v5) have 1 or 2 GPUs: a TP=4 pod on them has no host in the table, and no price is guessed
    from modelready.config import load_config

    cfg = tmp_path / ".modelready.yaml"
    cfg.write_text("cost:\n  cloud: azure\n")
    nvl = A10G_TP4.replace("node.kubernetes.io/instance-type: g5.12xlarge", "nvidia.com/gpu.product: NVIDIA-H100-NVL")
    (none,) = _costs(run, tmp_path, nvl, config=load_config(cfg))
    assert none.gpu == "H100-NVL" and none.price is None and none.as_dict()["usd_per_month"] is None
    said = "has no azure us on-demand price for a host with 4 × H100-NVL (its on-demand hosts have 1, 2 GPUs)"
    assert said in none.as_dict()["price_source"] and any(said in n for n in none.notes)
    assert none.as_dict()["gpu_hours_per_month"]["min"] == 2 * 4 * 730  # the GPU-hours still stand
    # a team's own price is per GPU whatever the host: the override still wins
    cfg.write_text("cost:\n  prices:\n    A10G: 1.1\n")
    (own,) = _costs(run, tmp_path, A10G_TP4, config=load_config(cfg))
    assert own.price.usd_per_gpu_hour == 1.1 and own.price.source.endswith("cost.prices.A10G")


def test_gen_prices_reproduces_the_shipped_table_from_the_committed_rows(tmp_path):
    import yaml

    from modelready import data

    shipped = data.gpu_prices()
    aws = shipped["read"]["aws"]
    rows = REPO / "tools" / "prices"
    out = tmp_path / "prices.yaml"
    subprocess.run([sys.executable, str(REPO / "tools" / "gen_prices.py"), "--date", shipped["date"], f"aws={rows / 'aws-gpu-rows.csv'}",
                    f"gcp={rows / 'gcp-gpu-rows.csv'}", f"azure={rows / 'azure-gpu-rows.csv'}", "--commit", f"aws={aws['commit']}",
                    "--note", f"aws={aws['note']}", "--output", str(out)], check=True, capture_output=True, timeout=120)
    doc = yaml.safe_load(out.read_text())
    assert doc["read"]["aws"] == aws  # the AWS excerpt is the file the table was made from
    # GCP's and Azure's files were read whole; the committed rows are those the tool uses, and give the same prices
    assert doc["prices"] == shipped["prices"] and doc["vm_share"] == shipped["vm_share"]
    assert doc["prices"]["A10G"]["aws"]["us"]["by_host"][4]["instances"] == ["g5.12xlarge"]


def test_gen_prices_takes_the_cheapest_instance_per_gpu_in_each_zone(tmp_path):
    aws = tmp_path / "aws.csv"
    aws.write_text("InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,SpotPrice,Region,AvailabilityZone,Arch\n"
                   "g6.xlarge,L4,1.0,4.0,16.0,,0.8048,0.4011,us-east-1,use1-az1,x86_64\n"
                   "g6.8xlarge,L4,1.0,32.0,128.0,,2.0144,0.9633,us-east-1,use1-az1,x86_64\n"
                   "g6.xlarge,L4,1.0,4.0,16.0,,1.0064,0.4392,eu-central-1,euc1-az2,x86_64\n"
                   "g6f.large,L4,0.125,2.0,8.0,,0.202,0.0617,us-east-1,use1-az1,x86_64\n"
                   "p5.48xlarge,H100,8.0,192.0,2048.0,,55.04,19.2531,us-east-1,use1-az2,x86_64\n"
                   "m7i.large,,,2.0,8.0,,0.1,0.05,us-east-1,use1-az1,x86_64\n")
    gcp = tmp_path / "gcp.csv"
    gcp.write_text("InstanceType,vCPUs,MemoryGiB,AcceleratorName,AcceleratorCount,GpuInfo,Region,AvailabilityZone,Price,SpotPrice\n"
                   "a3-highgpu-8g,208.0,1872.0,,,,us-central1,us-central1-a,9.46,2.89\n")
    out = tmp_path / "prices.yaml"
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "gen_prices.py"), "--date", "2026-12-06", f"aws={aws}", f"gcp={gcp}",
                           "--commit", "aws=abc", "--keep", f"aws={tmp_path / 'kept.csv'}", "--output", str(out)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    # --keep: the rows the table uses, unedited (the CPU-only m7i.large left out), small enough to commit
    assert (tmp_path / "kept.csv").read_text().splitlines() == [x for x in aws.read_text().splitlines() if not x.startswith("m7i.")]
    import yaml

    doc = yaml.safe_load(out.read_text())
    assert doc["date"] == "2026-12-06" and doc["read"]["aws"]["licence"].startswith("Apache-2.0") and doc["read"]["aws"]["commit"] == "abc"
    l4 = doc["prices"]["L4"]["aws"]
    assert l4["us"]["on_demand"] == 0.8048 and l4["us"]["instances"] == ["g6.xlarge"]  # g6f's eighth of a GPU left out
    assert l4["eu"]["on_demand"] == 1.0064 and doc["prices"]["H100-80GB"]["aws"]["us"]["on_demand"] == 6.88
    # by host size: the one-GPU g6 sizes are both 1-GPU hosts (the cheaper kept); p5.48xlarge is an 8-GPU host only
    assert list(l4["us"]["by_host"]) == [1] and l4["us"]["by_host"][1]["instances"] == ["g6.xlarge"]
    assert list(doc["prices"]["H100-80GB"]["aws"]["us"]["by_host"]) == [8]
    assert doc["vm_share"]["gcp"]["H100-80GB"]["us"]["on_demand"] == round(9.46 / 8, 4)
    # GCP prices the GPU apart from its VM: a GPU-hour is both, and neither alone is called one
    gcp.write_text(gcp.read_text() + ",,,H100,1,,us-central1,us-central1-a,4.20076,2.9926\n,,,L4,1,,us-central1,us-central1-a,0.61666,0.2521\n")
    subprocess.run([sys.executable, str(REPO / "tools" / "gen_prices.py"), "--date", "2026-12-06", f"gcp={gcp}", "--output", str(out)],
                   check=True, capture_output=True, timeout=60)
    doc = yaml.safe_load(out.read_text())
    h100 = doc["prices"]["H100-80GB"]["gcp"]["us"]
    assert h100["gpu_only"]["on_demand"] == 4.2008 and h100["vm_share"]["on_demand"] == 1.1825 and h100["on_demand"] == 5.3833
    assert "on_demand" not in doc["prices"]["L4"]["gcp"]["us"]  # no g2 VM rows read: no total claimed
    # g2-standard-24 hosts two L4s (by size, not by name); a4's VM at 0.0 leaves the B200 rows' price whole
    gcp.write_text(gcp.read_text() + "g2-standard-24,24.0,96.0,,,,us-central1,us-central1-a,1.4,0.5\n"
                   "a4-highgpu-8g,224.0,3968.0,,,,us-central1,us-central1-b,0.0,0.0\n,,,B200,8,,us-central1,us-central1-b,64.44,37.0\n")
    azure = tmp_path / "azure.csv"
    azure.write_text("InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,SpotPrice,Region,Generation\n"
                     "Standard_NC40ads_H100_v5,H100,1,40,320,H100,6.98,2.5,eastus,V2\n"
                     "Standard_ND96isr_H100_v5,H100,8,96,1900,H100,98.32,39.3,eastus,V2\n"
                     "Standard_ND96isr_MI300X_v5,MI300X,8,96,1850,MI300X,48.0,9.6,westeurope,V2\n"
                     "Standard_NV6ads_A10_v5,A10,0.167,6,55,A10,0.454,0.09,swedencentral,V2\n")
    subprocess.run([sys.executable, str(REPO / "tools" / "gen_prices.py"), "--date", "2026-12-07", f"gcp={gcp}", f"azure={azure}",
                    "--repo", "azure=someone/catalog", "--output", str(out)], check=True, capture_output=True, timeout=60)
    doc = yaml.safe_load(out.read_text())
    assert doc["vm_share"]["gcp"]["L4"]["us"]["on_demand"] == 0.7 and doc["prices"]["L4"]["gcp"]["us"]["on_demand"] == round(0.61666 + 0.7, 4)
    # GCP by host: the L4's own price plus the 2-GPU g2-standard-24's VM share per GPU
    assert doc["prices"]["L4"]["gcp"]["us"]["by_host"] == {2: {"on_demand": round(0.61666 + 0.7, 4), "spot": round(0.2521 + 0.25, 4), "zones": 1,
                                                               "instances": ["g2-standard-24"]}}
    assert doc["prices"]["B200"]["gcp"]["us"]["on_demand"] == round(64.44 / 8, 4)
    assert doc["prices"]["H100-NVL"]["azure"]["us"]["on_demand"] == 6.98  # Azure's NC H100 v5 is the 94 GB NVL
    assert doc["prices"]["H100-80GB"]["azure"]["us"]["on_demand"] == round(98.32 / 8, 4)
    assert doc["prices"]["MI300X"]["azure"]["eu"]["on_demand"] == 6.0 and "A10" not in doc["prices"]  # a sixth of an A10 is no GPU-hour
    assert doc["read"]["azure"] == {"source": "github.com/someone/catalog azure/vms.csv", "commit": None, "commit_date": None,
                                    "licence": "not stated", "rows": 4, "whole_file": True}


def test_shipped_table_is_dated_and_sourced():
    from modelready import data

    t = data.gpu_prices()
    assert t["date"] and t["source"].startswith("SkyPilot-format")
    assert all(set(t["read"][c]) >= {"source", "commit", "licence", "rows", "whole_file"} for c in t["read"])
    assert t["read"]["gcp"]["whole_file"] and t["read"]["azure"]["whole_file"] and t["read"]["gcp"]["rows"] > 30000
    assert not t["read"]["aws"]["whole_file"] and "g4dn.xlarge" in t["read"]["aws"]["note"]  # says which rows it holds
    known = set(data.gpus())
    assert set(t["prices"]) <= known  # every priced GPU is one the memory fit knows
    assert {"H100-80GB", "A100-80GB", "L4", "T4", "A10G", "L40S", "MI300X", "H100-NVL"} <= set(t["prices"])
    assert t["prices"]["T4"]["aws"]["us"]["on_demand"] == 0.526 and t["prices"]["A10G"]["aws"]["us"]["on_demand"] == 1.006
    assert t["prices"]["L40S"]["aws"]["us"]["on_demand"] == 1.861  # g6e.xlarge, the smallest L40S host
    assert set(t["prices"]["MI300X"]) == {"azure"}


def test_every_gpu_deployment_of_the_corpus_has_a_cost_naming_its_price_source(corpus_report):
    _proc, doc = corpus_report
    gpu = [d for d in doc["deployments"] if d["serving"] and d["gpus_per_group"] > 0 and not d["kind"].endswith("ServingRuntime")
           and d["kind"] != "LLMInferenceServiceConfig"]
    assert len(gpu) > 50
    assert all(d["cost"] and d["cost"]["price_source"] for d in gpu), [d["id"] for d in gpu if not d["cost"]]
    priced = [d for d in gpu if d["cost"]["price"]]
    assert priced and all(d["cost"]["usd_per_month"]["min"] is not None for d in priced)
    assert all(d["cost"]["price_source"].startswith("none: ") for d in gpu if not d["cost"]["price"])


def test_cost_per_token_from_a_smoke_run_is_held_against_the_modelspec_target(tmp_path, capsys):
    from modelready.cli import main

    (tmp_path / "deploy.yaml").write_text(H100_DEPLOYMENT)
    (tmp_path / "modelspec.yaml").write_text("apiVersion: modelready.io/v1alpha1\nkind: ModelSpec\nmetadata: {name: llama-70b}\n"
                                             "spec:\n  deploymentRef: {kind: Deployment, name: llama-70b-h100}\n"
                                             "  cost: {targetPer1MTokens: 2.0}\n")
    smoke = json.loads((REPO / "tests" / "fixtures" / "smoke" / "transformers-serve-cpu.json").read_text())
    # the recorded run's load, as if it had run the deployment on one node of its 8 H100s
    smoke["target"]["subject"] = "Deployment/inference/llama-70b-h100@deploy.yaml"
    smoke["target"]["gpus"] = 8
    smoke["gpu"] = {"available": True, "reason": None, "driver": "570.86.15", "devices": [
        {"index": i, "name": "NVIDIA H100 80GB HBM3", "memory_total_mib": 81559, "memory_used_at_start_mib": 0, "peak_memory_used_mib": 75000,
         "peak_utilization_pct": 99.0, "mean_utilization_pct": 80.0, "samples": 100} for i in range(8)]}
    smoke["load"]["output_tokens_per_s"] = 2500.0
    result = tmp_path.parent / "smoke-result.json"
    result.write_text(json.dumps(smoke))
    main(["check", str(tmp_path), "--offline", "--format", "json", "--smoke-result", str(result)])
    doc = json.loads(capsys.readouterr().out)
    (run,) = doc["smoke"]
    # 8 × $6.88 = $55.04 an hour; 2,500 tokens/s = 9M tokens an hour: $6.12 per 1M, above the $2 target
    assert run["cost"]["usd_per_replica_hour"] == pytest.approx(55.04)
    assert run["cost"]["usd_per_1m_output_tokens"] == pytest.approx(55.04 / 9.0, abs=1e-3)
    assert run["cost"]["target_usd_per_1m_tokens"] == 2.0 and run["cost"]["over_target"] is True
    main(["check", str(tmp_path), "--offline", "--format", "markdown", "--smoke-result", str(result)])
    out = capsys.readouterr().out
    assert "**$6.116 per 1M output tokens** at 2,500.0 tokens/s on 8 × H100-80GB ($55.04/hour) (target $2: over)" in out, out
    # the gate's verdict: the catalog item cost-per-token fails over the target, passes within it, and is skipped without one
    def item(target: str) -> dict:
        spec = (tmp_path / "modelspec.yaml").read_text()
        (tmp_path / "modelspec.yaml").write_text(spec.split("  cost:")[0] + target)
        main(["check", str(tmp_path), "--offline", "--format", "json", "--smoke-result", str(result), "--profile", "modelspec"])
        return next(i for i in json.loads(capsys.readouterr().out)["catalog"]["items"] if i["id"] == "cost-per-token")

    over = item("  cost: {targetPer1MTokens: 2.0}\n")
    assert over["status"] == "failed" and over["why"] == ("command-line: $6.116 per 1M output tokens at 2,500.0 tokens/s on 8 × H100-80GB "
                                                          "($55.04/h): over the ModelSpec's cost.targetPer1MTokens $2"), over
    within = item("  cost: {targetPer1MTokens: 10}\n")
    assert within["status"] == "passed" and "within the ModelSpec's cost.targetPer1MTokens $10" in within["why"]
    assert any("skypilot-catalog" in e for e in within["evidence"])  # the price's source is the evidence
    unset = item("  cost: {monthlyBudget: 90000}\n")
    assert unset["status"] == "skipped" and unset["why"].endswith("no ModelSpec cost.targetPer1MTokens to hold it against")
    # the smoke workflow's report: a run the runner passed fails the `/ smoke` check over the target, and says why
    from modelready.app.smoke_report import _cost, failing
    from modelready.report import wire

    (tmp_path / "modelspec.yaml").write_text((tmp_path / "modelspec.yaml").read_text().split("  cost:")[0] + "  cost: {targetPer1MTokens: 2.0}\n")
    main(["check", str(tmp_path), "--offline", "--format", "json", "--smoke-result", str(result)])
    data = json.loads(capsys.readouterr().out)
    passed = {**smoke, "result": "pass"}
    assert failing([passed], wire.of_json(data)) == [passed] and _cost(wire.of_json(data), 0) == ["$6.116 per 1M output tokens, over the target $2"]
    data["smoke"][0]["cost"]["over_target"] = False
    assert failing([passed], wire.of_json(data)) == [] and _cost(wire.of_json(data), 0) == ["$6.116 per 1M output tokens"]
    smoke["load"] = None
    result.write_text(json.dumps(smoke))
    assert item("  cost: {targetPer1MTokens: 2.0}\n")["why"] == "command-line: no output tokens/s measured (no load run)"


def _dep(name: str, gpus: int, replicas: tuple[int, int, int | None], usd: float | None, gpu: str | None = "H100-80GB") -> Any:
    from modelready.report.document import DeploymentEntry

    lo, exp, hi = replicas
    hours = {k: (None if n is None else gpus * n * 730) for k, n in (("min", lo), ("expected", exp), ("max", hi))}
    return DeploymentEntry(f"Deployment/ns/{name}@f.yaml", "Deployment", name, cost={
        "gpu": gpu, "gpus_per_replica": gpus, "replicas": {"min": lo, "expected": exp, "max": hi, "unbounded": hi is None},
        "gpu_hours_per_month": hours, "price_source": "table" if usd else "none: no GPU type",
        "usd_per_month": {k: (None if h is None else round(h * usd, 2)) for k, h in hours.items()} if usd else None})


def _doc(*deployments: Any) -> Any:
    from modelready.report.document import Report

    return Report(deployments=deployments)


def test_cost_diff_added_removed_scaled_unbounded_and_unpriced():
    from modelready.report.cost import diff

    base = _doc(_dep("a", 8, (1, 1, 1), 6.88), _dep("gone", 1, (1, 1, 1), 0.8936, "L4"), _dep("same", 1, (2, 2, 2), 0.8936, "L4"))
    head = _doc(_dep("a", 8, (1, 1, 4), 6.88), _dep("same", 1, (2, 2, 2), 0.8936, "L4"), _dep("new", 2, (1, 1, None), None, None))
    d = diff(head, base, "abc")
    by = {r["name"]: r for r in d["deployments"]}
    assert set(by) == {"a", "gone", "new"}  # "same" did not move
    assert by["a"]["gpu_hours_per_month"] == {"expected": 0, "max": 3 * 8 * 730}
    assert by["gone"]["status"] == "removed" and by["gone"]["usd_per_month"]["expected"] == pytest.approx(-652.33, abs=0.01)
    assert by["new"]["usd_per_month"]["expected"] is None and by["new"]["unbounded"]
    assert d["total"]["usd_per_month"]["expected"] is None  # an unpriced deployment: no dollar total is claimed
    # +2 × 730 GPU-hours added unpriced, 730 (L4, $652) removed: the dollars said are the priced ones
    assert d["line"].startswith("💰 **GPU cost -$652/month** for the priced GPUs (+730 GPU-hours in all: 3 deployments; 1 without a price")
    assert d["line"].endswith("no upper bound if it scales (no maximum replicas)")
    only = diff(_doc(_dep("a", 8, (1, 1, 4), 6.88)), _doc(_dep("a", 8, (1, 1, 1), 6.88)), "abc")
    assert only["line"] == "💰 **GPU cost ±$0/month** (±0 GPU-hours: a's scaling or price), max +$120,538 if it scales to 4 replicas"
    assert diff(base, base, "abc") == {"base": "abc", "changed": False, "deployments": [], "line": None,
                                       "total": {"gpu_hours_per_month": {"expected": 0, "max": 0}, "usd_per_month": {"expected": 0, "max": 0},
                                                 "unbounded": False}}
    # names from the files are text, never Markdown
    evil = diff(_doc(_dep("x](https://evil)@team", 1, (1, 1, 1), 1.0)), _doc(), "abc")
    assert "](https://evil)" not in evil["line"] and "@team" not in evil["line"].replace("\\@team", "")


def test_markdown_report_lists_each_deployments_gpu_cost(tmp_path, capsys):
    from modelready.cli import main

    (tmp_path / "deploy.yaml").write_text(H100_DEPLOYMENT)
    (tmp_path / "unnamed.yaml").write_text(H100_DEPLOYMENT.replace("llama-70b-h100", "llama-70b-any")
                                           .replace("      nodeSelector:\n        nvidia.com/gpu.product: NVIDIA-H100-80GB-HBM3\n", ""))
    main(["check", str(tmp_path), "--offline", "--format", "markdown"])
    out = capsys.readouterr().out
    assert "<summary>GPU cost per deployment</summary>" in out, out
    assert "| llama-70b-h100 | 8 H100-80GB × 1 / 1 / 1 | 5,840 | $40,179 / $40,179 / $40,179 | $6.88/GPU-h on-demand (aws us) |" in out, out
    row = next(ln for ln in out.splitlines() if ln.startswith("| llama-70b-any |"))
    assert "| 5,840 | no price | none: the GPU type is not named" in row, row


# vLLM serving Llama 3.1 8B on MIG slices, as NVIDIA's GPU operator "mixed" strategy exposes them
# (nvidia.com/mig-<profile> resources; docs.nvidia.com/datacenter/cloud-native/gpu-operator, GPU Operator with MIG)
MIG_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: llama-8b-mig, namespace: inference}
spec:
  replicas: 2
  selector: {matchLabels: {app: llama-8b-mig}}
  template:
    metadata: {labels: {app: llama-8b-mig}}
    spec:
      nodeSelector:
        nvidia.com/gpu.product: NVIDIA-A100-SXM4-80GB
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.8.5
          args: ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--max-model-len", "8192"]
          resources:
            limits:
              nvidia.com/mig-3g.40gb: 1
"""


def test_a_mig_slice_is_priced_as_its_share_of_the_gpu_it_is_cut_from(run, tmp_path):
    from modelready.normalize.cost import price_of
    from modelready.config import CostConfig

    a100 = price_of("A100-80GB", "on-demand", CostConfig())[0]
    (cost,) = _costs(run, tmp_path, MIG_DEPLOYMENT)
    # 3g.40gb: 3 of 7 compute slices, 40 of 80 GB: half the A100 it is cut from
    assert cost.gpu == "MIG 3g.40gb" and cost.price.usd_per_gpu_hour == round(a100.usd_per_gpu_hour * 0.5, 4)
    assert cost.price.source.startswith("0.5 of A100-80GB (3g.40gb: 3 of 7 compute slices, 40 of 80 GB; node label nvidia.com/gpu.product")
    assert cost.gpu_hours(cost.min) == 2 * 730 and cost.usd(cost.min) == round(2 * 730 * cost.price.usd_per_gpu_hour, 2)
    assert cost.notes == ["GPU-hours count MIG 3g.40gb slices, each priced at its share of the GPU"]
    assert cost.alternatives == {}  # no whole card is offered in a slice's place
    # 1g.20gb takes two of the eight memory slices: a quarter, more than its 1 of 7 compute slices
    (cost,) = _costs(run, _fresh(tmp_path, "1g"), MIG_DEPLOYMENT.replace("mig-3g.40gb", "mig-1g.20gb"))
    assert cost.price.usd_per_gpu_hour == round(a100.usd_per_gpu_hour * 0.25, 4)
    # a profile only one GPU offers needs no selector; one that an A100 and an H100 both offer does
    bare = MIG_DEPLOYMENT.replace("      nodeSelector:\n        nvidia.com/gpu.product: NVIDIA-A100-SXM4-80GB\n", "")
    (cost,) = _costs(run, _fresh(tmp_path, "5gb"), bare.replace("mig-3g.40gb", "mig-1g.5gb"))
    a100_40 = price_of("A100-40GB", "on-demand", CostConfig())[0]
    assert cost.price.usd_per_gpu_hour == round(a100_40.usd_per_gpu_hour / 7, 4) and "the only GPU offering it" in cost.price.source
    (cost,) = _costs(run, _fresh(tmp_path, "ambiguous"), bare)
    assert cost.price is None and cost.why_no_price == ("the MIG profile 3g.40gb is cut from A100-80GB or H100-80GB: "
                                                        "no node selector or affinity names which")


# A Karpenter GPU NodePool as the Karpenter docs (karpenter.sh/docs/concepts/nodepools) and the EKS
# best-practices guide for AI/ML lay it out: the GPU named by instance-gpu-name, tainted so that only GPU pods land
GPU_POOL = """\
---
apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: gpu}
spec:
  template:
    spec:
      requirements:
        - {key: karpenter.k8s.aws/instance-gpu-name, operator: In, values: [l40s]}
        - {key: karpenter.sh/capacity-type, operator: In, values: [spot, on-demand]}
        - {key: kubernetes.io/arch, operator: In, values: [amd64]}
      taints:
        - {key: nvidia.com/gpu, value: "true", effect: NoSchedule}
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: gpu}
  limits: {nvidia.com/gpu: 16}
---
apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: default}
spec:
  template:
    spec:
      requirements:
        - {key: karpenter.k8s.aws/instance-category, operator: In, values: [c, m, r]}
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}
---
apiVersion: karpenter.k8s.aws/v1
kind: EC2NodeClass
metadata: {name: gpu}
spec:
  amiSelectorTerms: [{alias: bottlerocket@latest}]
  role: KarpenterNodeRole-cluster
"""
L40S_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: mistral-7b, namespace: inference}
spec:
  replicas: 1
  selector: {matchLabels: {app: mistral-7b}}
  template:
    metadata: {labels: {app: mistral-7b}}
    spec:
      tolerations:
        - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.8.5
          args: ["--model", "mistralai/Mistral-7B-Instruct-v0.3"]
          resources:
            limits:
              nvidia.com/gpu: 1
"""


def test_karpenter_nodepool_requirements_name_the_gpu_and_spot_of_the_pods_it_takes(run, tmp_path):
    # no selector on the pod: it tolerates the GPU pool's taint, so that pool's nodes are the ones it gets
    (cost,) = _costs(run, tmp_path, L40S_DEPLOYMENT + GPU_POOL)
    assert cost.gpu == "L40S" and cost.gpu_source == "Karpenter NodePool gpu requires karpenter.k8s.aws/instance-gpu-name in ['l40s']"
    assert cost.price.usd_per_gpu_hour == 1.861 and cost.capacity == "on-demand" and cost.spot_allowed
    assert cost.capacity_source == "Karpenter NodePool gpu requires karpenter.sh/capacity-type in ['spot', 'on-demand']"
    # the memory fit reads the same GPU
    res = run(tmp_path)
    (d,) = [d for d in res.deployments if d.cost is not None]
    assert d.gpu.name == "L40S"
    # spot only, by instance type in the pool the pod names
    pool = GPU_POOL.replace("[spot, on-demand]", "[spot]").replace(
        "{key: karpenter.k8s.aws/instance-gpu-name, operator: In, values: [l40s]}",
        "{key: node.kubernetes.io/instance-type, operator: In, values: [g6e.xlarge, g6e.2xlarge]}")
    named = L40S_DEPLOYMENT.replace("      tolerations:\n", "      nodeSelector: {karpenter.sh/nodepool: gpu}\n      tolerations:\n")
    (cost,) = _costs(run, _fresh(tmp_path, "spot"), named + pool)
    assert cost.gpu == "L40S" and cost.capacity == "spot" and cost.price.capacity == "spot"
    # instance families that hold different GPUs: the roomiest, so a misfit is certain; the table prices that one
    mixed = pool.replace("{key: node.kubernetes.io/instance-type, operator: In, values: [g6e.xlarge, g6e.2xlarge]}",
                         "{key: karpenter.k8s.aws/instance-family, operator: In, values: [g6, p5]}")
    (cost,) = _costs(run, _fresh(tmp_path, "families"), named + mixed)
    assert cost.gpu == "H100-80GB" and cost.gpu_source.endswith("instance-family in ['g6', 'p5'] (the largest)")
    # the pool's limit of 16 GPUs bounds KEDA's default of 100 replicas: at most 16 of one L40S, and no runaway warning
    keda = """\
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: mistral-7b, namespace: inference}
spec:
  scaleTargetRef: {name: mistral-7b}
  triggers:
    - type: prometheus
      metadata: {serverAddress: "http://prometheus:9090", query: "sum(vllm:num_requests_waiting)", threshold: "10"}
"""
    limited = _fresh(tmp_path, "limit")
    (cost,) = _costs(run, limited, L40S_DEPLOYMENT + GPU_POOL + keda)
    assert cost.max == 16 and cost.max_basis == "Karpenter NodePool gpu limits nvidia.com/gpu to 16: at most 16 replicas of 1"
    assert not [f for f in run(limited).findings if f.check == "gpu-autoscale-unbounded"]
    (cost,) = _costs(run, _fresh(tmp_path, "nolimit"), L40S_DEPLOYMENT + GPU_POOL.replace("  limits: {nvidia.com/gpu: 16}\n", "") + keda)
    assert cost.max == 100 and "KEDA's default" in cost.max_basis
    # a pod that tolerates no pool's taint lands on no GPU pool known here: no GPU, no guess
    (cost,) = _costs(run, _fresh(tmp_path, "untolerated"), L40S_DEPLOYMENT.replace("nvidia.com/gpu, operator", "example.com/x, operator") + GPU_POOL)
    assert cost.gpu is None and cost.price is None


def test_a_v1alpha5_provisioner_is_read_like_a_nodepool(run, tmp_path):
    provisioner = """\
---
apiVersion: karpenter.sh/v1alpha5
kind: Provisioner
metadata: {name: gpu}
spec:
  requirements:
    - {key: karpenter.k8s.aws/instance-family, operator: In, values: [g5]}
    - {key: karpenter.sh/capacity-type, operator: In, values: [spot]}
  taints:
    - {key: nvidia.com/gpu, effect: NoSchedule}
"""
    (cost,) = _costs(run, tmp_path, L40S_DEPLOYMENT + provisioner)
    assert cost.gpu == "A10G" and cost.capacity == "spot" and cost.price.usd_per_gpu_hour < 1.006
