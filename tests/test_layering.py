"""The pipeline's arrows run one way: discover -> load -> config -> normalize -> check -> catalog -> report
-> publish, and no modules import each other round a circle.

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
    "__init__": 0, "findings": 0, "data": 0, "isolate": 0, "masking": 0, "cache": 0, "linear": 0,
    "discover": 1, "roots": 1, "ignore": 1,
    "load": 2,
    "config": 3,  # reads its YAML with load's reader; loaders get what they need of it as values (load.values_sets.Pins)
    "normalize": 4, "spec": 4,
    "checks": 5, "scan": 5, "smoke": 5,
    "catalog": 6,
    "report": 7,
    "publish": 8,
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
    ("from ..config import Config", "a later stage (config)"),
])
def test_an_import_against_the_direction_is_caught(tmp_path, line, message):
    """The guard itself: a check module importing a reporter, the app or the pipeline is reported, and a
    loader importing the config (which reads its YAML with the loaders)."""
    fake = tmp_path / "modelready" / ("load" if "config" in line else "checks") / "bad.py"
    fake.parent.mkdir(parents=True)
    fake.write_text(f"{line}\n", encoding="utf-8")
    (tmp_path / "modelready" / "pipeline.py").write_text("", encoding="utf-8")
    found = violations(tmp_path / "modelready")
    assert len(found) == 1 and message in found[0] and f"{fake.parent.name}/bad.py:1" in found[0]


# Circles that exist today and are being taken apart, each with who removes it; a new one fails the test.
KNOWN_CIRCLES = [
    # the normalized model's types, defined by the stages that fill them (issue 22: normalize/kinds and a model module)
    ["modelready.normalize.accelerator", "modelready.normalize.link", "modelready.normalize.model",
     "modelready.normalize.modelspec", "modelready.normalize.resolve", "modelready.normalize.specs"],
]


def module_graph(root: Path = SRC) -> dict[str, set[str]]:
    """modelready module -> the modelready modules it imports, any import anywhere in the file. Importing
    a.b.c runs a.b's __init__ first, so it counts as importing a.b too (except for a's own submodules)."""
    modules = {_module_of(p): p for p in root.rglob("*.py")}
    graph = {}
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        out: set[str] = set()
        for target in _targets(path, package, modules):
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            parts = target.split(".")
            for k in range(2, len(parts) + 1):
                name = ".".join(parts[:k])
                if name in modules and name != module and not module.startswith(name + "."):
                    out.add(name)
        graph[module] = out
    return graph


def _targets(path: Path, package: str, modules: dict) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            # `from . import x` imports the module x when there is one
            out += [f"{target}.{a.name}" if f"{target}.{a.name}" in modules else target for a in node.names]
    return [t for t in out if t.split(".")[0] == "modelready"]


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circles():
    assert [c for c in circles(module_graph()) if c not in KNOWN_CIRCLES] == []


def test_a_circle_is_caught(tmp_path):
    """The guard itself: two modules importing each other (one inside a function) and a module importing a
    package whose __init__ imports it back are circles; `from . import x` of a sibling is not one."""
    pkg = tmp_path / "modelready" / "app"
    pkg.mkdir(parents=True)
    (tmp_path / "modelready" / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "__init__.py").write_text("from ..load import thing\n", encoding="utf-8")
    (pkg / "a.py").write_text("def f():\n    from . import b\n", encoding="utf-8")
    (pkg / "b.py").write_text("from .a import f\nfrom . import c\n", encoding="utf-8")
    (pkg / "c.py").write_text("", encoding="utf-8")
    load = tmp_path / "modelready" / "load"
    load.mkdir()
    (load / "__init__.py").write_text("", encoding="utf-8")
    (load / "thing.py").write_text("from ..app import a\n", encoding="utf-8")
    found = circles(module_graph(tmp_path / "modelready"))
    assert ["modelready.app.a", "modelready.app.b"] in found
    assert any("modelready.load.thing" in c and "modelready.app" in c for c in found)
    assert not any("modelready.app.c" in c for c in found)
