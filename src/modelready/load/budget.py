"""One budget for a run's rendering, across every chart, values set and overlay.

Each render is bounded alone (a Helm worker's wall, CPU and memory limits; kubectl's timeout), but a pull
request can add as many values sets and overlays as it likes: sixteen sets that each stay within their
own limits took 109 s and 1.85 GB together. So the run also has a total: wall seconds from the start of
loading, and bytes of rendered output held (what the parsed objects grow from). What the budget cuts is
not rendered, and a not-analysed finding names it and says which budget ran out.
"""

from __future__ import annotations

import os
import threading
import time

MB = 1024 * 1024
SECONDS = float(os.environ.get("MODELREADY_RENDER_BUDGET_S", "120"))
# The corpus's 60 charts and their values sets render to 0.5 MB in all (at most 37 KB a set); a render worth analysing is far below this.
BYTES = int(os.environ.get("MODELREADY_RENDER_BUDGET_MB", "32")) * MB


class Budget:
    def __init__(self, seconds: float | None = None, size: int | None = None):
        self.seconds = SECONDS if seconds is None else seconds
        self.size = BYTES if size is None else size
        self.deadline = time.monotonic() + self.seconds
        self.used = 0
        self._lock = threading.Lock()

    def left_s(self) -> float:
        return self.deadline - time.monotonic()

    def spent(self) -> str | None:
        """Why nothing more may be rendered, or None while both budgets last."""
        if self.left_s() <= 0:
            return f"the run's {self.seconds:.0f} s budget for rendering charts, values sets and overlays was spent"
        if self.used >= self.size:
            return (f"the run's budget for rendering charts, values sets and overlays ({self.size // MB} MB of rendered output) "
                    f"was spent ({self.used // MB} MB rendered)")
        return None

    def charge(self, size: int) -> None:
        with self._lock:
            self.used += size
