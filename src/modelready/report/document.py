"""The report document: a plain, versioned dict that every output renders (JSON is it, verbatim).

Schema: docs/report-schema.json. `schema_version` changes only when a field changes meaning or goes.
"""

from __future__ import annotations

import re

from .. import __version__
from ..findings import Finding, Severity
from . import verdict
from .inert import redact_tree

SCHEMA_VERSION = 1
_SECRET_SETTING = re.compile(r"api_key|token|secret|password", re.I)


def build(result, findings: list[Finding], rules: list[dict], catalog: dict, fail_on: Severity | None) -> dict:
    """`fail_on` None: never fail (`--fail-on never`): the report is the same, the result is pass."""
    active = [f for f in findings if not f.suppressed]
    counts = {s.name: sum(1 for f in active if f.severity == s) for s in Severity}
    # one redaction for every output: each renders this document (Helm `fail` messages, engine argv and
    # model URIs may carry a token from the files)
    doc = redact_tree({
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "modelready", "version": __version__, **result.tools},
        "summary": {
            "result": "pass",  # decided below, by the one verdict
            "fail_on": fail_on.name if fail_on is not None else "never",
            "files": len(result.files),
            "files_checked": sum(1 for f in result.files if f.status == "checked"),
            "files_skipped": sum(1 for f in result.files if f.status == "skipped"),
            "files_error": sum(1 for f in result.files if f.status == "error"),
            "deployments": len(result.deployments),
            # what was read and not analysed: charts/templates/overlays (findings) and operator-run files
            "not_analysed": _not_analysed(result, findings),
            "findings": counts,
            "suppressed": len(findings) - len(active),
        },
        "files": [_file(f) for f in result.files],
        "deployments": [_deployment(d) for d in result.deployments],
        "findings": [_finding(f) for f in findings],
        "rules": rules,
        "catalog": catalog,
        "errors": list(result.errors),
    })
    doc["summary"]["result"] = verdict.of(doc).result
    return doc


def _not_analysed(result, findings: list[Finding]) -> int:
    return sum(1 for f in findings if f.check == "not-analysed") + sum(1 for f in result.files if f.extra.get("not_analysed"))


def _file(f) -> dict:
    extra = {k: v for k, v in f.extra.items() if k != "not_analysed"}  # counted in the summary, said in the reason
    return {"path": f.path, "kind": f.kind, "status": f.status, "reason": f.reason, "objects": f.objects, **extra}


def _finding(f: Finding) -> dict:
    return {"check": f.check, "severity": f.severity.name, "message": f.message, "file": f.loc.file, "line": f.loc.line,
            "values_key": f.loc.values_key, "subject": f.subject, "catalog_items": list(f.items), "suppressed": f.suppressed,
            "rule_url": f.rule_url}


def _deployment(d) -> dict:
    e = d.engine
    engine = None
    if e is not None:
        engine = {"name": e.name, "version": e.version,
                  "settings": {k: ("<redacted>" if _SECRET_SETTING.search(k) else v.value) for k, v in sorted(e.settings.items())}}
    return {"id": f"{d.ref}@{d.origin}", "kind": d.kind, "name": d.name, "namespace": d.namespace, "origin": d.origin,
            "file": d.loc.file, "line": d.loc.line, "serving": d.serving, "replicas": d.replicas, "gpus_per_group": d.gpus_per_group(),
            "engine": engine, "model": {"id": d.model.id, "uri": d.model.uri, "revision": d.model.revision},
            "related": {"services": [s.name for s in d.services], "autoscalers": [a.name for a in d.autoscalers],
                        "disruption_budgets": [p.name for p in d.disruption_budgets], "monitors": [m.name for m in d.monitors]}}


def rules_of(registry: dict) -> list[dict]:
    return [{"id": c.id, "severity": c.severity.name, "catalog_items": list(c.items), "summary": c.failed, "passed": c.passed,
             "description": c.section("What it does"), "help_uri": f"https://github.com/modelready/modelready/blob/main/docs/checks.md#{c.id}"}
            for c in registry.values()]


_TOOLS = {"trivy": "Trivy", "hadolint": "hadolint"}


def scanner_rules(findings: list[Finding]) -> list[dict]:
    """Rules of scanner findings (Trivy's IDs), so SARIF carries them as rules of this one run."""
    seen: dict[str, dict] = {}
    for f in findings:
        if "/" in f.check and f.check not in seen:
            seen[f.check] = {"id": f.check, "severity": f.severity.name, "catalog_items": list(f.items), "summary": f.check.split("/", 1)[1],
                             "passed": "", "description": f"Reported by {_TOOLS.get(f.check.split('/', 1)[0], 'a scanner')}: {f.check.split('/', 1)[1]}",
                             "help_uri": f.rule_url or "https://trivy.dev/"}
    return list(seen.values())


def catalog_section(profile: str, results, coverage: dict) -> dict:
    return {"profile": profile, "coverage": coverage,
            "items": [{"id": r.item.id, "title": r.item.title, "section": r.item.section_title, "mode": r.item.mode,
                       "phase": r.item.phase, "owners": list(r.item.owners), "checks": list(r.item.checks),
                       "spec_fields": list(r.item.spec), "status": r.status, "why": r.why, "evidence": r.evidence,
                       "findings": r.findings, "seeds": [{"file": s["file"], "text": s["text"]} for s in r.item.seeds]}
                      for r in results]}
