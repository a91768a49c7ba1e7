from __future__ import annotations

import os
from pathlib import Path

import pytest

# The suite never reaches the real Hugging Face Hub: a CLI run that may go online finds it offline
# (tests/test_model_resolution.py turns it back on against its local Hub server).
os.environ["HF_HUB_OFFLINE"] = "1"
# Every `modelready check` runs Trivy's bundled checks where Trivy is installed: about 5 s of CPU a run. Tests of
# other behaviour run without it (TRIVY_BIN names no binary: "not found", said in the report); the tests of the
# scan itself (tests/test_trivy.py) point TRIVY_BIN back at the real binary.
from modelready.scan.trivy import locate as _locate_trivy  # noqa: E402

TRIVY = _locate_trivy()
os.environ["TRIVY_BIN"] = str(Path(__file__).parent / "no-trivy-in-this-test")

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


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A tiny random Llama (tests/tiny_model.py), made once per session."""
    pytest.importorskip("transformers")
    from .tiny_model import make

    return make(tmp_path_factory.mktemp("tiny") / "model")


class SmokeServer:
    """One real `transformers serve` for the session's smoke tests; each test launches its own stand-in
    engine (`command(port)`: tests/smoke_relay.py) that opens once the server is healthy and relays to it."""

    def __init__(self, model: Path):
        import signal
        import socket
        import subprocess
        import sys

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.model, self._signal = model, signal
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        bindir = Path(sys.executable).parent
        # started now, ready later: the first smoke run's cold start is this server's
        self.proc = subprocess.Popen([str(bindir / "transformers"), "serve", str(model), "--port", str(self.port), "--device", "cpu"],
                                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self._python = sys.executable

    def command(self, port: int) -> str:
        return f"{self._python} {REPO / 'tests' / 'smoke_relay.py'} {port} {self.port}"

    def close(self) -> None:
        try:
            os.killpg(self.proc.pid, self._signal.SIGKILL)
        except OSError:
            pass
        self.proc.wait()


@pytest.fixture(scope="session")
def smoke_server(tiny_model):
    server = SmokeServer(tiny_model)
    yield server
    server.close()


UPDATE_SNAPSHOTS = bool(os.environ.get("UPDATE_SNAPSHOTS"))
