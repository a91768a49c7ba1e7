"""`python -m MODULE …` as subprocess.run(capture_output=True, text=True) runs it, forked from a Python that has
already imported what such a run loads (tests/warm_python.py says what is the same and what is not). One
server per pytest process, started at its first run; a run whose environment would start Python or
modelready differently (another PYTHONPATH, a PYTHON*, locale or MODELREADY_* variable) gets a fresh process."""

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
_server: subprocess.Popen[bytes] | None = None
_socket = ""


def _start() -> str:
    global _server, _socket
    if _server is None:
        _socket = os.path.join(tempfile.mkdtemp(prefix="warm-python-"), "socket")
        _server = subprocess.Popen([sys.executable, str(HERE / "warm_python.py"), _socket], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   env={"PATH": "/usr/bin:/bin", "PYTHONPATH": SRC})
        assert _server.stdout is not None and _server.stdout.readline() == b"ready\n", "the warm Python did not start"
        atexit.register(_stop)
    return _socket


def _stop() -> None:
    if _server is not None and _server.stdin is not None:
        _server.stdin.close()  # it exits when its stdin closes
        try:
            _server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            _server.kill()
        os.unlink(_socket)
        os.rmdir(os.path.dirname(_socket))


def _starts_the_same(env: dict[str, str]) -> bool:
    """Python would start as the server did, and modelready's import-time limits (MODELREADY_*) are its defaults."""
    return env.get("PYTHONPATH") == SRC and not any(k.startswith(("PYTHON", "LC_", "MODELREADY_")) and k != "PYTHONPATH"
                                                    or k in ("LANG", "LANGUAGE") for k in env)


def run(argv: list[str], env: dict[str, str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """subprocess.run([sys.executable, "-m", *argv], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)"""
    cmd = [sys.executable, "-m", *argv]
    if not _starts_the_same(env):
        return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    deadline = time.monotonic() + timeout
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as conn:
        conn.connect(_start())
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
