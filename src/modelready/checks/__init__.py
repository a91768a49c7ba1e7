"""Checks: small pure functions over the normalized model.

Each module declares `CHECKS`, a list of `Check` values (one, or a family built from a table beside it).
A check is typed by its subject: Check[Deployment], Check[SpecView], Check[Card] or Check[Build], all built
in normalize/; it asks traits and engine capabilities, never kinds, engine names or raw documents.
`registry()` walks this package once, visibly, and fails fast on a duplicate ID; runner.py runs them.

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

from dataclasses import dataclass, field
from functools import cache
import importlib
import pkgutil
import re
from typing import Any, Callable, Generic, Iterable, TypeVar, overload

from ..findings import Loc, Severity
from ..normalize.artifacts import Build, Card
from ..normalize.model import Deployment
from ..normalize.specs import SpecView

S = TypeVar("S")
# the subject type a check is written for -> the runner's scope that hands it such subjects
SCOPES: dict[type, str] = {Deployment: "deployment", SpecView: "spec", Card: "modelcard", Build: "dockerfile"}


MAX_PER_FILE = 100  # findings of one check on one file that a report lists (checks.runner.cap): 20,000 unknown flags are not 20,000 findings


@dataclass(frozen=True)
class Hit:
    """What a check returns: a message and where. The runner adds ID, severity and catalog items."""

    message: str
    loc: Loc


def _serving(d: Any) -> bool:
    return bool(d.serving)


@dataclass(frozen=True)
class Check(Generic[S]):
    id: str
    severity: Severity
    items: tuple[str, ...]
    doc: str
    passed: str  # the ticked line on the checklist
    failed: str  # the failing line on the checklist
    run: Callable[[S], Iterable[Hit]]
    applies: Callable[[S], bool] = field(default=_serving)  # by default: serving deployments
    scope: str = "deployment"  # deployment | spec | modelcard | dockerfile | pipeline (raised by the pipeline itself)
    enabled: bool = True

    def section(self, name: str) -> str:
        """One of the doc's sections (What it does, Why it matters, Example, Instead, References)."""
        m = re.search(rf"^## {re.escape(name)}\n(.*?)(?=^## |\Z)", self.doc, re.S | re.M)
        return m.group(1).strip() if m else ""


@overload
def declare(id: str, severity: str, items: list[str], passed: str, failed: str, *, doc: str,
            applies: Callable[[Deployment], bool] | None = None, enabled: bool = True) -> Callable[[Callable[[Deployment], Iterable[Hit]]], Check[Deployment]]: ...


@overload
def declare(id: str, severity: str, items: list[str], passed: str, failed: str, *, doc: str, subject: type[S],
            applies: Callable[[S], bool] | None = None, enabled: bool = True) -> Callable[[Callable[[S], Iterable[Hit]]], Check[S]]: ...


def declare(id: str, severity: str, items: list[str], passed: str, failed: str, *, doc: str, subject: type[Any] = Deployment,
            applies: Callable[[Any], bool] | None = None, enabled: bool = True) -> Callable[[Callable[[Any], Iterable[Hit]]], Check[Any]]:
    """Decorator: the function below becomes a Check of `subject`s (default: Deployment) with this declaration."""

    def wrap(fn: Callable[[Any], Iterable[Hit]]) -> Check[Any]:
        return Check(id, Severity.parse(severity), tuple(items), doc, passed, failed, fn, applies=applies or _serving,
                     scope=SCOPES[subject], enabled=enabled)

    return wrap


@cache
def registry() -> dict[str, Check[Any]]:
    found: dict[str, Check[Any]] = {}
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if mod.name.startswith("_") or mod.name == "runner":
            continue
        module = importlib.import_module(f"{__name__}.{mod.name}")
        for check in getattr(module, "CHECKS", []):
            if check.id in found:
                raise RuntimeError(f"duplicate check ID {check.id} in {mod.name}")
            found[check.id] = check
    return found


T = TypeVar("T")


def given(value: T | None) -> T:
    """A value the check's `applies=` proved present. The runner calls a check only where its `applies=` holds
    (runner._apply), so a body takes what that proved as given instead of testing it again; this only tells mypy."""
    assert value is not None, "applies= proved this present"
    return value


def asks_gpus(d: Deployment) -> bool:
    """Some container of its pods asks for an accelerator (`Container.gpu`): `any(c.gpu() for _p, c in d.containers())`
    as two plain loops (two checks ask it of every deployment; the generators cost more than the test)."""
    for pod in d.pods:
        for c in pod.containers:
            if c.gpu() is not None:
                return True
    return False


def has_flag_table(d: Deployment) -> bool:
    """The engine's flags are known per release (data/vllm_flags.json, data/engine_flags.json): unknown flags can be told."""
    return d.engine is not None and d.engine.capability("flag_table") is not None


def has_vllm_flags(d: Deployment) -> bool:
    """vLLM's table, which also knows deprecations, choices and prefix matching."""
    return d.engine is not None and d.engine.capability("flag_table") == "vllm"


def has_engine_args(d: Deployment) -> bool:
    """The engine's argument list was found; absence of a flag then means something."""
    return d.engine is not None and d.engine.argv_seen and not d.engine.dynamic_args
