"""Shared reading of a SpecView for the spec cross-checks: what the spec says and what was deployed."""

from __future__ import annotations

from ..normalize.model import Deployment, Engine
from ..normalize.specs import SpecView

def engines(v: SpecView) -> list[tuple[Deployment, Engine]]:
    return [(d, d.engine) for d in v.deployments if d.engine is not None]
