"""The report document: a plain, versioned dict that every output renders (JSON is it, verbatim).

Schema: docs/report-schema.json. `schema_version` changes only when a field changes meaning or goes.
"""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..findings import Finding, Severity
from ..masking import MASK, is_secret_name
from . import verdict
from .inert import shorten

SCHEMA_VERSION = 1


def build(result: Any, findings: list[Finding], rules: list[dict[str, Any]], catalog: dict[str, Any], fail_on: Severity | None) -> dict[str, Any]:
    """`fail_on` None: never fail (`--fail-on never`): the report is the same, the result is pass."""
    # not redacted here: every writer redacts what it writes (report.inert.redact), once
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "modelready", "version": __version__, **result.tools},
        "summary": _summary(result, findings, fail_on),
        "files": [_file(f) for f in result.files],
        "deployments": [_deployment(d) for d in result.deployments],
        "findings": [_finding(f) for f in findings],
        "rules": rules,
        "catalog": catalog,
        "errors": list(result.errors),
    }
    doc["summary"]["result"] = verdict.of(doc).result
    return doc


def _summary(result: Any, findings: list[Finding], fail_on: Severity | None) -> dict[str, Any]:
    active = [f for f in findings if not f.suppressed]
    files = [f.status for f in result.files]
    return {
        "result": "pass",  # decided by the one verdict once the document is whole
        "fail_on": fail_on.name if fail_on is not None else "never",
        "files": len(result.files),
        "files_checked": files.count("checked"),
        "files_skipped": files.count("skipped"),
        "files_error": files.count("error"),
        "deployments": len(result.deployments),
        # what was read and not analysed: charts/templates/overlays (findings) and operator-run files
        "not_analysed": _not_analysed(result, findings),
        "findings": {s.name: sum(1 for f in active if f.severity == s) for s in Severity},
        "suppressed": len(findings) - len(active),
    }


def _not_analysed(result: Any, findings: list[Finding]) -> int:
    return sum(1 for f in findings if f.check == "not-analysed") + sum(1 for f in result.files if f.extra.get("not_analysed"))


def _file(f: Any) -> dict[str, Any]:
    extra = {k: v for k, v in f.extra.items() if k != "not_analysed"}  # counted in the summary, said in the reason
    return {"path": f.path, "kind": f.kind, "status": f.status, "reason": shorten(f.reason), "objects": f.objects, **extra}


def _finding(f: Finding) -> dict[str, Any]:
    # capped once here, so every format says the same (a 1 MB image name is no 1 MB message)
    return {"check": f.check, "severity": f.severity.name, "message": shorten(f.message), "file": f.loc.file, "line": f.loc.line,
            "values_key": f.loc.values_key, "subject": f.subject, "catalog_items": list(f.items), "suppressed": f.suppressed,
            "rule_url": f.rule_url}


def _deployment(d: Any) -> dict[str, Any]:
    e = d.engine
    engine = None
    if e is not None:
        engine = {"name": e.name, "version": e.version,
                  "settings": {k: (MASK if is_secret_name(k) else v.value) for k, v in sorted(e.settings.items())}}
    return {"id": d.id, "kind": d.kind, "name": d.name, "namespace": d.namespace, "origin": d.origin,
            "file": d.loc.file, "line": d.loc.line, "serving": d.serving, "replicas": d.replicas, "gpus_per_group": d.gpus_per_group(),
            "engine": engine, "model": {"id": d.model.id, "uri": d.model.uri, "revision": d.model.revision},
            "memory": getattr(d, "memory", None),
            "related": {"services": [s.name for s in d.services], "autoscalers": [a.name for a in d.autoscalers],
                        "disruption_budgets": [p.name for p in d.disruption_budgets], "monitors": [m.name for m in d.monitors]},
            "cost": d.cost.as_dict() if d.cost is not None else None}


def rules_of(registry: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": c.id, "severity": c.severity.name, "catalog_items": list(c.items), "summary": c.failed, "passed": c.passed,
             "description": c.section("What it does"), "help_uri": f"https://github.com/modelready/modelready/blob/main/docs/checks.md#{c.id}"}
            for c in registry.values()]


_TOOLS = {"trivy": "Trivy", "hadolint": "hadolint"}


def scanner_rules(findings: list[Finding]) -> list[dict[str, Any]]:
    """Rules of scanner findings (Trivy's IDs), so SARIF carries them as rules of this one run."""
    seen: dict[str, dict[str, Any]] = {}
    for f in findings:
        if "/" in f.check and f.check not in seen:
            seen[f.check] = {"id": f.check, "severity": f.severity.name, "catalog_items": list(f.items), "summary": f.check.split("/", 1)[1],
                             "passed": "", "description": f"Reported by {_TOOLS.get(f.check.split('/', 1)[0], 'a scanner')}: {f.check.split('/', 1)[1]}",
                             "help_uri": f.rule_url or "https://trivy.dev/"}
    return list(seen.values())


def catalog_section(profile: str, results: Any, coverage: dict[str, Any]) -> dict[str, Any]:
    return {"profile": profile, "coverage": coverage,
            "items": [{"id": r.item.id, "title": r.item.title, "section": r.item.section_title, "mode": r.item.mode,
                       "phase": r.item.phase, "owners": list(r.item.owners), "checks": list(r.item.checks),
                       "spec_fields": list(r.item.spec), "status": r.status, "why": r.why, "evidence": r.evidence,
                       "findings": r.findings, "seeds": [{"file": s["file"], "text": s["text"]} for s in r.item.seeds]}
                      for r in results]}
