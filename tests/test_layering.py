"""The pipeline's arrows run one way: discover -> load -> normalize -> check -> catalog -> report -> publish.

A module may import its own stage, an earlier one, or the shared records (findings, data); only the
application layer (app/, pipeline.py and the cli.py entry) crosses stages, and nothing imports it.
Every import counts, those inside functions and under TYPE_CHECKING included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "modelready"
APP = {"app", "pipeline", "cli"}
# top-level module or package of modelready -> its place in the pipeline
STAGE = {
    "__init__": 0, "findings": 0, "data": 0, "isolate": 0,
    "discover": 1, "roots": 1,
    "load": 2, "config": 2,
    "normalize": 3, "spec": 3,
    "checks": 4, "scan": 4, "smoke": 4,
    "catalog": 5,
    "report": 6,
    "publish": 7,
}
# Earlier, but still out of bounds: checks see only the normalized model (STYLE.md), never a loader's values.
SKIPPED_STAGES = {("checks", "load"), ("checks", "discover")}


def _unit(module: str) -> str:
    """modelready.load.helm -> load; modelready -> __init__."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module_of(path: Path) -> str:
    top = next(p for p in path.parents if p.name == "modelready")
    rel = path.relative_to(top.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(path: Path, name: str) -> bool:
    top = next(p for p in path.parents if p.name == "modelready")
    return (top / name).is_dir() or (top / f"{name}.py").is_file()


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every modelready import in the file."""
    module = _module_of(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "modelready"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "modelready":
                continue
            # `from .. import data` names a module: judge the names imported when the target is the top package
            names = [f"{target}.{a.name}" if _is_module(path, a.name) else target for a in node.names] if target == "modelready" else [target]
            out += [(node.lineno, n) for n in names]
    return out


def violations(root: Path = SRC) -> list[str]:
    bad = []
    for path in sorted(root.rglob("*.py")):
        here = _unit(_module_of(path))
        for line, target in imports(path):
            there = _unit(target)
            if here in APP or there == here:
                continue
            where = f"{path.relative_to(root.parent)}:{line} ({here}) imports {target}"
            if there in APP:
                bad.append(f"{where}: only the application layer may use it")
            elif there not in STAGE or here not in STAGE:
                bad.append(f"{where}: place {there if there not in STAGE else here} in STAGE")
            elif STAGE[there] > STAGE[here]:
                bad.append(f"{where}: a later stage ({there})")
            elif (here, there) in SKIPPED_STAGES:
                bad.append(f"{where}: checks read only normalize's values")
    return bad


def test_imports_follow_the_pipeline():
    assert violations() == []


def test_every_module_has_a_place():
    units = {_unit(_module_of(p)) for p in SRC.rglob("*.py")}
    assert units <= set(STAGE) | APP, units - set(STAGE) - APP


@pytest.mark.parametrize("line, message", [
    ("from ..report import markdown", "a later stage (report)"),
    ("from ..app.run import run", "only the application layer"),
    ("from .. import pipeline", "only the application layer"),
    ("from ..load.artifacts import ModelCard", "checks read only normalize's values"),
])
def test_an_import_against_the_direction_is_caught(tmp_path, line, message):
    """The guard itself: a check module importing a reporter, the app or the pipeline is reported."""
    fake = tmp_path / "modelready" / "checks" / "bad.py"
    fake.parent.mkdir(parents=True)
    fake.write_text(f"{line}\n", encoding="utf-8")
    (tmp_path / "modelready" / "pipeline.py").write_text("", encoding="utf-8")
    found = violations(tmp_path / "modelready")
    assert len(found) == 1 and message in found[0] and "checks/bad.py:1" in found[0]
