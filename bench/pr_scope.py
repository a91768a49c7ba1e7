"""Time a pull request's run (only what it touches: `modelready check --changed`) against the whole
repository, on ../shared/corpus, without and with Trivy, in the same run.

Run by hand: `.venv/bin/python bench/pr_scope.py`. The PR touches one chart's values file and one plain
manifest (CHANGED overrides: paths relative to the corpus, comma-separated). MANY=N also builds a repository
of N charts (copies of the corpus's charts) and times a PR touching one of them (with Trivy too when
MANY_TRIVY=1: the whole-repository Trivy run then takes minutes). Prints the median of RUNS runs and
each PR run as a fraction of the whole-repository run.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("CORPUS", REPO.parent / "shared" / "corpus"))
RUNS = int(os.environ.get("RUNS", "3"))
CHANGED = os.environ.get("CHANGED", "vllm-project__production-stack/helm/values.yaml,kubernetes-sigs__lws/docs/examples/vllm/GPU/lws.yaml").split(",")


def median_seconds(cmd: list[str], cwd: Path) -> tuple[float, int]:
    times, code = [], 0
    for _ in range(RUNS):
        t0 = time.perf_counter()
        code = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd).returncode
        times.append(time.perf_counter() - t0)
    return statistics.median(times), code


def compare(root: Path, changed: list[str], label: str, with_trivy: bool = True) -> None:
    listing = Path(tempfile.mkstemp(suffix=".txt")[1])
    listing.write_text("\n".join(changed) + "\n")
    base = [sys.executable, "-m", "modelready.cli", "check", ".", "--format", "json", "--no-cache"]  # each run cold
    for trivy in ([], ["--trivy", "config,secret"]) if with_trivy else ([],):
        whole, code_w = median_seconds(base + trivy, root)
        pr, code_p = median_seconds(base + trivy + ["--changed", str(listing)], root)
        name = f"{label}{' + trivy config,secret' if trivy else ''}"
        print(f"{name:<44} {whole:>9.2f} {pr:>9.2f} {pr / whole:>8.2f}×   (exit {code_w}/{code_p})")
    listing.unlink()


def many_charts(n: int, into: Path) -> list[str]:
    """A repository of n charts: the corpus's charts copied round-robin; the PR touches the first one's values."""
    charts = sorted(p.parent for p in CORPUS.rglob("Chart.yaml") if not any((q / "Chart.yaml").is_file() for q in p.parent.parents if CORPUS in q.parents))
    for i in range(n):
        shutil.copytree(charts[i % len(charts)], into / f"chart-{i:03d}")
    return ["chart-000/values.yaml"]


def main() -> int:
    if not CORPUS.is_dir():
        print(f"no corpus at {CORPUS}", file=sys.stderr)
        return 2
    print(f"median of {RUNS} runs; PR = {', '.join(CHANGED)}\n")
    print(f"{'repository':<44} {'whole s':>9} {'PR s':>9} {'PR/whole':>9}")
    compare(CORPUS, CHANGED, f"corpus ({sum(1 for _ in CORPUS.rglob('Chart.yaml'))} charts)")
    n = int(os.environ.get("MANY", "0"))
    if n:
        with tempfile.TemporaryDirectory(prefix="modelready-bench-") as tmp:
            changed = many_charts(n, Path(tmp))
            compare(Path(tmp), changed, f"{n} charts", with_trivy=os.environ.get("MANY_TRIVY") == "1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
