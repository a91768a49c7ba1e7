"""One run, as `modelready check` and `modelready github` both need it: pipeline, scans, catalog, report."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from .. import pipeline
from ..config import Config
from ..findings import Severity
from ..report.document import Report


def load_smoke_results(paths: list[Path]) -> list[dict[str, Any]]:
    """smoke-result.json files, each checked against its schema; ValueError says which and why."""
    if not paths:
        return []
    import json
    from importlib import resources

    if not paths:
        return []  # jsonschema costs 50-75 ms to import: only when there is something to validate
    import jsonschema  # type: ignore[import-untyped]

    schema = json.loads(resources.files("modelready.smoke").joinpath("smoke-result.schema.json").read_text(encoding="utf-8"))
    out = []
    for p in paths:
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ValueError(f"{p}: not a readable smoke result: {e}") from None
        err = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(doc))
        if err is not None:
            raise ValueError(f"{p}: not a smoke result: {err.message} at /{'/'.join(map(str, err.absolute_path))}")
        out.append(doc)
    return out


def _per_token(r: dict[str, Any], result: pipeline.Result, config: Config) -> dict[str, Any] | None:
    """USD per 1M output tokens at the smoke run's measured tokens/s (normalize.cost.per_token)."""
    from ..normalize.cost import per_token

    by_id = {d.id: d for d in result.deployments}
    devices = (r.get("gpu") or {}).get("devices") or []
    return per_token((r.get("load") or {}).get("output_tokens_per_s"), int(r["target"].get("gpus") or len(devices)),
                     devices[0]["name"] if devices else None, by_id.get(r["target"]["subject"]), config.cost)


def _with_cost_items(smoke: list[dict[str, Any]] | None, costs: list[dict[str, Any] | None]) -> list[dict[str, Any]] | None:
    """The smoke runs with the cost-per-token item decided here, where the prices are (the runner has none)."""
    if not smoke:
        return smoke
    return [{**r, "items": {**r.get("items", {}), "cost-per-token": cost_item(r, c)}} for r, c in zip(smoke, costs)]


def cost_item(r: dict[str, Any], cost: dict[str, Any] | None) -> dict[str, Any]:
    """The cost-per-token item of one smoke run: failed over the ModelSpec's cost.targetPer1MTokens, passed
    within it, skipped (with why) where nothing was measured, nothing prices the GPUs, or no target is set."""
    if cost is None:
        measured = (r.get("load") or {}).get("output_tokens_per_s")
        why = "no output tokens/s measured (no load run)" if not measured else "no price for the GPUs it ran on (the price table or cost.prices)"
        return {"status": "skipped", "why": why, "evidence": []}
    said = (f"${cost['usd_per_1m_output_tokens']:,.4g} per 1M output tokens at {cost['output_tokens_per_s']:,.1f} tokens/s on "
            f"{cost['gpus']} (${cost['usd_per_replica_hour']:,.2f}/h)")
    target = cost.get("target_usd_per_1m_tokens")
    if target is None:
        return {"status": "skipped", "why": f"{said}; no ModelSpec cost.targetPer1MTokens to hold it against", "evidence": [cost["price_source"]]}
    if cost["over_target"]:
        return {"status": "failed", "why": f"{said}: over the ModelSpec's cost.targetPer1MTokens ${target:,.4g}", "evidence": [cost["price_source"]]}
    return {"status": "passed", "why": f"{said}: within the ModelSpec's cost.targetPer1MTokens ${target:,.4g}", "evidence": [cost["price_source"]]}


def run(paths: list[Path], root: Path, config: Config, profile: str | None, fail_on: Severity | None, trivy: Any = None,
        smoke: list[dict[str, Any]] | None = None, scope: Any = None) -> tuple[pipeline.Result, Report]:
    """`trivy`: scan.trivy.Options, or None; `smoke`: smoke-result.json documents that decide the smoke items;
    `scope` (app.scope.Scope): render only the charts a change touches, check only what it touches, give Trivy
    only its files, and keep of the result only what it touches before the catalog is decided."""
    from ..catalog import load as load_catalog
    from ..catalog.evaluate import default_profile, evaluate
    from ..checks import registry
    from ..report import document, verdict
    from . import baseline
    from .scope import focus as focus_of, narrow_to, needs_all

    charts = None if scope is None or scope.all_charts else scope.charts
    wants = None if scope is None else scope.wants
    focus = None if scope is None else (lambda res: focus_of(res, scope.changed, scope.linked))
    binary = _trivy_binary(trivy, scope)
    result = pipeline.run(paths, config, root, charts=charts, wants=wants, focus=focus, misconfig=binary)
    if not binary:
        result.tools.setdefault("trivy", NOT_ASKED)
    if scope is not None and needs_all(scope, result):
        scope.all_charts = True
        result = pipeline.run(paths, config, root, misconfig=binary)
    scans, scan_log = _scan(result, trivy, scope) if trivy is not None else ({}, {})
    scans, scan_log = {**result.scans, **scans}, _with_default_scan(result, scan_log)
    if trivy is not None:
        from ..checks.runner import cap, merge_renders

        result.findings = cap(merge_renders(result.findings))  # Trivy's findings too: one per place, scoped to serving
        pipeline.scope_to_serving(result, config)
    if scope is not None:
        narrow_to(result, scope.changed, scope.linked)
    catalog = load_catalog()
    profile = profile or config.profile or default_profile(result)
    items = catalog.select(profile)
    costs = [_per_token(r, result, config) for r in smoke or []]
    results = evaluate(items, result, result.findings, scans=scans, smoke=_with_cost_items(smoke, costs))
    rules = document.rules_of(registry()) + document.scanner_rules(result.findings)
    doc = verdict.settled(document.build(result, result.findings, rules,
                                         document.catalog_section(profile, results, catalog.coverage(items)), fail_on))
    doc = _extras(doc, scan_log, scope, smoke, costs)
    return result, baseline.stamp(doc, root)


# Trivy's bundled checks cost about 0.15 s of CPU per workload (three times a whole corpus run): a pull request's
# run gives it what the change touches; a whole-repository `check` runs them when `--trivy config` asks
NOT_ASKED = "not run: its bundled checks run on a pull request's changes, and with --trivy config (pod hygiene by modelready's own checks)"


def _trivy_binary(trivy: Any, scope: Any) -> bool | str:
    """False when Trivy's config scan is not this run's; else --trivy-bin, or True: the binary scan.trivy.locate finds."""
    if scope is None and (trivy is None or "config" not in trivy.kinds):
        return False
    return str(trivy.binary) if trivy is not None and trivy.binary else True


def _with_default_scan(result: pipeline.Result, scan_log: dict[str, Any]) -> dict[str, Any]:
    """--trivy's record, else the config scan's that every run makes (scan/misconfig.py) when Trivy ran."""
    if scan_log or not result.scan_runs:
        return scan_log
    items = {k: {"status": s, "why": w, "evidence": e} for k, (s, w, e) in result.scans.items()}
    return {"trivy": {"version": result.tools.get("trivy"), "runs": result.scan_runs, "items": items}}


def _scan(result: pipeline.Result, trivy, scope) -> tuple[dict[str, Any], dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Trivy over what the run read (a change's files only): its findings join the result; (items, log)."""
    from ..isolate import guard
    from ..scan import trivy as trivy_scan

    scans: dict[str, Any] = {}
    scan_log: dict[str, Any] = {}
    with guard(result, "scanning with Trivy"):
        rep = trivy_scan.scan(result, trivy, only=set(scope.changed) if scope is not None else None)
        result.findings += rep.findings
        if not rep.runs or (rep.items.get("pod-permissions") or ("",))[0] == "skipped":
            # asked for and not run: a warning in every format, not a quiet skip
            result.findings.append(trivy_scan.unavailable(rep, trivy))
        result.tools["trivy"] = rep.version or result.tools.get("trivy") or "not found"
        scans, scan_log = rep.items, {"trivy": rep.as_dict()}
    return scans, scan_log


def _extras(doc: Report, scan_log: dict[str, Any], scope: Any, smoke: list[dict[str, Any]] | None,
            costs: list[dict[str, Any] | None]) -> Report:
    """What a run adds to the report beyond the pipeline's: the scans, a change's scope, the smoke runs."""
    return replace(
        doc, scans=scan_log or None,
        scope=None if scope is None else {"changed": len(scope.changed), "deployment_files": len(scope.deployment_files),
                                          "charts_rendered": "all" if scope.all_charts else sorted(scope.charts)},
        smoke=tuple({"target": r["target"]["name"], "subject": r["target"]["subject"], "result": r["result"],
                     "cold_start_s": (r.get("ready") or {}).get("cold_start_s"), "load": r.get("load"), "gpu": r.get("gpu"),
                     "cost": cost} for r, cost in zip(smoke, costs)) if smoke else None)
