"""One function over the table in engine_settings.yaml: a setting the deployment should state."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from .. import data
from ..findings import Severity
from ..normalize.model import Deployment
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
        model = d.model.id or d.model.uri or "the model it serves"  # the real model, never an example's
        yield Hit(row["message"].format(engine=e.name, flags=flags, model=model), where)

    capability = row["capability"]
    engines = [name for name, facts in data.engines().items() if facts.get(capability)]
    doc = DOC.format(engine_list=", ".join(engines), what=" or ".join(row["settings"]), why=row["why"], example=row["example"], instead=row["instead"])
    return Check[Deployment](row["id"], Severity.parse(row["severity"]), tuple(row["items"]), doc, row["passed"], row["failed"], run,
                 applies=lambda d: d.engine is not None and has_engine_args(d) and bool(d.engine.capability(capability)))


CHECKS = [_make(row) for row in data.load_yaml((Path(__file__).with_suffix(".yaml")).read_text(encoding="utf-8"))]
