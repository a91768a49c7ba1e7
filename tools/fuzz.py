"""Seeded mutation fuzzer over ../shared/corpus: `modelready check` must never crash on what a PR can hold.

Each case is a folder of a few corpus files (sometimes a whole chart), each mutated the way broken or
hostile PRs are: bytes flipped, truncated, keys duplicated, huge integers, YAML tags that do not
construct, fields of the wrong type (containers, args, selectors, env, resources, replicas,
dependencies, specRef), deep nesting, alias bombs, NUL bytes. The property, per case:
no traceback, no death by signal, a report written, an exit code in {0, 1, 3}, and every file of
the case accounted for in the report.

    python tools/fuzz.py --cases 10000 --seed 14                   # `make fuzz`
    python tools/fuzz.py --cases 1 --start 417 --seed 14 --keep DIR   # case 417 alone, its folder kept

Cases run in forked children of one process that imported modelready once (no interpreter start per
case), each child under the same limits as tests/test_hostile.py (1.5 GB, 30 s CPU, 60 s wall).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("CORPUS", REPO.parent / "shared" / "corpus"))
EXITS = {0, 1, 3}
LIMIT_BYTES, LIMIT_CPU_S, LIMIT_WALL_S = 1536 * 1024 * 1024, 30, 60
TEXT = (".yaml", ".yml", ".json", ".md", ".tpl")
FIELDS = ("containers", "args", "command", "selector", "matchLabels", "env", "resources", "limits", "replicas", "dependencies",
          "specRef", "ports", "volumes", "metadata", "spec", "template", "labels", "max_position_embeddings", "torch_dtype",
          "scaleTargetRef", "matchExpressions", "image", "value", "minReplicas", "latencyBudgetMs")
REPLACEMENTS = ("5", "-1", "many", "[a, b]", "{a: 1}", "null", "''", "!!int ''", "!!bool maybe", "!!float abc", "9" * 5000,
                "1e999", ".nan", "[" * 300 + "]" * 300, "!!binary aGk=", "[[{x: [1]}]]", '"\\0"', "{containers: 3}", "~", "true")
LOL = "x-a0: &fz0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"x-a{i}: &fz{i} [" + ", ".join([f"*fz{i - 1}"] * 9) + "]\n" for i in range(1, 9))


def corpus_files() -> tuple[list[Path], list[Path]]:
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and (p.suffix in TEXT or p.name.lower().startswith("dockerfile")))
    charts = sorted(p.parent for p in CORPUS.rglob("Chart.yaml"))
    in_chart = {f for c in charts for f in c.rglob("*")}
    return [f for f in files if f not in in_chart], charts


def mutate(text: str, rng: random.Random) -> str:
    how = rng.randrange(11)
    lines = text.splitlines(keepends=True) or ["\n"]
    if how == 0:  # bytes flipped
        chars = list(text)
        for _ in range(rng.randint(1, 8)):
            if chars:
                chars[rng.randrange(len(chars))] = rng.choice("{}[]:-&*!|>'\"#\t\n\0 ax9")
        return "".join(chars)
    if how == 1:  # truncated
        return text[: rng.randrange(len(text) + 1)]
    if how == 2:  # a line repeated (duplicate keys)
        i = rng.randrange(len(lines))
        return "".join(lines[: i + 1] + [lines[i]] * rng.randint(1, 3) + lines[i + 1:])
    if how in (3, 4, 5, 6):  # a field's value replaced by one of another type
        candidates = [i for i, line in enumerate(lines) if any(f"{f}:" in line or f'"{f}":' in line for f in FIELDS)]
        if not candidates:
            return text
        i = rng.choice(candidates)
        key, sep, _rest = lines[i].partition(":")
        new = rng.choice(REPLACEMENTS)
        if key.strip().startswith('"'):  # JSON
            new = rng.choice(["5", "-1", '"many"', "[1, 2]", "{}", "null", "9" * 5000, "1e999", "[" * 5000 + "]" * 5000, '"\\u0000"'])
            return "".join(lines[:i] + [f"{key}: {new}" + ("," if lines[i].rstrip().endswith(",") else "") + "\n"] + lines[i + 1:])
        # drop the block that belonged to the key, so the new value stands alone
        indent = len(lines[i]) - len(lines[i].lstrip())
        j = i + 1
        while j < len(lines) and (not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > indent):
            j += 1
        return "".join(lines[:i] + [f"{key}{sep} {new}\n"] + lines[j:])
    if how == 7:  # deep nesting
        i = rng.randrange(len(lines))
        n = rng.choice([500, 5000, 30000])
        return "".join(lines[:i] + ["x-deep: " + "[" * n + "]" * n + "\n"] + lines[i:])
    if how == 8:  # an alias bomb, used where a value was
        use = [i for i, line in enumerate(lines) if line.rstrip().endswith(":") and not line.startswith(" ")]
        out = LOL + text
        if use:
            i = rng.choice(use)
            out = LOL + "".join(lines[:i]) + lines[i].rstrip() + " *fz8\n" + "".join(lines[i + 1:])
        return out
    if how == 9:  # a NUL or other control byte in a value
        i = rng.randrange(len(lines))
        return "".join(lines[:i] + [lines[i].replace(": ", ': "\\0\\x1b"', 1) if ": " in lines[i] else lines[i]] + lines[i + 1:])
    return text[: len(text) // 2] + "\n---\n" + text  # documents spliced


def make_case(folder: Path, files: list[Path], charts: list[Path], rng: random.Random) -> None:
    for k in range(rng.randint(1, 5)):
        src = rng.choice(files)
        text = src.read_text(encoding="utf-8", errors="replace")
        if rng.random() < 0.85:
            text = mutate(text, rng)
        name = src.name if src.name.lower() in ("config.json", "readme.md", "dockerfile") else f"f{k}-{src.name}"
        (folder / f"d{k}").mkdir(exist_ok=True)
        (folder / f"d{k}" / name).write_text(text, encoding="utf-8", errors="replace")
    if charts and rng.random() < 0.15:
        src = rng.choice(charts)
        dest = folder / "chart"
        shutil.copytree(src, dest, symlinks=False, ignore_dangling_symlinks=True)
        targets = [p for p in dest.rglob("*") if p.is_file() and p.suffix in (".yaml", ".tpl") and p.name != "Chart.yaml"]
        for p in rng.sample(targets, min(len(targets), rng.randint(1, 2))):
            p.write_text(mutate(p.read_text(encoding="utf-8", errors="replace"), rng), encoding="utf-8", errors="replace")


def _child(case: Path, report: Path, err: Path) -> None:
    os.chdir(case)
    fd = os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(fd, 2)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (LIMIT_CPU_S, LIMIT_CPU_S))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    from modelready import cli
    from modelready.load import helm_worker

    code = 98
    try:
        code = cli.main(["check", ".", "-o", str(report)])
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 2
    except BaseException:  # noqa: BLE001 - the very thing being counted
        import traceback

        traceback.print_exc()
        code = 99
    finally:
        helm_worker._POOL.close()
        sys.stderr.flush()
    os._exit(code)


def run_case(case: Path, work: Path) -> dict:
    report, err = work / "report.json", work / "stderr.txt"
    report.unlink(missing_ok=True)
    pid = os.fork()
    if pid == 0:
        _child(case, report, err)
    start = time.monotonic()
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - start > LIMIT_WALL_S:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            break
        time.sleep(0.005)
    out = {"case": case.name, "seconds": round(time.monotonic() - start, 2)}
    if os.WIFSIGNALED(status):
        out["signal"] = signal.Signals(os.WTERMSIG(status)).name
        return out
    out["exit"] = os.WEXITSTATUS(status)
    stderr = err.read_text(errors="replace") if err.exists() else ""
    if "Traceback" in stderr or out["exit"] == 99:
        out["traceback"] = stderr[-3000:]
    try:
        doc = json.loads(report.read_text())
    except (OSError, ValueError):
        out["no_report"] = True
        return out
    listed = {r["path"] for r in doc["files"]}
    present = {p.relative_to(case).as_posix() for p in case.rglob("*") if p.is_file() or p.is_symlink()}
    if present - listed:
        out["unaccounted"] = sorted(present - listed)[:5]
    out["internal_errors"] = [f["message"][:300] for f in doc["findings"] if f["check"] == "internal-error"]
    return out


def bad(result: dict) -> bool:
    return any(k in result for k in ("signal", "traceback", "no_report", "unaccounted")) or result.get("exit") not in EXITS


def warm_up() -> None:
    """One check of an empty folder in this process, so that each forked case starts with every lazy import done."""
    from modelready import cli

    with tempfile.TemporaryDirectory() as empty:
        cli.main(["check", empty, "-o", str(Path(empty) / "r.json")])


def fuzz(cases: int, seed: int, keep: Path | None = None, log=None, start: int = 0) -> dict:
    """Run cases start .. start+cases-1 of `seed`; a summary with counts and the failing cases."""
    files, charts = corpus_files()
    summary = {"seed": seed, "cases": 0, "tracebacks": 0, "signals": 0, "no_report": 0, "bad_exit": 0, "unaccounted": 0,
               "internal_errors": 0, "exits": {}, "failures": [], "seconds": 0.0}
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="modelready-fuzz-") as tmp:
        for n in range(start, start + cases):
            rng = random.Random(f"{seed}:{n}")  # each case replays alone from (seed, n)
            case = (keep or Path(tmp)) / f"case-{seed}-{n}"
            case.mkdir(parents=True, exist_ok=True)
            make_case(case, files, charts, rng)
            r = run_case(case, Path(tmp))
            summary["cases"] += 1
            summary["exits"][str(r.get("exit", r.get("signal")))] = summary["exits"].get(str(r.get("exit", r.get("signal"))), 0) + 1
            summary["tracebacks"] += "traceback" in r
            summary["signals"] += "signal" in r
            summary["no_report"] += r.get("no_report", False)
            summary["bad_exit"] += "exit" in r and r["exit"] not in EXITS
            summary["unaccounted"] += "unaccounted" in r
            summary["internal_errors"] += bool(r.get("internal_errors"))
            if bad(r) or r.get("internal_errors"):
                summary["failures"].append(r)
                if log:
                    print(json.dumps(r)[:2000], file=log, flush=True)
            if keep is None:
                shutil.rmtree(case, ignore_errors=True)
            if log and summary["cases"] % 500 == 0:
                print(f"{summary['cases']} cases, {time.monotonic() - t0:.0f} s", file=log, flush=True)
    summary["seconds"] = round(time.monotonic() - t0, 1)
    return summary


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--start", type=int, default=0, help="first case number: a long run splits into shards that add up")
    ap.add_argument("--keep", type=Path, help="keep the case folders here")
    args = ap.parse_args()
    warm_up()
    summary = fuzz(args.cases, args.seed, args.keep, log=sys.stderr, start=args.start)
    failures = summary.pop("failures")
    print(json.dumps(summary))
    print(f"{len(failures)} cases with a problem or an internal error (listed on stderr)")
    return 1 if any(bad(f) for f in failures) else 0


if __name__ == "__main__":
    sys.exit(main())
