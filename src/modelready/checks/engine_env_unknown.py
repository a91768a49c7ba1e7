"""
## What it does
Finds an engine variable in the container's env that no release of the engine reads, one typo away from
one it does: `OLLAMA_*` against every name Ollama's Go sources read, `LLAMA_ARG_*` against the `set_env`
names of llama.cpp's arg.cpp (data/engine_flags.json, tools/gen_engine_flags.py), and names the real one.

## Why it matters
An engine ignores variables it does not know: unlike an unknown flag, a misspelt variable does not stop
the server, it starts on its default (one request at a time, the 5-minute keep-alive, the model's full
context) and nothing says why.

## Example
```yaml
image: ollama/ollama:0.5.13
env: [{name: OLLAMA_NUM_PARALLELS, value: "4"}]
```

## Instead
```yaml
env: [{name: OLLAMA_NUM_PARALLEL, value: "4"}]
```

## References
- Ollama FAQ, server environment variables: https://github.com/ollama/ollama/blob/main/docs/faq.md
- llama.cpp server environment variables: https://github.com/ggml-org/llama.cpp/tree/master/tools/server
"""

from __future__ import annotations

import difflib
from typing import Iterator

from .. import data
from ..normalize.model import Deployment, Engine
from . import Hit, declare, given


def known_env(e: Engine) -> set[str]:
    """Every variable any release read of the engine reads (its flags' set_env names, or its env list)."""
    rows = data.engine_flags().get(str(e.capability("flag_table") or e.name), {}).get("versions", {}).values()
    out: set[str] = set()
    for row in rows:
        env = row.get("env") or []
        out |= set(env.values()) if isinstance(env, dict) else set(env)
    return out


def _applies(d: Deployment) -> bool:
    return d.engine is not None and d.engine_container is not None and bool(d.engine.capability("env_prefix")) and bool(known_env(d.engine))


@declare("engine-env-unknown", "warning", ["engine-args-valid"],
         "every engine variable is one the engine reads", "an engine variable is one no release reads: it is ignored",
         doc=__doc__, applies=_applies)
def check(d: Deployment) -> Iterator[Hit]:
    e, c = given(d.engine), given(d.engine_container)
    prefix, known = str(e.capability("env_prefix")), known_env(e)
    name = e.capability("release_name", e.name)
    for ev in c.env:
        if not ev.name.startswith(prefix) or ev.name in known:
            continue
        close = difflib.get_close_matches(ev.name, sorted(known), n=1, cutoff=0.85)
        if close:  # a name no release read and no typo of one may be a release's we did not read: not said
            yield Hit(f"{ev.name} is not a variable {name} reads (releases read: {', '.join(sorted(_versions(e), key=lambda v: data.version_key(v) or (999, 0, 0)))}); did you mean "
                      f"{close[0]}? {name} ignores it and starts on that setting's default", ev.loc)


def _versions(e: Engine) -> list[str]:
    return list(data.engine_flags().get(str(e.capability("flag_table") or e.name), {}).get("versions", {}))


CHECKS = [check]
