"""The checks and what they read are typed: `mypy --strict` on checks/ and normalize/ finds nothing.
A check is a Check[Deployment], Check[SpecView], Check[Card] or Check[Build]; a check that
reads a field its subject does not have, or forgets that an engine may be absent, fails here."""

from __future__ import annotations

from pathlib import Path

from mypy import api

SRC = Path(__file__).resolve().parents[1] / "src" / "modelready"


def test_mypy_strict_on_checks_and_normalize():
    out, err, status = api.run(["--strict", "--no-error-summary", str(SRC / "checks"), str(SRC / "normalize")])
    assert status == 0, out + err
