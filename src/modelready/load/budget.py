"""One budget for a run: its rendering across every chart, values set and overlay, and its CPU time.

Each render is bounded alone (a Helm worker's wall, CPU and memory limits; kubectl's timeout), but a pull
request can add as many values sets and overlays as it likes: sixteen sets that each stay within their
own limits took 109 s and 1.85 GB together. So the run also has a total: wall seconds from the start of
the run, and bytes of rendered output held (what the parsed objects grow from). And one CPU budget for the
whole run, modelready's own process, its Helm workers and kubectl together, taken before each file is
analysed, each values set or overlay is rendered and each deployment is checked. What a budget cuts is not
done, and a not-analysed finding names it and says which budget ran out.
"""

from __future__ import annotations

import os
import resource
import threading
import time

from . import helm_worker

MB = 1024 * 1024
SECONDS = float(os.environ.get("MODELREADY_RENDER_BUDGET_S", "120"))
# The corpus's 60 charts and their values sets render to 0.5 MB in all (at most 37 KB a set); a render worth analysing is far below this.
BYTES = int(os.environ.get("MODELREADY_RENDER_BUDGET_MB", "32")) * MB
# The corpus (494 files, 60 charts and their values sets) takes 6 s of CPU in all, Helm workers included: fifty times that.
CPU_SECONDS = float(os.environ.get("MODELREADY_CPU_BUDGET_S", "300"))


def cpu_s() -> float:
    """CPU seconds used so far by this process (every thread), its children that ended (kubectl, hadolint, a
    Helm worker killed at a limit) and its live Helm workers (they serve one run after another)."""
    own, ended = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + ended.ru_utime + ended.ru_stime + helm_worker.cpu_s()


class Budget:
    def __init__(self, seconds: float | None = None, size: int | None = None, cpu: float | None = None):
        self.seconds = SECONDS if seconds is None else seconds
        self.size = BYTES if size is None else size
        self.cpu = CPU_SECONDS if cpu is None else cpu
        self.cpu0 = cpu_s()  # what came before this run (a process may run several) is not its to spend
        self._cpu_read = (-1.0, 0.0)  # (monotonic time, CPU used then): read at most every 50 ms, not per file
        self.deadline = time.monotonic() + self.seconds
        self.used = 0
        self._lock = threading.Lock()

    def left_s(self) -> float:
        return self.deadline - time.monotonic()

    def cpu_spent(self) -> str | None:
        """Why nothing more may be done by this run, or None while its CPU budget lasts."""
        at, used = self._cpu_read
        if at < 0 or time.monotonic() - at >= 0.05:  # a read is /proc of each live Helm worker
            used = cpu_s() - self.cpu0
            self._cpu_read = (time.monotonic(), used)
        if used < self.cpu:
            return None
        return (f"the run's CPU budget ({self.cpu:g} s, MODELREADY_CPU_BUDGET_S) was spent "
                f"({used:.1f} s used by modelready, its Helm workers and kubectl)")

    def spent(self) -> str | None:
        """Why nothing more may be rendered, or None while every budget lasts."""
        if why := self.cpu_spent():
            return why
        if self.left_s() <= 0:
            return f"the run's {self.seconds:.0f} s budget for rendering charts, values sets and overlays was spent"
        if self.used >= self.size:
            return (f"the run's budget for rendering charts, values sets and overlays ({self.size // MB} MB of rendered output) "
                    f"was spent ({self.used // MB} MB rendered)")
        return None

    def charge(self, size: int) -> None:
        with self._lock:
            self.used += size
