"""`python -m MODULE …` as subprocess.run(capture_output=True, text=True) runs it, forked from a Python that has
already imported what such a run loads (tests/warm_python.py says what is the same and what is not). One
server per pytest process and way of starting Python (the run's PYTHON* and locale variables: a runner's
bare environment is one, the suite's own inherited one another), started at its first run; a run whose
environment sets one of modelready's import-time limits (MODELREADY_* but the cache's, read at run time)
gets a fresh process."""

from __future__ import annotations

import atexit
import json
import locale
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = str(HERE.parent / "src")
# read by modelready at run time, not when its modules are imported (tests/test_warm.py holds that): a forked run sees them
RUN_TIME = ("MODELREADY_CACHE_DIR", "MODELREADY_NO_CACHE")
_servers: dict[tuple[tuple[str, str], ...], tuple[subprocess.Popen[bytes], str]] = {}


def starts_python(name: str) -> bool:
    """A variable Python reads as it starts (before any of a run's code): a fork keeps the server's."""
    return name.startswith(("PYTHON", "LC_")) or name in ("LANG", "LANGUAGE")


def _start(key: tuple[tuple[str, str], ...]) -> str:
    if key not in _servers:
        path = os.path.join(tempfile.mkdtemp(prefix="warm-python-"), "socket")
        env = {"PATH": "/usr/bin:/bin", **dict(key)}
        server = subprocess.Popen([sys.executable, str(HERE / "warm_python.py"), path, ",".join(env)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, env=env)
        assert server.stdout is not None and server.stdout.readline() == b"ready\n", "the warm Python did not start"
        if not _servers:
            atexit.register(_stop)
        _servers[key] = server, path
    return _servers[key][1]


def _stop() -> None:
    for server, path in _servers.values():
        if server.stdin is not None:
            server.stdin.close()  # it exits when its stdin closes
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        os.unlink(path)
        os.rmdir(os.path.dirname(path))


def server_pid(env: dict[str, str]) -> int | None:
    """The pid of the server that forks the runs of env, once started."""
    got = _servers.get(_key(env))
    return got[0].pid if got else None


def _key(env: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in env.items() if starts_python(k)))


def _forkable(env: dict[str, str]) -> bool:
    """modelready's import-time limits (MODELREADY_*) are its defaults."""
    return not any(k.startswith("MODELREADY_") and k not in RUN_TIME for k in env)


def run(argv: list[str], env: dict[str, str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """subprocess.run([sys.executable, "-m", *argv], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)"""
    cmd = [sys.executable, "-m", *argv]
    if not _forkable(env):
        return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    deadline = time.monotonic() + timeout
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as conn:
        conn.connect(_start(_key(env)))
        socket.send_fds(conn, [json.dumps({"argv": argv, "env": env, "cwd": str(cwd)}).encode()], [0, out_w, err_w])
        os.close(out_w)
        os.close(err_w)
        pid = int(conn.recv(64))
        chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
        status = None
        with selectors.DefaultSelector() as sel:
            for fd in (out_r, err_r, conn.fileno()):
                sel.register(fd, selectors.EVENT_READ)
            try:
                while sel.get_map():  # until the child's status came and both pipes closed, as communicate() waits
                    events = sel.select(max(deadline - time.monotonic(), 0))
                    if not events:
                        os.kill(pid, signal.SIGKILL)
                        raise subprocess.TimeoutExpired(cmd, timeout)
                    for key, _ in events:
                        data = os.read(key.fd, 65536) if key.fd != conn.fileno() else b""
                        if key.fd == conn.fileno():
                            status = int(conn.recv(64))
                        elif data:
                            chunks[key.fd].append(data)
                            continue
                        sel.unregister(key.fd)
            finally:
                os.close(out_r)
                os.close(err_r)
    assert status is not None
    encoding = locale.getpreferredencoding(False)
    out, err = (b"".join(chunks[fd]).decode(encoding).replace("\r\n", "\n").replace("\r", "\n") for fd in (out_r, err_r))
    return subprocess.CompletedProcess(cmd, os.waitstatus_to_exitcode(status), out, err)
