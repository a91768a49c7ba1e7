from __future__ import annotations

import atexit as _atexit
import os
import shutil as _shutil
import tempfile as _tempfile
from pathlib import Path

import pytest

# The suite never reaches the real Hugging Face Hub: a CLI run that may go online finds it offline
# (tests/test_model_resolution.py turns it back on against its local Hub server).
os.environ["HF_HUB_OFFLINE"] = "1"
# pytest-xdist's workers get COLUMNS=80, which every CLI run they start would wrap its text to; without it the
# text reporter wraps a pipe at its own 100 columns, as in a serial run
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.pop("COLUMNS", None)
    os.environ.pop("LINES", None)
# Every `modelready check` runs Trivy's bundled checks where Trivy is installed: about 5 s of CPU a run. Tests of
# other behaviour run without it (TRIVY_BIN names no binary: "not found", said in the report); the tests of the
# scan itself (tests/test_trivy.py) point TRIVY_BIN back at the real binary.
from modelready.scan.trivy import locate as _locate_trivy  # noqa: E402

_NO_TRIVY = str(Path(__file__).parent / "no-trivy-in-this-test")
if os.environ.get("TRIVY_BIN") == _NO_TRIVY:  # an xdist worker inherits the controller's setting: look past it
    del os.environ["TRIVY_BIN"]
TRIVY = _locate_trivy()
os.environ["TRIVY_BIN"] = _NO_TRIVY

# `modelready check` keeps hadolint's and Helm's results across runs (src/modelready/cache.py): the suite's go to
# a folder of its own, new each session, never a user's cache
os.environ["MODELREADY_CACHE_DIR"] = _tempfile.mkdtemp(prefix="modelready-suite-cache-")
_atexit.register(_shutil.rmtree, os.environ["MODELREADY_CACHE_DIR"], True)
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
def corpus_result():
    """The pipeline's Result on ../shared/corpus with the default config, computed once for the session
    (the corpus tests read it; none may change it)."""
    from modelready import pipeline
    from modelready.config import Config

    corpus = shared_or_skip("corpus")
    return pipeline.run([corpus], Config(), corpus)


@pytest.fixture(scope="session")
def corpus_report():
    """`modelready check ../shared/corpus --offline --format json` as a user runs it (its own process, a bare
    environment): (the process, its JSON report), once for the session."""
    import json
    import subprocess
    import sys

    corpus = shared_or_skip("corpus")
    proc = subprocess.run([sys.executable, "-m", "modelready.cli", "check", str(corpus), "--offline", "--format", "json"],
                          capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO / "src"),
                               "MODELREADY_CACHE_DIR": os.environ["MODELREADY_CACHE_DIR"]})
    return proc, (json.loads(proc.stdout) if proc.stdout.strip() else {})


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


# Fixtures that cost seconds to make are made once and shared (session: the corpus runs, the smoke server;
# module: a file's own). Under pytest-xdist (`make test` runs on every core) the tests sharing one run in
# one worker, so each is still made once per run, not once per worker. tryfirst: pytest-xdist's worker reads the
# marks in this same hook (turning them into the `@group` suffix of the test's id), and a conftest's hook would
# otherwise run after it, leaving every test ungrouped.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    for item in items:
        defs = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
        scopes = {name: d[-1].scope for name, d in defs.items() if d and d[-1].baseid}  # ours, not a plugin's
        shared = sorted(n for n, scope in scopes.items() if scope == "session")
        if shared:
            item.add_marker(pytest.mark.xdist_group(shared[0]))
        elif any(scope == "module" for scope in scopes.values()):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))
    # pytest-xdist hands out the groups first, then the rest in this order: the files with the longest single tests
    # (mypy over src/, Trivy's scans, the property runs) go first, so that no worker ends alone on one of them
    first = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: first.get(item.nodeid.split("::", 1)[0], len(first)))


LONGEST_FIRST = ("tests/test_types.py", "tests/test_trivy.py", "tests/test_fuzz.py", "tests/test_schema_fast_path.py")


def pytest_runtest_setup(item):
    """pytest-xdist groups by the suffix it writes into each test's id; pytest 9.2 ignores that write
    (pytest-dev/pytest-xdist#1386, hence pytest<9.2 in the test extra): a grouped test says so rather than let
    every worker make the shared fixtures again."""
    if getattr(item.config.option, "loadgroup", False) and item.get_closest_marker("xdist_group") and "@" not in item.nodeid:
        pytest.fail("--dist loadgroup did not group this test: this pytest-xdist cannot group on this pytest", pytrace=False)


@pytest.fixture(scope="session")
def smoke_server(tiny_model):
    server = SmokeServer(tiny_model)
    yield server
    server.close()


UPDATE_SNAPSHOTS = bool(os.environ.get("UPDATE_SNAPSHOTS"))
