"""Without a network (an egress-less runner), with huggingface_hub installed and no `--offline`: one connect
decides the Hub is unreachable, one stderr line says so, and the run resolves models from what it has.
Each case runs in a fresh interpreter so what it imports is its own."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _closed_port() -> int:
    """A loopback port nobody listens on: bound, then released."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path: Path, endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(HF_ENDPOINT=endpoint, HF_HOME=str(tmp_path / "hf"), PYTHONPATH=str(REPO / "src"))
    return env


def test_check_without_network_says_one_line_and_waits_on_no_retry(tmp_path):
    env = _env(tmp_path, f"http://127.0.0.1:{_closed_port()}")
    proc = subprocess.run([sys.executable, "-m", "modelready.cli", "check", "examples", "--format", "json"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr  # examples/ holds one broken deployment on purpose
    (line,) = proc.stderr.splitlines()
    assert line.startswith("modelready: warning: the Hugging Face Hub at 127.0.0.1:") and "connection refused" in line
    assert "--offline" in line and "Retrying" not in proc.stderr
    doc = json.loads(proc.stdout)
    notes = [f["message"] for f in doc["findings"] if "Llama-3.1-70B-Instruct@main" in f["message"]]
    assert notes and all("unreachable (connection refused) and nothing is cached" in m for m in notes)


PROBE = """
import sys
from modelready.normalize.hub import Hub
hub = Hub()
first = hub.fetch("meta-llama/Llama-3.1-8B-Instruct", None)
second = Hub().fetch("Qwen/Qwen2.5-7B-Instruct", "main")  # a second Hub in the process (a PR's base run)
print(first[3]); print(second[3]); print("huggingface_hub" in sys.modules)
"""


def test_unreachable_and_uncached_never_imports_huggingface_hub(tmp_path):
    proc = subprocess.run([sys.executable, "-c", PROBE], env=_env(tmp_path, "http://no-such-host.invalid"), capture_output=True,
                          text=True, timeout=120)
    first, second, imported = proc.stdout.splitlines()
    assert "unreachable (the name does not resolve) and nothing is cached" in first
    assert "unreachable (the name does not resolve) and nothing is cached" in second
    assert imported == "False"
    assert len(proc.stderr.splitlines()) == 1  # said once for the process, not once per model


def test_hf_hub_offline_with_nothing_cached_neither_connects_nor_imports(tmp_path):
    env = _env(tmp_path, f"http://127.0.0.1:{_closed_port()}") | {"HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    first, second, imported = proc.stdout.splitlines()
    assert first.endswith("HF_HUB_OFFLINE is set and nothing is cached") and imported == "False"
    assert proc.stderr == ""  # offline on purpose: nothing to warn about
