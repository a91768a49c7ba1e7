"""One run, as `modelready check` and `modelready github` both need it: pipeline, scans, catalog, report."""

from __future__ import annotations

from pathlib import Path

from . import pipeline
from .config import Config
from .findings import Severity


def run(paths: list[Path], root: Path, config: Config, profile: str | None, fail_on: Severity, trivy=None,
        keep=None) -> tuple[pipeline.Result, dict]:
    """`trivy`: scan.trivy.Options, or None; `keep(result)` narrows the result (a PR's scope) before the catalog is decided."""
    from .catalog import load as load_catalog
    from .catalog.evaluate import default_profile, evaluate
    from .checks import registry
    from .report import document

    result = pipeline.run(paths, config, root)
    scans, scan_log = {}, {}
    if trivy is not None:
        from .scan import trivy as trivy_scan

        rep = trivy_scan.scan(result, trivy)
        result.findings += rep.findings
        result.tools["trivy"] = rep.version or "not found"
        scans, scan_log = rep.items, {"trivy": rep.as_dict()}
    if keep is not None:
        keep(result)
    catalog = load_catalog()
    profile = profile or config.profile or default_profile(result)
    items = catalog.select(profile)
    results = evaluate(items, result, result.findings, scans=scans)
    rules = document.rules_of(registry()) + document.scanner_rules(result.findings)
    doc = document.build(result, result.findings, rules,
                         document.catalog_section(profile, results, catalog.coverage(items)), fail_on)
    if scan_log:
        doc["scans"] = scan_log
    return result, doc
