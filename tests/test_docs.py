"""Generated docs match the code (`make docs` regenerates them): checks, catalog and the published schemas."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_generated_docs_are_current():
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "tools" / "gen_docs.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    for name, text in gen.generated().items():
        assert (ROOT / "docs" / name).read_text(encoding="utf-8") == text, f"docs/{name} is stale: run `make docs`"


def test_readme_counts_and_sample_output_are_current():
    """The README's counts and its sample output are generated (`make docs`): every fact span and the sample
    run on examples/ say what the code says now, and each name a span uses exists."""
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "tools" / "gen_docs.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "<!-- sample: check examples" in readme and "<!-- fact:checks -->" in readme
    assert gen.readme(readme) == readme, "README.md's generated spans are stale: run `make docs`"
    sample = readme.split("<!-- sample: ", 1)[1].split("<!-- /sample -->", 1)[0]
    assert "error   engine-flag-unknown" in sample and "FAIL (fail on error)" in sample  # a real run, not an empty block
