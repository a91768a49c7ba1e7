"""One function over the table in engine_settings.yaml: a setting the deployment should state."""

from __future__ import annotations

from pathlib import Path

from .. import data
from . import Check, Hit, has_engine_args
from ..findings import Severity

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


def _make(row: dict) -> Check:
    def run(d):
        if any(d.engine.setting(s) is not None for s in row["settings"]):
            return
        spec = data.engines()[d.engine.name]["settings"]
        flags = " nor ".join(spec[s][0] for s in row["settings"] if spec.get(s))
        c = d.engine_container
        where = c.loc_of_arg("args", 0) if c.args else c.loc
        yield Hit(row["message"].format(engine=d.engine.name, flags=flags, context=_context(d)), where)

    engines = tuple(row["engines"])
    doc = DOC.format(engine_list=", ".join(engines), what=" or ".join(row["settings"]), why=row["why"], example=row["example"], instead=row["instead"])
    return Check(row["id"], Severity.parse(row["severity"]), tuple(row["items"]), doc, row["passed"], row["failed"], run,
                 applies=lambda d: has_engine_args(d) and d.engine.name in engines)


def _context(d) -> str:
    """What the engine's context defaults to for this model and this release (the max-model-len-unset message)."""
    r, e = d.resolved, d.engine
    arch = getattr(r, "arch", None)
    limit = arch.max_context() if arch is not None else None
    model = f"{limit} tokens for {r.label}" if limit else "not known here: no config.json of the model was read"
    if e.name == "tgi":
        v = data.version_key(e.version) if e.version else None
        if v is not None and v < (2, 0, 0):
            return (f"TGI {e.version} caps total tokens at 2048 by default, whatever the model supports ({model}): "
                    "long prompts are refused or cut without notice")
        if v is None:
            return (f"TGI before 2.0 caps total tokens at 2048; later releases take the model's maximum ({model}) "
                    "bounded by memory; the image's release is not pinned")
        return f"TGI {e.version} takes the model's maximum ({model}), bounded by the memory left after the weights"
    return f"the context defaults to the model's maximum ({model}), which sizes the KV cache and can keep the engine from starting"


CHECKS = [_make(row) for row in data.load_yaml((Path(__file__).with_suffix(".yaml")).read_text(encoding="utf-8"))]
