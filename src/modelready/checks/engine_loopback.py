"""
## What it does
Finds an engine that listens only on the loopback interface: `--host 127.0.0.1` / `localhost`, or
SGLang with no `--host` (its default is 127.0.0.1).

## Why it matters
Probes from the kubelet and traffic from the Service arrive on the pod IP. An engine bound to
127.0.0.1 refuses them all: the pod never becomes ready, although the server runs fine in a local
`docker run` test.

## Example
```yaml
command: [python3, -m, sglang.launch_server, --model-path, Qwen/Qwen2.5-7B-Instruct, --port, "30000"]
```

## Instead
```yaml
command: [python3, -m, sglang.launch_server, --model-path, Qwen/Qwen2.5-7B-Instruct, --host, 0.0.0.0, --port, "30000"]
```

## References
- SGLang server arguments: https://docs.sglang.ai/backend/server_arguments.html
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment
from . import Hit, declare, given, has_engine_args

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@declare("engine-listens-on-loopback", "error", ["port-configured"],
         "the engine listens on the pod's address", "the engine listens on loopback only",
         doc=__doc__, applies=lambda d: d.engine is not None and has_engine_args(d) and d.engine.known and not d.engine.in_process)
def check(d: Deployment) -> Iterator[Hit]:
    e, c = given(d.engine), d.engine_container
    if c is None:
        return
    host = e.setting("host")
    if host is not None and str(host.value) in LOOPBACK:
        yield Hit(f"{e.name} listens on {host.value}: probes and the Service cannot reach it", host.loc)
    elif host is None and e.capability("default_host") in LOOPBACK:
        yield Hit(f"{e.capability('release_name', e.name)} listens on {e.capability('default_host')} unless --host 0.0.0.0 is given", c.loc_of_arg("args", 0) if c.args else c.loc)


CHECKS = [check]
