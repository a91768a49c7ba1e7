"""One function over the table in engine_settings.yaml: a setting the deployment should state."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from .. import data
from ..findings import Severity
from ..normalize.model import Deployment, Engine
from . import Check, Hit, has_engine_args

DOC = """
## What it does
Requires the {engine_list} arguments to set {what}.

## Why it matters
{why}

## Example
```yaml
{example}
```

## Instead
```yaml
{instead}
```

## References
- vLLM engine arguments: https://docs.vllm.ai/en/latest/configuration/engine_args.html
"""


def _make(row: dict[str, Any]) -> Check[Deployment]:
    def run(d: Deployment) -> Iterator[Hit]:
        e, c = d.engine, d.engine_container
        if e is None or c is None or any(e.setting(s) is not None for s in row["settings"]):
            return
        spec = e.capability("settings", {})
        flags = " nor ".join(spec[s][0] for s in row["settings"] if spec.get(s))
        where = c.loc_of_arg("args", 0) if c.args else c.loc
        context = _context(d, e) if "{context}" in row["message"] else ""  # one row's message says it
        yield Hit(row["message"].format(engine=e.name, flags=flags, context=context), where)

    capability = row["capability"]
    engines = [name for name, facts in data.engines().items() if facts.get(capability)]
    doc = DOC.format(engine_list=", ".join(engines), what=" or ".join(row["settings"]), why=row["why"], example=row["example"], instead=row["instead"])
    return Check[Deployment](row["id"], Severity.parse(row["severity"]), tuple(row["items"]), doc, row["passed"], row["failed"], run,
                 applies=lambda d: d.engine is not None and has_engine_args(d) and bool(d.engine.capability(capability))
                 and any((d.engine.capability("settings") or {}).get(s) for s in row["settings"]))  # no flag for it: nothing to ask


def _context(d: Deployment, e: Engine) -> str:
    """What the engine's context defaults to for this model and this release (the max-model-len-unset message)."""
    r = d.resolved
    limit = r.arch.context_length if r is not None and r.arch is not None else None
    named = d.model.id or d.model.uri or "the model it serves"  # the real model, never an example's
    model = f"{limit} tokens for {r.label}" if limit and r is not None else f"of {named}, not known here: no config.json of it was read"
    cap = e.capability("default_context_cap")  # TGI before 2.0: 2048 total tokens unless told
    if not cap:
        return f"the context defaults to the model's maximum ({model}), which sizes the KV cache and can keep the engine from starting"
    before, tokens = str(cap["before"]), int(cap["tokens"])
    v = data.version_key(e.version) if e.version else None
    if v is not None and v < (data.version_key(before) or (0, 0, 0)):
        return (f"{e.name} {e.version} caps total tokens at {tokens} by default, whatever the model supports ({model}): "
                "long prompts are refused or cut without notice")
    if v is None:
        return (f"{e.name} before {before} caps total tokens at {tokens}; later releases take the model's maximum ({model}) "
                "bounded by memory; the image's release is not pinned")
    return f"{e.name} {e.version} takes the model's maximum ({model}), bounded by the memory left after the weights"


CHECKS = [_make(row) for row in data.load_yaml((Path(__file__).with_suffix(".yaml")).read_text(encoding="utf-8"))]
