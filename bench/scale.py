"""Is `modelready check` linear in the number of manifests? 500, 5,000 and 10,000 in one namespace.

Run by hand: `.venv/bin/python bench/scale.py [N ...]`. Each manifest is one file holding one object of a
serving unit (a vLLM Deployment, its Service, PodDisruptionBudget and HorizontalPodAutoscaler, named
and labelled per unit), all in namespace `serving`, so every object lands in the one linking scope.
Prints wall time and peak memory of each run and the ratio of the largest to the smallest (linear is
N_max / N_min: 20 for 10,000 / 500). `--peers`: Checkov (`.bench-venv`, as `make bench` installs it) and
`trivy config` on the same trees, in the same run, each after modelready (their CPU includes their children).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

UNIT = [
    """apiVersion: apps/v1
kind: Deployment
metadata: {{name: llm-{i}, namespace: serving, labels: {{app: llm-{i}}}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: llm-{i}}}}}
  template:
    metadata: {{labels: {{app: llm-{i}, tier: serving}}}}
    spec:
      containers:
      - name: vllm
        image: vllm/vllm-openai:v0.8.5
        args: ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--tensor-parallel-size", "1", "--max-model-len", "8192"]
        ports: [{{containerPort: 8000, name: http}}]
        resources: {{limits: {{nvidia.com/gpu: 1}}, requests: {{cpu: "4", memory: 32Gi}}}}
        readinessProbe: {{httpGet: {{path: /health, port: 8000}}, periodSeconds: 10}}
        livenessProbe: {{httpGet: {{path: /health, port: 8000}}, periodSeconds: 10}}
        startupProbe: {{httpGet: {{path: /health, port: 8000}}, periodSeconds: 10, failureThreshold: 60}}
""",
    """apiVersion: v1
kind: Service
metadata: {{name: llm-{i}, namespace: serving, labels: {{app: llm-{i}}}}}
spec: {{selector: {{app: llm-{i}}}, ports: [{{port: 80, targetPort: 8000}}]}}
""",
    """apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: llm-{i}, namespace: serving}}
spec: {{minAvailable: 1, selector: {{matchLabels: {{app: llm-{i}}}}}}}
""",
    """apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: llm-{i}, namespace: serving}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: llm-{i}}}
  minReplicas: 2
  maxReplicas: 8
  metrics: [{{type: Pods, pods: {{metric: {{name: vllm_num_requests_waiting}}, target: {{type: AverageValue, averageValue: "5"}}}}}}]
""",
]


def write(folder: Path, n: int) -> None:
    for k in range(n):
        unit, part = divmod(k, len(UNIT))
        (folder / f"m{k:05d}.yaml").write_text(UNIT[part].format(i=unit), encoding="utf-8")


def measure(folder: Path, argv: list[str] | None = None) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds, peak RSS MiB, exit code) of one `modelready check` on the folder (or `argv`), in a
    fresh process; wait4's usage holds its descendants it waited for too (Trivy's, Checkov's workers)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv or [sys.executable, "-m", "modelready.cli", "check", str(folder), "--format", "json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - t0, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def peers(folder: Path) -> list[tuple[str, list[str]]]:
    """The peers `make bench` runs on the corpus, on this tree: Checkov's Kubernetes framework and `trivy config`."""
    from corpus_speed import REPO, trivy_bin  # bench/ is the script's folder: its first sys.path entry

    out = []
    checkov = shutil.which("checkov") or str(REPO / ".bench-venv" / "bin" / "checkov")
    if Path(checkov).exists():
        out.append(("checkov", [checkov, "-d", str(folder), "--framework", "kubernetes", "--quiet", "-o", "json"]))
    trivy = trivy_bin()
    if trivy:
        # its default --timeout (5 minutes) ends it, failed, before 10,000 manifests are done
        out.append(("trivy config", [trivy, "config", "--skip-check-update", "--quiet", "--timeout", "60m", "--format", "json", str(folder)]))
    return out


def main(sizes: list[int], with_peers: bool = False) -> int:
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix=f"modelready-scale-{n}-") as tmp:
            write(Path(tmp), n)
            secs, cpu, mib, code = measure(Path(tmp))
            rows.append((n, secs, mib, code))
            print(f"{n:>6} manifests  {secs:7.2f} s wall  {cpu:7.2f} s CPU  {mib:7.0f} MiB peak  exit {code}  "
                  f"{secs / n * 1000:6.2f} ms/manifest", flush=True)
            for name, argv in peers(Path(tmp)) if with_peers else []:
                psecs, pcpu, pmib, pcode = measure(Path(tmp), argv)
                print(f"{'':>6} {name:<16} {psecs:7.2f} s wall  {pcpu:7.2f} s CPU  {pmib:7.0f} MiB peak  exit {pcode}  "
                      f"{pcpu / cpu:5.1f}x modelready's CPU", flush=True)
    (n0, s0, m0, _), (n1, s1, m1, _) = rows[0], rows[-1]
    if n1 > n0:
        print(f"time ratio {n1}/{n0}: {s1 / s0:.1f} (linear: {n1 / n0:.0f}); memory per manifest above {n0}: "
              f"{(m1 - m0) * 1024 / (n1 - n0):.1f} KiB")
    return 0


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    args = sys.argv[1:]
    sys.exit(main([int(a) for a in args if a != "--peers"] or [500, 5000, 10000], "--peers" in args))
