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
        model = d.model.id or d.model.uri or "the model it serves"  # the real model, never an example's
        yield Hit(row["message"].format(engine=d.engine.name, flags=flags, model=model), where)

    engines = tuple(row["engines"])
    doc = DOC.format(engine_list=", ".join(engines), what=" or ".join(row["settings"]), why=row["why"], example=row["example"], instead=row["instead"])
    return Check(row["id"], Severity.parse(row["severity"]), tuple(row["items"]), doc, row["passed"], row["failed"], run,
                 applies=lambda d: has_engine_args(d) and d.engine.name in engines)


CHECKS = [_make(row) for row in data.load_yaml((Path(__file__).with_suffix(".yaml")).read_text(encoding="utf-8"))]
