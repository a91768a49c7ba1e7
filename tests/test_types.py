"""Typed code: `mypy --strict` over all of src/, 0 errors. A check is a Check[Deployment], Check[SpecView],
Check[Card] or Check[Build]; a check that reads a field its subject does not have, or forgets that an
engine may be absent, fails here; so does an app/ function passing an untyped dict around.

The guard went from checks/ and normalize/ to all of src/ with 368 errors in 52 modules, kept on a list
that shrank to nothing: every module, the new ones too, is strict. JSON from a tool or a wire is
`dict[str, Any]`; a `# type: ignore` only where a third-party library ships no type information."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "modelready"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def strict_errors(root: Path = SRC, *flags: str) -> dict[str, list[str]]:
    # in a process of its own: mypy in this one left a heap that made the in-process tests after it on this worker 2-3x slower
    proc = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml"), "--strict", "--no-error-summary", *flags,
                           str(root)], capture_output=True, text=True, timeout=600)
    out, err = proc.stdout, proc.stderr
    found: dict[str, list[str]] = {}
    for line in (out + err).splitlines():
        m = re.match(r"(.+?\.py):\d+: error: ", line)
        if m:
            found.setdefault(Path(m.group(1)).resolve().relative_to(root).as_posix(), []).append(line)
    return found


def test_mypy_strict_on_all_of_src():
    assert strict_errors() == {}
    # pyproject.toml has mypy skip PyTorch's modules and others only libraries import: right only while modelready imports none
    skipped = {m.split(".")[0] for o in PYPROJECT["tool"]["mypy"]["overrides"] if o.get("follow_imports") == "skip" for m in o["module"]}
    assert {"torch", "fastapi", "cryptography"} <= skipped
    imports = [(p.relative_to(SRC).as_posix(), m.group(1)) for p in SRC.rglob("*.py")
               for m in re.finditer(r"^\s*(?:import|from)\s+(\w+)", p.read_text(), re.M) if m.group(1) in skipped]
    assert imports == []


def test_an_untyped_function_is_caught(tmp_path):
    """The guard reads mypy's own lines: were their form to change, it would pass on anything."""
    (tmp_path / "m.py").write_text("def f(x):\n    return x\n\n\ndef g(x: int) -> int:\n    return x\n", encoding="utf-8")
    found = strict_errors(tmp_path, "--cache-dir", str(tmp_path / "cache"))  # the shared cache would answer for another tmp m.py
    assert list(found) == ["m.py"] and len(found["m.py"]) == 1 and "no-untyped-def" in found["m.py"][0]
