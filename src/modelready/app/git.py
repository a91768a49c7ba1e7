"""The one way modelready runs git. The clone may come from anyone: no hooks, no pager, no prompts, no
system config, no external diff or text conversion; every call is bounded in time and in the output it may
give, and fails soft (None, False, or GitError where the caller must say why)."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

TIMEOUT = 120  # seconds, per git call
# bytes of output one call may give: the diff of a pull request adding large files (100 MB each, as GitHub allows)
# was read whole, decoded and split, a few times its size in memory, before a line of it was used
MAX_OUTPUT = 64 * 1024 * 1024


class GitError(ValueError):
    pass


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """git `args` in `cwd`; output decoded as UTF-8 with surrogates kept (a path is bytes to git). Killed past
    TIMEOUT or MAX_OUTPUT bytes of output, which is then a failure that says so."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_TERMINAL_PROMPT="0", GIT_CONFIG_NOSYSTEM="1")
    argv = ["git", "-c", "core.hooksPath=/dev/null", "-c", "safe.directory=*", *args]
    stopped: list[str] = []
    try:
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, env=env)
            timer = threading.Timer(TIMEOUT, _stop, (proc, stopped, f"timed out after {TIMEOUT} s"))
            timer.start()
            try:
                assert proc.stdout is not None
                with proc.stdout:
                    out = proc.stdout.read(MAX_OUTPUT + 1)
                    if len(out) > MAX_OUTPUT:
                        _stop(proc, stopped, f"more than {MAX_OUTPUT // 2**20} MiB of output, not read")
                code = proc.wait()
            finally:
                timer.cancel()
            err.seek(0)
            said = err.read(65536)
    except OSError as e:
        return subprocess.CompletedProcess(argv, 128, "", f"git: {e}")
    if stopped:
        return subprocess.CompletedProcess(argv, 128, "", f"git {args[0] if args else ''}: {stopped[0]}")
    return subprocess.CompletedProcess(argv, code, out.decode("utf-8", "surrogateescape"), said.decode("utf-8", "replace"))


def _stop(proc: subprocess.Popen[bytes], stopped: list[str], why: str) -> None:
    stopped.append(why)
    proc.kill()


def output(cwd: Path, *args: str) -> str | None:
    """stdout of a successful call, else None."""
    proc = run(cwd, *args)
    return proc.stdout if proc.returncode == 0 else None


def has_commit(root: Path, sha: str) -> bool:
    return bool(sha) and run(root, "rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}").returncode == 0


def head(root: Path) -> str | None:
    out = output(root, "rev-parse", "HEAD")
    return out.strip() if out is not None else None


def show(root: Path, ref: str, path: str) -> str | None:
    """A file's text at a commit, or None (no such commit or file)."""
    return output(root, "show", f"{ref}:{path}") if has_commit(root, ref) else None


def changed_files(root: Path, base: str, head_sha: str) -> list[str] | None:
    """Files a change touched (`base...head`), or None when the clone cannot say."""
    if not (has_commit(root, base) and has_commit(root, head_sha)):
        return None
    out = output(root, "diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", "--no-textconv", f"{base}...{head_sha}")
    return [f for f in out.split("\0") if f] if out is not None else None


def changed_lines(root: Path, base: str, head_sha: str) -> dict[str, set[int]] | None:
    """Lines each file gained or changed between two commits (git diff -U0), or None when git cannot say."""
    if not (has_commit(root, base) and has_commit(root, head_sha)):
        return None
    diff = ["diff", "--no-color", "--no-ext-diff", "--no-textconv", "-U0", "--relative"]
    out = output(root, *diff, f"{base}...{head_sha}")
    if out is None:
        out = output(root, *diff, base, head_sha)
    return parse_patch(out) if out is not None else None


_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.M)


def parse_patch(diff: str, file: str | None = None) -> dict[str, set[int]]:
    """{file: added or changed lines} from a unified diff (several files), or from one file's patch."""
    out: dict[str, set[int]] = {}
    current = file
    for line in diff.splitlines():
        if line.startswith("+++ "):
            name = line[4:].strip()
            current = name[2:] if name.startswith("b/") else (None if name == "/dev/null" else name)
            continue
        m = _HUNK.match(line)
        if m and current is not None:
            start, count = int(m.group(1)), int(m.group(2) if m.group(2) is not None else 1)
            out.setdefault(current, set()).update(range(start, start + count))
    return out


@contextmanager
def worktree(root: Path, ref: str) -> Iterator[Path]:
    """`root` as it is at `ref`, in a temporary `git worktree` of the same clone, removed afterwards."""
    top = output(root, "rev-parse", "--show-toplevel")
    if top is None:
        raise GitError(f"{root} is not in a git clone: no base to compare with")
    if not has_commit(root, ref):
        raise GitError(f"commit {ref} is not in this clone (check out with fetch-depth: 0, or fetch it)")
    toplevel = Path(top.strip())
    sub = root.resolve().relative_to(toplevel.resolve())
    with tempfile.TemporaryDirectory(prefix="modelready-base-") as tmp:
        tree = Path(tmp) / "base"
        made = run(toplevel, "worktree", "add", "--detach", "--quiet", str(tree), ref)
        if made.returncode != 0:
            raise GitError(f"cannot check out {ref}: {made.stderr.strip()[:300]}")
        try:
            yield tree / sub
        finally:
            run(toplevel, "worktree", "remove", "--force", str(tree))
