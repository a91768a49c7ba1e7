"""Decide each catalog item for one run: passed (with evidence), failed (with findings), not applicable
(with why), awaiting a person, or skipped (the scan or smoke run that decides it did not run)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..findings import Finding, Severity
from . import Item, ItemResult


def default_profile(result: Any) -> str:  # a pipeline.Result
    """What was detected chooses: LLM serving on Kubernetes gets checklist 002, a ModelSpec repo 000."""
    if any(d.engine is not None and d.engine.capability("llm_server") for d in result.deployments):
        return "llm-k8s-vllm"
    if result.specs:
        return "modelspec"
    if result.deployments:
        return "classic-ml"
    return "all"


def evaluate(items: list[Item], result: Any, findings: list[Finding], scans: dict[str, Any] | None = None,
             smoke: list[dict[str, Any]] | None = None) -> list[ItemResult]:
    """`smoke`: smoke-result.json documents (one per deployment run) that decide the smoke items."""
    applied_by_check: dict[str, set[str]] = defaultdict(set)  # not a new empty set made per pair (setdefault)
    for check_id, subject in result.applied:
        applied_by_check[check_id].add(subject)
    active: dict[str, list[int]] = {}  # check -> positions of its findings not suppressed: one pass, not one an item
    for i, f in enumerate(findings):
        if not f.suppressed:
            active.setdefault(f.check, []).append(i)
    out = []
    for item in items:
        if item.mode == "auto" or (item.checks and item.mode != "spec"):
            out.append(_auto(item, active, applied_by_check))
        elif item.mode == "spec":
            out.append(_spec(item, result, findings, active, applied_by_check))
        elif item.mode == "scan":
            out.append(_scan(item, findings, (scans or {}).get(item.id)))
        elif item.mode == "smoke":
            out.append(_smoke(item, smoke or []))
        else:
            out.append(ItemResult(item, "awaiting", "a person with write access confirms it"))
    return out


def _scan(item: Item, findings: list[Finding], outcome: tuple[str, str, list[str]] | None) -> ItemResult:
    """`outcome` is (ran|skipped, why, evidence) from the scanner; its findings name the item."""
    if outcome is None:
        return ItemResult(item, "skipped", "no Trivy scan in this run (--trivy)")
    status, why, evidence = outcome
    if status != "ran":
        return ItemResult(item, "skipped", why)
    failing = [i for i, f in enumerate(findings) if f.check.startswith("trivy/") and item.id in f.items
               and not f.suppressed and f.severity >= Severity.warning]
    if failing:
        return ItemResult(item, "failed", f"{len(failing)} finding(s) at warning or above; {why}", findings=failing)
    return ItemResult(item, "passed", why, evidence=evidence)


def _smoke(item: Item, runs: list[dict[str, Any]]) -> ItemResult:
    """Failed when any run failed it, passed when every run that decided it passed it."""
    decided = [(r["target"]["name"], r["items"][item.id]) for r in runs if item.id in r.get("items", {})]
    if not decided:
        return ItemResult(item, "skipped", "no smoke run for this change (`modelready smoke`, action input smoke)")
    failed = [(name, d) for name, d in decided if d["status"] == "failed"]
    if failed:
        return ItemResult(item, "failed", _whys(failed), evidence=[e for _n, d in failed for e in d["evidence"]])
    passed = [(name, d) for name, d in decided if d["status"] == "passed"]
    if passed:
        return ItemResult(item, "passed", _whys(passed), evidence=[e for name, d in passed for e in [f"{name}: {d['why']}", *d["evidence"]]])
    return ItemResult(item, "skipped", _whys(decided))


def _whys(decided: list[tuple[str, dict[str, Any]]]) -> str:
    return "; ".join(f"{name}: {d['why']}" for name, d in decided)


def _auto(item: Item, active: dict[str, list[int]], applied: dict[str, set[str]]) -> ItemResult:
    failing = sorted(i for c in set(item.checks) for i in active.get(c, ()))
    if failing:
        return ItemResult(item, "failed", f"{len(failing)} finding(s)", findings=failing)
    subjects = sorted(set().union(*(applied.get(c, set()) for c in item.checks)))
    if subjects:
        return ItemResult(item, "passed", f"checked by {', '.join(item.checks)}", evidence=subjects)
    return ItemResult(item, "not_applicable", f"nothing here that {', '.join(item.checks)} applies to")


def _spec(item: Item, result: Any, findings: list[Finding], active: dict[str, list[int]], applied: dict[str, set[str]]) -> ItemResult:
    if item.checks:  # a spec item with checks fails on their findings first
        auto = _auto(item, active, applied)
        if auto.status == "failed":
            return auto
    if not result.specs:
        return ItemResult(item, "awaiting", f"declare {', '.join('spec.' + p for p in item.spec)} in a ModelSpec")
    # The specs of what is deployed decide; a dependency's own spec need not declare everything.
    docs = [v for v in result.spec_views if v.deployments] or result.spec_views
    evidence: list[str] = []
    missing: dict[str, list[str]] = {}
    for doc in docs:
        for path in item.spec:
            found = doc.declared_at(path)
            if found is None:
                missing.setdefault(path, []).append(doc.file)
            else:
                evidence.append(f"{doc.file}:{found}")
    if missing:
        parts = [f"spec.{path} in {files[0]}" + (f" and {len(files) - 1} more" if len(files) > 1 else "") for path, files in missing.items()]
        return ItemResult(item, "failed", "not declared: " + "; ".join(parts))
    return ItemResult(item, "passed", "declared in the ModelSpec", evidence=evidence)
