"""
## What it does
Checks that the engine actually serves `/metrics`: SGLang exports nothing unless started with
`--enable-metrics`.

## Why it matters
A ServiceMonitor pointed at a server without metrics scrapes 404s; dashboards and metric-based
autoscaling stay empty while looking configured.

## Example
```yaml
command: [python3, -m, sglang.launch_server, --model-path, Qwen/Qwen2.5-7B-Instruct, --host, 0.0.0.0]
```

## Instead
```yaml
command: [python3, -m, sglang.launch_server, --model-path, Qwen/Qwen2.5-7B-Instruct, --host, 0.0.0.0, --enable-metrics]
```

## References
- SGLang production metrics: https://docs.sglang.ai/references/production_metrics.html
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare, given, has_engine_args


@declare("metrics-disabled", "warning", ["metrics-endpoint"],
         "the engine exports Prometheus metrics", "the engine exports no metrics",
         doc=__doc__, applies=lambda d: d.engine is not None and has_engine_args(d) and d.engine.known and not d.engine.in_process)
def check(d: Deployment) -> Iterator[Hit]:
    e, c = given(d.engine), d.engine_container
    if c is None:
        return
    switch = e.capability("settings", {}).get("enable_metrics")
    if not e.capability("metrics_always_on") and e.setting("enable_metrics") is None and switch:
        yield Hit(f"{e.name} serves no /metrics unless started with {switch[0]}", c.loc_of_arg("args", 0) if c.args else c.loc)


CHECKS = [check]
