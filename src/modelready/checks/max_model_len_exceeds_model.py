"""
## What it does
Compares the context the engine is told to serve (vLLM `--max-model-len`, SGLang `--context-length`,
TGI `--max-total-tokens`) with the longest the model supports: `max_position_embeddings` of its
config.json, extended by YaRN or dynamic rope scaling the way vLLM derives it. The model comes from
its own config.json (repository or Hub) or a bundled table entry confirmed from one, and the
message says which.

## Why it matters
vLLM refuses to start when `--max-model-len` exceeds the derived maximum ("User-specified
max_model_len is greater than the derived max_model_len") unless `VLLM_ALLOW_LONG_MAX_MODEL_LEN=1`
is set, and past the trained length the model's output degrades.

## Example
```yaml
# Qwen2.5-7B-Instruct: max_position_embeddings 32768, no rope scaling in config.json
args: ["--model", "Qwen/Qwen2.5-7B-Instruct", "--max-model-len", "131072"]
```

## Instead
```yaml
args: ["--model", "Qwen/Qwen2.5-7B-Instruct", "--max-model-len", "32768"]
```

## References
- vLLM `--max-model-len`: https://docs.vllm.ai/en/latest/configuration/engine_args.html
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Deployment, Engine
from . import Hit, declare, given


def _applies(d: Deployment) -> bool:
    r, e = d.resolved, d.engine
    return (e is not None and bool(e.capability("kv_cache_at_start")) and e.setting("max_model_len") is not None and r is not None
            and r.certain and r.arch is not None and r.arch.context_length is not None)


@declare("max-model-len-exceeds-model", "error", ["max-context-defined"],
         "the served context fits what the model supports", "the served context is longer than the model supports",
         doc=__doc__, applies=_applies)
def check(d: Deployment) -> Iterator[Hit]:
    e, r = given(d.engine), given(d.resolved)
    arch, where = given(r.arch), given(e.setting("max_model_len"))
    got, limit = e.int_setting("max_model_len"), given(arch.context_length)
    if got is None or got <= limit or _overridden(d, e):
        return
    rope = arch.rope_scaling
    how = (f"max_position_embeddings {arch.max_position_embeddings}"
           + (f" with {rope.kind} rope scaling" if rope is not None and limit != arch.max_position_embeddings else ""))
    yield Hit(f"{e.name} serves {got} tokens of context but {r.label} supports {limit} ({how}); "
              f"set {_flag(e)} to {limit} or less", where.loc)


def _overridden(d: Deployment, e: Engine) -> bool:
    """The engine's own switch to serve past the model's context is set (it then warns, and starts)."""
    override = e.capability("long_context_env")
    env = d.engine_container.env_map() if d.engine_container else {}
    return bool(override) and override in env and str(env[override].value).lower() in ("1", "true")


def _flag(e: Engine) -> str:
    names = e.capability("settings", {}).get("max_model_len") or ["the context flag"]
    return str(names[0])


CHECKS = [check]
