"""SARIF 2.1.0 for github/codeql-action/upload-sarif: one run, modelready's rules, one result per finding."""

from __future__ import annotations

from typing import Any

from .document import Report
from .inert import visible

LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def render(doc: Report) -> dict[str, Any]:
    rules = doc.rules
    index = {r.id: i for i, r in enumerate(rules)}
    results = []
    for f in doc.findings:
        res: dict[str, Any] = {
            "ruleId": f.check,
            "ruleIndex": index.get(f.check, -1),
            "level": LEVEL[f.severity],
            "message": {"text": visible(f.message + (f" (values: {f.values_key})" if f.values_key else ""))},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": f.file, "uriBaseId": "%SRCROOT%"},
                                                **({"region": {"startLine": f.line}} if f.line else {})}}],
            "partialFingerprints": {"modelready/v1": f"{f.check}:{f.file}:{f.subject}"},
            "properties": {"subject": f.subject, "catalogItems": list(f.catalog_items)},
        }
        if f.suppressed:
            res["suppressions"] = [{"kind": "inSource", "justification": f.suppressed}]
        if res["ruleIndex"] < 0:
            del res["ruleIndex"]
        results.append(res)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "modelready", "version": doc.tool["version"], "informationUri": "https://github.com/modelready/modelready",
                "rules": [{"id": r.id, "name": _camel(r.id), "shortDescription": {"text": r.summary},
                           "fullDescription": {"text": r.description or r.summary}, "helpUri": r.help_uri,
                           "defaultConfiguration": {"level": LEVEL[r.severity]},
                           "properties": {"catalogItems": list(r.catalog_items), "tags": ["ml-deployment"]}} for r in rules],
            }},
            "results": results,
            "columnKind": "utf16CodeUnits",
            # the GPU cost per deployment, and what the change adds (SARIF's property bag: no result, no alert)
            "properties": {"modelready": {"cost": {d.id: d.cost for d in doc.deployments if d.cost},
                                          "costDiff": doc.cost_diff}},
        }],
    }


def _camel(rule_id: str) -> str:
    return "".join(p.capitalize() for p in rule_id.replace("/", "-").split("-"))
