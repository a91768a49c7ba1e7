"""Generated docs match the code (`make docs` regenerates them)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_generated_docs_are_current():
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "tools" / "gen_docs.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert (ROOT / "docs" / "checks.md").read_text(encoding="utf-8") == gen.checks_md(), "run `make docs`"
    assert (ROOT / "docs" / "catalog.md").read_text(encoding="utf-8") == gen.catalog_md(), "run `make docs`"
