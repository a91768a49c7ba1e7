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
        spec = d.engine.capability("settings", {})
        flags = " nor ".join(spec[s][0] for s in row["settings"] if spec.get(s))
        c = d.engine_container
        where = c.loc_of_arg("args", 0) if c.args else c.loc
        yield Hit(row["message"].format(engine=d.engine.name, flags=flags), where)

    capability = row["capability"]
    engines = [name for name, facts in data.engines().items() if facts.get(capability)]
    doc = DOC.format(engine_list=", ".join(engines), what=" or ".join(row["settings"]), why=row["why"], example=row["example"], instead=row["instead"])
    return Check(row["id"], Severity.parse(row["severity"]), tuple(row["items"]), doc, row["passed"], row["failed"], run,
                 applies=lambda d: has_engine_args(d) and bool(d.engine.capability(capability)))


CHECKS = [_make(row) for row in data.load_yaml((Path(__file__).with_suffix(".yaml")).read_text(encoding="utf-8"))]
