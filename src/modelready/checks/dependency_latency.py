"""
## What it does
Adds up the latency budgets of a spec's required dependencies and compares them with its own
end-to-end p95 target (`slo.latency.e2e.p95Ms`, else `request`).

## Why it matters
If the guardrail, retriever and reranker may together take longer than the request's p95 target,
the SLO is broken by design before the model generates a token.

## Example
```yaml
slo: {latency: {e2e: {p95Ms: 800}}}
dependencies: [{name: retriever, specRef: specs/retriever.yaml, latencyBudgetMs: 500},
               {name: guard, specRef: specs/guard.yaml, latencyBudgetMs: 400}]
```

## Instead
```yaml
slo: {latency: {e2e: {p95Ms: 2000}}}
```

## References
- Google SRE book, SLOs: https://sre.google/sre-book/service-level-objectives/
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.specs import SpecView
from . import Hit, declare, given


def target(v: SpecView) -> tuple[str, float] | None:
    """The end-to-end p95 latency target: (operation, milliseconds)."""
    return next(((op, v.spec.latency_p95_ms[op]) for op in ("e2e", "request") if op in v.spec.latency_p95_ms), None)


@declare("dependency-latency-over-slo", "warning", ["dependency-latency-budgets"],
         "required dependencies fit in the latency target", "required dependencies' budgets exceed the latency target",
         doc=__doc__, subject=SpecView, applies=lambda v: bool(v.refs) and target(v) is not None)
def check(v: SpecView) -> Iterator[Hit]:
    op, p95 = given(target(v))
    required = [(r, float(r.latency_budget_ms)) for r in v.refs if not r.optional and r.latency_budget_ms is not None]
    total = sum(budget for _r, budget in required)
    if total > p95:
        parts = " + ".join(f"{r.name} {budget:g}" for r, budget in required)
        yield Hit(f"required dependencies may take {total:g} ms ({parts}) but the {op} p95 target is {p95:g} ms", v.loc("slo", "latency", op))


CHECKS = [check]
