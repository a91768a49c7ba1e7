"""
## What it does
Holds a GPU deployment's monthly cost at the most its autoscaler allows (GPUs per replica × maximum
replicas × USD per GPU-hour × 730 h) against the ModelSpec's `cost.monthlyBudget`.

## Why it matters
A budget written in the ModelSpec and a `maxReplicas` written in the HPA are decided by different
people; nothing joins them until the invoice arrives. The price is the team's own
(`.modelready.yaml` `cost.prices`) or the dated public list price of the shipped table: negotiated
rates, reservations and savings plans are lower, so the finding is a warning that names the price
it used.

## Example
```yaml
# ModelSpec
spec: {cost: {monthlyBudget: 50000}}
# HPA of the same deployment: 4 replicas × 8 H100 × $6.88 × 730 h = $160,717
spec: {minReplicas: 1, maxReplicas: 4}
```

## Instead
```yaml
spec: {minReplicas: 1, maxReplicas: 1}   # or a budget that covers the maximum
```

## References
- Infracost (cost estimates in pull requests): https://www.infracost.io/docs/
- SkyPilot catalogue (prices): https://github.com/skypilot-org/skypilot-catalog
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.cost import Cost
from ..normalize.model import Deployment
from . import Hit, declare, given


def _applies(d: Deployment) -> bool:
    c: Cost | None = d.cost
    return c is not None and c.budget is not None and (c.price is not None or c.max is None)


@declare("cost-over-budget", "warning", ["instance-cost-match"],
         "the maximum monthly GPU cost is within the ModelSpec's budget", "the maximum monthly GPU cost exceeds the ModelSpec's budget",
         doc=__doc__, applies=_applies)
def check(d: Deployment) -> Iterator[Hit]:
    c = given(d.cost)
    allowed = given(c.budget)
    loc = c.max_loc or d.replicas_loc
    budget = f"{c.spec_file}'s cost.monthlyBudget ${allowed:,.0f}"
    if c.max is None:
        yield Hit(f"{d.kind} {d.name} has no upper bound on replicas ({c.max_basis}): its GPU cost is not bounded by {budget}", loc)
        return
    top, price = c.usd(c.max), given(c.price)  # a bound on replicas: applies= then proved a price
    if top is not None and top > allowed:
        yield Hit(f"{d.kind} {d.name} can cost ${top:,.0f}/month at {c.max} replicas ({c.gpus_per_replica} × {c.gpu} each at "
                  f"${price.usd_per_gpu_hour:.2f}/GPU-hour, {price.label}), above {budget}; "
                  f"the budget allows {int(allowed // (c.gpus_per_replica * price.usd_per_gpu_hour * 730))} replicas", loc)


CHECKS = [check]
