"""One test walks every registered check: its declaration, its docs, and its passing and failing
cases in tests/checks/<id>/ (a file or folder named pass* or fail*). A failing case's findings for
that check are compared with a snapshot beside it (fail*.expected); UPDATE_SNAPSHOTS=1 rewrites them."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelready.catalog import load as load_catalog
from modelready.checks import registry

from .conftest import UPDATE_SNAPSHOTS

CASES = Path(__file__).parent / "checks"
CHECKS = sorted(registry())
# internal-error (scope "run") is what a bug in modelready looks like: no input should trip it, so it has no
# cases here; tests/test_hostile.py makes a real check fail to show it.
CASED = [c for c in CHECKS if registry()[c].scope != "run"]


def cases(check_id: str, kind: str) -> list[Path]:
    return sorted(p for p in (CASES / check_id).glob(f"{kind}*") if not p.name.endswith(".expected"))


def test_registry_matches_case_folders():
    assert sorted(p.name for p in CASES.iterdir() if p.is_dir()) == CASED


@pytest.mark.parametrize("check_id", CHECKS)
def test_declaration(check_id):
    check = registry()[check_id]
    catalog_ids = {i.id for i in load_catalog().items}
    assert check.items and set(check.items) <= catalog_ids
    for section in ("What it does", "Why it matters", "Example", "Instead", "References"):
        assert check.section(section), f"{check_id} doc lacks '## {section}'"
    assert check.passed and check.failed and check.passed != check.failed
    assert any(check_id in i.checks for i in load_catalog().items), "no catalog item is decided by this check"


def _findings(run, case: Path, check_id: str):
    result = run(case, root=case.parent)
    return result, [f for f in result.findings if f.check == check_id]


@pytest.mark.parametrize("check_id", CASED)
def test_failing_cases(run, check_id):
    fails = cases(check_id, "fail")
    assert fails, f"tests/checks/{check_id} has no failing case"
    for case in fails:
        _result, found = _findings(run, case, check_id)
        assert found, f"{case.name} should trip {check_id}"
        rendered = "".join(f"{f.severity.name} {f.loc}{' values:' + f.loc.values_key if f.loc.values_key else ''}: {f.message}\n" for f in found)
        snap = case.with_name(case.name.split(".")[0] + ".expected")
        if UPDATE_SNAPSHOTS:
            snap.write_text(rendered, encoding="utf-8")
        # A missing snapshot fails (in CI too): writing it here would pass whatever the check said.
        assert snap.exists(), f"{snap.relative_to(CASES)} is missing: review the findings, then UPDATE_SNAPSHOTS=1 pytest tests/test_checks.py"
        assert rendered == snap.read_text(encoding="utf-8")


@pytest.mark.parametrize("check_id", CASED)
def test_passing_cases(run, check_id):
    passes = cases(check_id, "pass")
    assert passes, f"tests/checks/{check_id} has no passing case"
    check = registry()[check_id]
    for case in passes:
        result, found = _findings(run, case, check_id)
        assert not found, f"{case.name} should not trip {check_id}: {[f.message for f in found]}"
        if check.scope != "pipeline":  # a pass must be a real pass, not "did not apply"
            assert any(cid == check_id for cid, _ in result.applied), f"{check_id} did not apply to {case.name}"
