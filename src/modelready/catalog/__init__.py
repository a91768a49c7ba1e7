"""The readiness catalog as data (items.yaml, seed_items.json) and its evaluation over a run.

An item is decided by evidence where it can be: `auto` items by checks, `spec` items by ModelSpec
fields, `scan` items by Trivy, `smoke` items by a GPU smoke run; `attest` items wait for a person.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from ..data import load_yaml

MODES = ("auto", "spec", "scan", "smoke", "attest")


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    section: str
    section_title: str
    mode: str
    checks: tuple[str, ...]
    spec: tuple[str, ...]
    seeds: tuple[dict[str, Any], ...]
    phase: str | None
    owners: tuple[str, ...]
    profiles: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    items: tuple[Item, ...]
    profiles: dict[str, Any]
    sections: dict[str, str]

    def select(self, profile: str) -> list[Item]:
        if profile not in self.profiles:
            raise KeyError(f"unknown profile {profile!r}; known: {', '.join(self.profiles)}")
        return [i for i in self.items if profile in i.profiles]

    def coverage(self, items: list[Item]) -> dict[str, Any]:
        by_mode = {m: sum(1 for i in items if i.mode == m) for m in MODES}
        evidence = len(items) - by_mode["attest"]
        return {"items": len(items), "by_mode": by_mode, "decided_by_evidence": evidence,
                "evidence_share": round(evidence / len(items), 3) if items else 0.0}


def _text(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


@cache
def load() -> Catalog:
    from ..checks import registry

    raw = load_yaml(_text("items.yaml"))
    # The checks deciding an item are those whose declaration names it: Check.items is the one link.
    deciders: dict[str, list[str]] = {}
    for check in registry().values():
        for item_id in check.items:
            deciders.setdefault(item_id, []).append(check.id)
    seeds = {s["ref"]: s for s in json.loads(_text("seed_items.json"))["items"]}
    profiles = raw["profiles"]
    items = []
    for r in raw["items"]:
        refs = tuple(seeds[ref] for ref in r.get("seeds", []))
        owner_seed = next((s for s in refs if s.get("owners")), None)
        prof = {p for p, spec in profiles.items() if any(s["ref"][:3] in spec["seeds"] for s in refs)}
        prof |= set(r.get("profiles", [])) | {"all"}
        items.append(Item(r["id"], r["title"], r["section"], raw["sections"][r["section"]], r["mode"], tuple(deciders.get(r["id"], ())),
                          tuple(r.get("spec", [])), refs, owner_seed.get("phase") if owner_seed else None,
                          tuple(owner_seed["owners"]) if owner_seed else (), tuple(sorted(prof))))
    return Catalog(tuple(items), profiles, raw["sections"])


def seed_items() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(_text("seed_items.json"))["items"]
    return items


@dataclass
class ItemResult:
    item: Item
    status: str
    why: str = ""
    evidence: list[str] = field(default_factory=list)
    findings: list[int] = field(default_factory=list)  # indexes into the report's findings
