"""A Python that has already imported what `modelready github` loads (PyGithub with jwt, cryptography and
requests; jsonschema; PyYAML; modelready's own modules: about 0.6 s of every fresh start, over a hundred runs
in the suite), and forks a child per run that is then set up as the fresh process would be: the run's exact
environment, argv, working directory, stdin, stdout and stderr, and the interpreter's own exit (SystemExit,
traceback, atexit, flushing).

What differs from a fresh process: those modules are in sys.modules already, imported under this server's
environment (PATH and the variables that change how Python starts: PYTHON*, the locale's; tests/warm.py
starts one server for each set of those its runs have), and the hash seed is the server's. What modelready
reads at import time is its MODELREADY_* limits: tests/warm.py runs an environment that sets any of them
(but the cache's, read at run time) in a fresh process. Nothing here imports huggingface_hub (it reads HF_*
at import) or helm_python (a Go runtime does not survive a fork): the server refuses to start if it did.

Started by tests/warm.py; it serves the runs of one pytest process on a Unix socket. One request,
one connection: a message {argv, env, cwd} (argv: the module, then its arguments) with the child's stdin,
stdout and stderr as passed descriptors; the answers are the child's pid, then its wait status.

Usage: python warm_python.py SOCKET NAMES (the names of the variables it was started with, comma-separated)
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import select
import socket
import sys

PRELOAD = ("github", "jsonschema", "yaml", "modelready.app.cli", "modelready.app.action", "modelready.pipeline", "modelready.publish.github")
# and every module of these, as a `check` or `github` run imports them (the checks' registry imports each check): 0.08 s a run
PRELOAD_ALL_OF = ("modelready.app", "modelready.catalog", "modelready.checks", "modelready.load", "modelready.normalize", "modelready.publish",
                  "modelready.report", "modelready.scan", "modelready.spec")
NEVER = ("huggingface_hub", "helm_python")


def serve(path: str, started_with: set[str]) -> tuple[list[str], socket.socket]:
    """Serve until the client goes; in each child, return the run's argv (its stdio and environment set)."""
    added = {k: v for k, v in os.environ.items() if k not in started_with}  # what Python's start put there (LC_CTYPE)
    for name in PRELOAD:
        __import__(name)
    for package in PRELOAD_ALL_OF:
        for module in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
            importlib.import_module(module.name)
    loaded = sorted({m.split(".")[0] for m in sys.modules} & set(NEVER))
    assert not loaded, f"preloading imported {loaded}: a forked run would not be a fresh one"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path)
    listener.listen(16)
    os.set_inheritable(listener.fileno(), False)
    print("ready", flush=True)  # the client waits for this line on our stdout
    children: dict[int, tuple[int, socket.socket]] = {}  # pidfd -> (pid, the request's connection)
    while True:
        ready, _, _ = select.select([listener, sys.stdin, *children], [], [])
        if sys.stdin in ready and not sys.stdin.readline():  # the client closed our stdin: it is done
            sys.exit(0)
        for fd in ready:
            if fd in children:
                pid, conn = children.pop(fd)
                _, status = os.waitpid(pid, 0)
                os.close(fd)
                try:
                    conn.send(str(status).encode())
                except OSError:  # the client gave up on it (a timeout): nobody to tell
                    pass
                conn.close()
        if listener not in ready:
            continue
        conn, _ = listener.accept()
        message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
        request = json.loads(message)
        pid = os.fork()
        if pid == 0:
            listener.close()
            for _pid, other in children.values():
                other.close()
            for pidfd in children:
                os.close(pidfd)
            for i, fd in enumerate(fds):
                os.dup2(fd, i)
                os.close(fd)
            os.chdir(request["cwd"])
            os.environ.clear()
            os.environ.update({**request["env"], **added})
            sys.path[0] = os.getcwd()  # `python -m` puts the working directory first
            return request["argv"], conn
        for fd in fds:
            os.close(fd)
        conn.send(str(pid).encode())
        children[os.pidfd_open(pid)] = (pid, conn)


if __name__ == "__main__":
    argv, _conn = serve(sys.argv[1], set(sys.argv[2].split(",")))
    _conn.close()
    del _conn
    # from here on the child is `python -m MODULE ARGS…`, run by what `-m` itself calls
    import runpy

    sys.argv = ["-m", *argv[1:]]
    runpy._run_module_as_main(argv[0])  # type: ignore[attr-defined]
