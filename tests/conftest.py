from __future__ import annotations

import os
from pathlib import Path

import pytest

# The suite never reaches the real Hugging Face Hub: a CLI run that may go online finds it offline
# (tests/test_model_resolution.py turns it back on against its local Hub server).
os.environ["HF_HUB_OFFLINE"] = "1"

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def shared_or_skip(*parts: str) -> Path:
    """../shared beside the checkout (tests may read it; the product never does)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not here")
    return path


@pytest.fixture
def run():
    """Run the pipeline on paths with the repository's defaults; returns the Result."""
    from modelready import pipeline
    from modelready.config import Config

    def _run(*paths: Path, config: Config | None = None, root: Path | None = None):
        root = root or (paths[0] if paths[0].is_dir() else paths[0].parent)
        return pipeline.run(list(paths), config or Config(), root)

    return _run


UPDATE_SNAPSHOTS = bool(os.environ.get("UPDATE_SNAPSHOTS"))
