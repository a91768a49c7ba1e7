"""GPU memory and utilisation sampled through NVML (nvidia-ml-py) while the target runs.

Without the library, a driver or a device, the sampler says why and the GPU items are decided from
that reason, never from a guess."""

from __future__ import annotations

from typing import Any

import threading


class GpuSampler:
    def __init__(self, interval_s: float = 0.5) -> None:
        self.interval_s = interval_s
        self.available = False
        self.reason: str | None = None
        self.driver: str | None = None
        self.devices: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._nvml: Any = None  # the pynvml module, once started
        self._handles: list[Any] = []

    def start(self) -> "GpuSampler":
        try:
            import pynvml  # type: ignore[import-untyped]  # from nvidia-ml-py
        except ImportError:
            self.reason = "nvidia-ml-py is not installed (pip install 'modelready[smoke]')"
            return self
        try:
            pynvml.nvmlInit()
            count = pynvml.nvmlDeviceGetCount()
        except pynvml.NVMLError as e:
            self.reason = f"NVML: {e}"
            return self
        if count == 0:
            self.reason = "NVML sees no GPU"
            pynvml.nvmlShutdown()
            return self
        self._nvml, self.available = pynvml, True
        self.driver = _text(pynvml.nvmlSystemGetDriverVersion())
        for i in range(count):
            h = pynvml.nvmlDeviceGetHandleByIndex(i)
            mem = pynvml.nvmlDeviceGetMemoryInfo(h)
            self._handles.append(h)
            self.devices.append({"index": i, "name": _text(pynvml.nvmlDeviceGetName(h)), "memory_total_mib": mem.total // 2**20,
                                 "memory_used_at_start_mib": mem.used // 2**20, "peak_memory_used_mib": mem.used // 2**20,
                                 "utilization_samples": 0, "utilization_sum": 0, "peak_utilization_pct": 0})
        self._thread = threading.Thread(target=self._loop, daemon=True, name="smoke-nvml")
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def sample(self) -> None:
        nvml = self._nvml
        for dev, h in zip(self.devices, self._handles):
            try:
                mem = nvml.nvmlDeviceGetMemoryInfo(h)
                util = nvml.nvmlDeviceGetUtilizationRates(h).gpu
            except nvml.NVMLError:
                continue
            dev["peak_memory_used_mib"] = max(dev["peak_memory_used_mib"], mem.used // 2**20)
            dev["utilization_samples"] += 1
            dev["utilization_sum"] += util
            dev["peak_utilization_pct"] = max(dev["peak_utilization_pct"], util)

    def stop(self) -> dict[str, Any]:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self.sample()
            self._nvml.nvmlShutdown()
            self._thread = None
        devices = []
        for d in self.devices:
            n = d["utilization_samples"]
            devices.append({k: v for k, v in d.items() if k not in ("utilization_samples", "utilization_sum")}
                           | {"mean_utilization_pct": round(d["utilization_sum"] / n, 1) if n else None, "samples": n})
        return {"available": self.available, "reason": self.reason, "driver": self.driver, "devices": devices}


def _text(v: object) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)
