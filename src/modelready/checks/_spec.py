"""Shared reading of a SpecView for the spec cross-checks: what the spec says and what was deployed."""

from __future__ import annotations

from typing import Callable

from ..normalize.model import Deployment, Engine
from ..normalize.specs import SpecView

def has_spec(*path: str) -> Callable[[SpecView], bool]:
    """applies(): the spec declares `path` and describes at least one deployment with an engine."""
    return lambda v: v.get(*path) is not None and any(d.engine is not None for d in v.deployments)


def engines(v: SpecView) -> list[tuple[Deployment, Engine]]:
    return [(d, d.engine) for d in v.deployments if d.engine is not None]
