"""Checks: small pure functions over the normalized model.

Each module declares `CHECKS`, a list of `Check` values (one, or a family built from a table beside it).
`registry()` walks this package once, visibly, and fails fast on a duplicate ID.

Precision rule (the gate's contract; tests/corpus/ holds the reviewed errors on real deployments):
- An **error** is certain from the files alone: the pod will not start, will serve the wrong thing, or
  leaks a secret, whatever the cluster, the operator or the model turns out to be.
- Where a check assumes (a model's size from its name, an operator's behaviour, an engine release that
  cannot be told, a default of an unknown version), the finding is a **warning** and its message says
  what was assumed. Messages name the real model and the pinned release's real defaults, never an example.
- One finding per deployment and cause: a cause shared by several containers or pods is one finding
  that lists them.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Callable, Iterable

from ..findings import Loc, Severity
from ..normalize.model import Deployment


@dataclass(frozen=True)
class Hit:
    """What a check returns: a message and where. The runner adds ID, severity and catalog items."""

    message: str
    loc: Loc


@dataclass(frozen=True)
class Check:
    id: str
    severity: Severity
    items: tuple[str, ...]
    doc: str
    passed: str  # the ticked line on the checklist
    failed: str  # the failing line on the checklist
    run: Callable[[Deployment], Iterable[Hit]]
    applies: Callable[[Deployment], bool] = field(default=lambda d: d.serving)
    scope: str = "deployment"  # deployment | modelcard | dockerfile
    enabled: bool = True

    def section(self, name: str) -> str:
        """One of the doc's sections (What it does, Why it matters, Example, Instead, References)."""
        m = re.search(rf"^## {re.escape(name)}\n(.*?)(?=^## |\Z)", self.doc, re.S | re.M)
        return m.group(1).strip() if m else ""


def declare(id: str, severity: str, items: list[str], passed: str, failed: str, *, doc: str,
            applies: Callable[[Deployment], bool] | None = None, scope: str = "deployment", enabled: bool = True):
    """Decorator: the function below becomes a Check with this declaration."""

    def wrap(fn):
        kwargs = {"applies": applies} if applies else {}
        return Check(id, Severity.parse(severity), tuple(items), doc, passed, failed, fn, scope=scope, enabled=enabled, **kwargs)

    return wrap


@cache
def registry() -> dict[str, Check]:
    found: dict[str, Check] = {}
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if mod.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{mod.name}")
        for check in getattr(module, "CHECKS", []):
            if check.id in found:
                raise RuntimeError(f"duplicate check ID {check.id} in {mod.name}")
            found[check.id] = check
    return found


def engine_is(*names: str) -> Callable[[Deployment], bool]:
    return lambda d: d.engine is not None and d.engine.name in names


def has_engine_args(d: Deployment) -> bool:
    """The engine's argument list was found; absence of a flag then means something."""
    return d.engine is not None and d.engine.argv_seen and not d.engine.dynamic_args
