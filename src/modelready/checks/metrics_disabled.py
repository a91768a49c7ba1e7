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

from . import Hit, declare, has_engine_args


@declare("metrics-disabled", "warning", ["metrics-endpoint"],
         "the engine exports Prometheus metrics", "the engine exports no metrics",
         doc=__doc__, applies=lambda d: has_engine_args(d) and d.engine.known)
def check(d):
    switch = d.engine.capability("settings", {}).get("enable_metrics")
    if not d.engine.capability("metrics_always_on") and d.engine.setting("enable_metrics") is None and switch:
        c = d.engine_container
        yield Hit(f"{d.engine.name} serves no /metrics unless started with {switch[0]}", c.loc_of_arg("args", 0) if c.args else c.loc)


CHECKS = [check]
