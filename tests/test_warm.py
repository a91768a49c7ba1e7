"""tests/warm.py: a run forked from the warm Python is the fresh `python -m` run the Action tests stand for:
the same environment (Python's own additions included), argv, working directory, sys.path[0], stdio
encodings, exit status and error, side by side with subprocess.run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from . import warm

PROBE = """
import json, os, sys
print(json.dumps({"env": dict(os.environ), "argv": sys.argv, "cwd": os.getcwd(), "path0": sys.path[0], "main": __name__,
                  "stdio": [(f.encoding, f.errors, f.line_buffering) for f in (sys.stdout, sys.stderr)], "tty": os.isatty(1)}))
print("to stderr", file=sys.stderr)
if sys.argv[1] == "raise":
    raise ValueError("boom")
sys.exit(int(sys.argv[1]))
"""


def _without_the_servers_frame(text: str) -> str:
    """A traceback has one frame more, the server's own (its line, source and carets, up to the next frame)."""
    lines = text.splitlines(keepends=True)
    at = next((i for i, ln in enumerate(lines) if ln.startswith("  File ") and "warm_python.py" in ln), None)
    if at is None:
        return text
    end = next(i for i in range(at + 1, len(lines)) if lines[i].startswith("  File "))
    return "".join(lines[:at] + lines[end:])


def suites(tmp_path: Path) -> dict[str, str]:
    """What a test's plain subprocess.run passes on: this process's environment (its locale, PYTHON* and
    MODELREADY_CACHE_DIR among them), with a locale and unbuffered output set, were they not already."""
    return {**os.environ, "LANG": os.environ.get("LANG", "C.UTF-8"), "PYTHONUNBUFFERED": "1", "HOME": str(tmp_path), "NAME": "ünïcode"}


@pytest.mark.parametrize("how, code", [("0", 0), ("3", 3), ("raise", 1)])
@pytest.mark.parametrize("environment", ["runner", "suite"])
def test_a_forked_run_is_the_fresh_one(tmp_path, how, code, environment):
    (tmp_path / "probe.py").write_text(PROBE)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": warm.SRC, "GITHUB_ACTIONS": "true", "NAME": "ünïcode"}
    if environment == "suite":
        env = suites(tmp_path)
    fresh = subprocess.run([sys.executable, "-m", "probe", how], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    forked = warm.run(["probe", how], env=env, cwd=tmp_path, timeout=60)
    assert warm.server_pid(env) is not None  # it was forked
    assert forked.returncode == fresh.returncode == code
    assert forked.stdout == fresh.stdout and '"NAME": "\\u00fcn\\u00efcode"' in fresh.stdout
    assert _without_the_servers_frame(forked.stderr) == fresh.stderr
    assert fresh.stderr.startswith("to stderr\n") and (how != "raise" or fresh.stderr.endswith("ValueError: boom\n"))


def test_a_limit_set_in_the_environment_gets_a_fresh_process_and_a_hang_times_out(tmp_path):
    (tmp_path / "probe.py").write_text("import os, sys\nprint(os.getppid())\n")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": warm.SRC}
    parent = int(warm.run(["probe"], env=env, cwd=tmp_path, timeout=60).stdout)
    assert parent == warm.server_pid(env)  # forked by the server
    assert int(warm.run(["probe"], env={**env, "MODELREADY_CACHE_DIR": str(tmp_path)}, cwd=tmp_path, timeout=60).stdout) == parent
    own = int(warm.run(["probe"], env={**env, "MODELREADY_HELM_CPU_S": "3"}, cwd=tmp_path, timeout=60).stdout)
    assert own == os.getpid()  # a fresh child of this process: the limit is read at import
    (tmp_path / "hang.py").write_text("import time\ntime.sleep(600)\n")
    with pytest.raises(subprocess.TimeoutExpired):
        warm.run(["hang"], env=env, cwd=tmp_path, timeout=1)


def test_what_a_fork_passes_on_is_read_at_run_time_only():
    """warm.RUN_TIME's variables reach a forked run, which imported modelready before it was asked for: right only
    while modelready reads them inside a function, never at import (a module-level read, a default argument)."""
    import ast

    for path in Path(warm.SRC, "modelready").rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        bodies = [n for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) for n in
                  ([f.body] if isinstance(f, ast.Lambda) else f.body)]
        inside = {id(n) for b in bodies for n in ast.walk(b)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in warm.RUN_TIME:
                assert id(node) in inside, f"{path}:{node.lineno}: {node.value} read at import"
    # and the rest of modelready's own variables are its import-time limits: a run setting one is not forked
    assert not warm._forkable({"MODELREADY_HELM_CPU_S": "3"}) and warm._forkable({"MODELREADY_CACHE_DIR": "/x", "MODELREADY_NO_CACHE": "1"})
