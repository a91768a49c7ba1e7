"""Small functions: none in src/ above cyclomatic complexity 15 (radon's measure). A function past it wants
a table or a split, as the smoke verdict's items became one small function per catalog item. No exceptions:
the list of functions allowed above it when the ceiling came down from 20 to 15 is empty and gone."""

from __future__ import annotations

from pathlib import Path

from radon.complexity import cc_visit

SRC = Path(__file__).resolve().parents[1] / "src" / "modelready"
LIMIT = 15


def complex_functions(root: Path = SRC) -> list[str]:
    out = []
    for path in sorted(root.rglob("*.py")):
        for block in cc_visit(path.read_text(encoding="utf-8")):
            if block.complexity > LIMIT:
                out.append(f"{path.relative_to(root.parent)}:{block.lineno} {block.fullname} CC {block.complexity}")
    return out


def test_no_function_above_the_complexity_limit():
    assert complex_functions() == []


def test_the_limit_is_measured(tmp_path):
    branches = "\n".join(f"    if x == {i}:\n        return {i}" for i in range(LIMIT + 1))
    (tmp_path / "m.py").write_text(f"def f(x):\n{branches}\n", encoding="utf-8")
    assert complex_functions(tmp_path) == [f"{tmp_path.name}/m.py:1 f CC {LIMIT + 2}"]
