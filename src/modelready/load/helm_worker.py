"""Helm renders in worker processes, bounded in wall time, CPU time and memory.

The Go engine cannot be interrupted from a Python thread: `range until 100000000` or `tpl` recursion in a
chart would take the whole run with it. So each render goes to a worker process (this module run as
`python helm_worker.py`) that loads helm-python-sdk once and stays alive for the next
chart: a pool, so charts also render in parallel. A worker over a limit is killed with its process group
and replaced; the values set gets a finding saying which limit it passed.

Protocol: one JSON line per request on stdin ({"chart", "digest", "values", "name", "namespace"}), one JSON
line per answer on the worker's protocol fd ({"manifests": {...}} or {"error": "...", "kind": "helm"|"noengine"}).
A worker keeps the last charts it loaded (by path and content digest), and the pool gives a chart's next
values set to the worker that holds it: a chart is loaded once for all its values sets.
"""

from __future__ import annotations

import atexit
import json
import os
import resource
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the engine is imported in the worker process only, never in modelready's
    from helm_python import Chart

WALL_S = float(os.environ.get("MODELREADY_HELM_WALL_S", "30"))  # one values set
CPU_S = float(os.environ.get("MODELREADY_HELM_CPU_S", "20"))
MEMORY_BYTES = int(os.environ.get("MODELREADY_HELM_MEMORY_MB", "1024")) * 1024 * 1024
POOL_SIZE = max(1, min(4, os.cpu_count() or 1))
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class NoEngine(Exception):
    pass


class RenderFailed(Exception):
    pass


class Stopped(RenderFailed):
    """A render stopped by a limit (wall, CPU, memory) or the worker's death: no answer of Helm's, so not one to keep."""


class _Worker:
    def __init__(self) -> None:
        # GOMEMLIMIT makes Go collect before the hard limit (RLIMIT_AS, set by the worker itself) is reached.
        env = {**os.environ, "GOMEMLIMIT": f"{MEMORY_BYTES * 3 // 4 // (1024 * 1024)}MiB", "GOMAXPROCS": "2"}
        # Run as a script, not `-m`: the worker needs none of modelready's packages, and starts 50 ms sooner without them.
        self.proc = subprocess.Popen([sys.executable, __file__], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, start_new_session=True)
        assert self.proc.stdin is not None and self.proc.stdout is not None  # both are pipes: said for the type checker
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        self.buf = b""
        self.charts: list[str] = []  # the (path, digest) keys it holds loaded, newest last

    def render(self, request: dict[str, Any]) -> dict[str, Any]:
        """One request and its answer, each a JSON object (the protocol above)."""
        try:
            self.stdin.write(json.dumps(request, default=str).encode() + b"\n")
            self.stdin.flush()
        except OSError:
            raise Stopped(self._death()) from None
        start, cpu0 = time.monotonic(), self._cpu()
        fd = self.stdout.fileno()
        while b"\n" not in self.buf:
            if time.monotonic() - start > WALL_S:
                self.kill()
                raise Stopped(f"rendering took more than {WALL_S:g} s of wall time: stopped")
            if self._cpu() - cpu0 > CPU_S:
                self.kill()
                raise Stopped(f"rendering used more than {CPU_S:g} s of CPU time: stopped")
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise Stopped(self._death())
                self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        answer: dict[str, Any] = json.loads(line)  # the worker writes an object per line
        return answer

    def _cpu(self) -> float:
        try:
            with open(f"/proc/{self.proc.pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / _TICKS
        except (OSError, IndexError, ValueError):
            return 0.0

    def _death(self) -> str:
        code = self.proc.wait(timeout=5)
        self.kill()
        why = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit {code}"
        return (f"the Helm engine died while rendering ({why}): the chart passed the memory limit of "
                f"{MEMORY_BYTES // (1024 * 1024)} MiB or recursed without end")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:
            pass
        self.proc.wait()


def _limit_memory() -> None:
    """Address space for the render: MEMORY_BYTES beyond what the loaded engine has reserved already.

    The Go runtime reserves ~900 MB of address space it never touches (about 70 MB resident): a bare
    1 GiB RLIMIT_AS left a render ~40 MB and the engine died of SIGABRT at random on an ordinary chart."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _reserved() + MEMORY_BYTES
    limit = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit if soft == resource.RLIM_INFINITY else min(limit, soft), hard))


def _reserved() -> int:
    """This process's address space now (VmSize), 0 when /proc cannot say."""
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


KEEP_CHARTS = 4  # loaded charts a worker holds (each a few MiB in the engine)


class _Pool:
    def __init__(self) -> None:
        self.idle: list[_Worker] = []
        self.lock = threading.Lock()
        self.all: list[_Worker] = []

    def render(self, request: dict[str, Any]) -> dict[str, Any]:
        key = f"{request.get('chart')}|{request.get('digest')}" if "chart" in request else None
        worker = self._take(key)
        try:
            answer = worker.render(request)
        except BaseException:
            worker.kill()
            raise
        if key is not None:  # what the worker now holds loaded, as its own cache evicts
            worker.charts = [k for k in worker.charts if k != key][-(KEEP_CHARTS - 1):] + [key]
        with self.lock:
            self.idle.append(worker)
        return answer

    def _take(self, key: str | None) -> _Worker:
        """An idle worker that holds this chart loaded, else the last idle one, else a new one."""
        with self.lock:
            self.idle = [w for w in self.idle if w.alive()]
            holding = [w for w in self.idle if key is not None and key in w.charts]
            if holding or self.idle:
                w = (holding or self.idle)[-1]
                self.idle.remove(w)
                return w
            w = _Worker()
            self.all.append(w)
            return w

    def prestart(self, n: int) -> None:
        """Live workers up to `n`, started now and idle."""
        with self.lock:
            alive = sum(1 for w in self.all if w.alive())
            for _ in range(n - alive):
                w = _Worker()
                self.all.append(w)
                self.idle.append(w)

    def close(self) -> None:
        for w in self.all:
            if w.alive():
                w.kill()


_POOL = _Pool()
atexit.register(_POOL.close)


def cpu_s() -> float:
    """CPU seconds the pool's live workers have used (an ended worker's count in RUSAGE_CHILDREN once reaped)."""
    return sum(w._cpu() for w in list(_POOL.all) if w.proc.returncode is None)


def running() -> bool:
    """Whether a worker of the pool is alive (warm)."""
    return any(w.alive() for w in list(_POOL.all))


def prestart() -> None:
    """Every worker of the pool started, when fewer run: each loads the engine (about 0.2 s), so one values set's
    render does not wait for the next worker to start."""
    _POOL.prestart(POOL_SIZE)


def render(chart_dir: Path, values: dict[str, Any], name: str, namespace: str, digest: str = "") -> dict[str, str]:
    """Template name -> rendered text. Raises NoEngine (no helm-python-sdk) or RenderFailed (Helm's message, or a limit).
    `digest`: the chart's content digest, so a worker reuses its loaded chart only while the files are the same."""
    answer = _POOL.render({"chart": str(chart_dir), "digest": digest, "values": values, "name": name, "namespace": namespace})
    if "manifests" in answer and isinstance(answer["manifests"], dict):
        return {str(k): str(v) for k, v in answer["manifests"].items()}
    if answer.get("kind") == "noengine":
        raise NoEngine(str(answer.get("error")))
    if answer.get("kind") == "helm":  # Helm's own message: as much a result of the chart as its manifests
        raise RenderFailed(str(answer.get("error")))
    raise Stopped(str(answer.get("error", "the Helm worker gave no answer")))


def engine_name() -> str | None:
    """helm-python-sdk's version as the worker loads it, None when it cannot (the Go runtime stays out of this process)."""
    version = _POOL.render({"op": "version"}).get("version")
    return version if isinstance(version, str) else None


def _serve() -> None:
    """The worker's loop: answers on a private copy of stdout, so nothing the engine prints can corrupt it."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    try:
        import helm_python
        missing = ""  # helm_python is bound exactly when nothing is missing
    except Exception as e:  # noqa: BLE001 - any failure to load the native library means: not usable
        missing = f"{type(e).__name__}: {e}"
    _limit_memory()  # after the engine is loaded: its runtime's reservations are not the chart's
    loaded: dict[str, Chart] = {}  # (path|digest) -> chart, the newest last; the pool mirrors the keys
    for line in sys.stdin.buffer:
        req = json.loads(line)
        answer: dict[str, Any]
        if req.get("op") == "version":
            answer = {"version": None if missing else f"helm-python-sdk {helm_python.__version__} (Helm {helm_python.helm_sdk_version()})"}
        elif missing:
            answer = {"error": missing, "kind": "noengine"}
        else:
            try:
                fresh = f"{req['chart']}|{req.get('digest')}" not in loaded
                chart = _loaded(loaded, req)
                answer = {"manifests": chart.render(req["values"] or None, name=req["name"], namespace=req["namespace"], is_install=True),
                          "loaded": fresh}
            except helm_python.HelmError as e:
                answer = {"error": str(e), "kind": "helm"}
            except MemoryError:  # the memory limit, not the chart's answer
                answer = {"error": f"the render passed the memory limit of {MEMORY_BYTES // (1024 * 1024)} MiB", "kind": "limit"}
            except Exception as e:  # noqa: BLE001 - any other failure is this chart's, not the worker's
                answer = {"error": f"{type(e).__name__}: {e}", "kind": "helm"}
        out.write(json.dumps(answer).encode() + b"\n")
        out.flush()


def _loaded(loaded: dict[str, Chart], req: dict[str, Any]) -> Chart:
    """The chart of this request, loaded once per path and content digest; the oldest beyond KEEP_CHARTS closed."""
    import helm_python  # already loaded by _serve

    key = f"{req['chart']}|{req.get('digest')}"
    if os.path.isdir(os.path.join(req["chart"], "charts")):
        # Helm drops the subcharts a values set disables from the loaded chart as it renders: a chart with
        # subcharts is loaded afresh for each values set, or one set's `condition` would decide the next's
        old = loaded.pop(key, None)
        if old is not None:
            old.close()
    chart = loaded.pop(key, None) or helm_python.Chart.load(req["chart"])
    loaded[key] = chart
    while len(loaded) > KEEP_CHARTS:
        loaded.pop(next(iter(loaded))).close()
    return chart


if __name__ == "__main__":
    del sys.path[0]  # this file's folder: its modules (helm.py, files.py) must not shadow anything helm_python imports
    _serve()
