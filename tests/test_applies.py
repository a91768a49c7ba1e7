"""A check's `applies=` says once which subjects it is about; its body should not test the same again.
Measured here: for each check, the attribute chains its `applies=` condition tests (`d.engine`,
`d.engine_container`, `d.partial`, `v.arch`...) and the `if` conditions of its body that test one of them
again (directly, or through a local name bound to it: `c = d.engine_container; if c is None: return`).

A body that needs what `applies=` proved narrowed for mypy (the subject's type does not carry it) takes it
with `checks.given(...)` instead of testing it again."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "modelready" / "checks"


def _chain(n: ast.AST, aliases: dict[str, str]) -> str | None:
    """`d.engine.port` for an attribute access or a local alias, `d.engine.setting('api_key')` for a method called
    on one (its arguments are part of what it tests), None for anything else."""
    call = ""
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
        call = "(" + ", ".join(ast.unparse(a) for a in n.args).replace(".", "·") + ")"
        n = n.func
    parts = []
    while isinstance(n, ast.Attribute):
        parts.append(n.attr)
        n = n.value
    if not isinstance(n, ast.Name) or (not parts and n.id not in aliases):
        return None
    return ".".join([aliases.get(n.id, n.id), *reversed(parts)]) + call


def _named(node: ast.AST, aliases: dict[str, str], skip_or: bool = False) -> list[str]:
    """The chains an expression names, outermost only (`d.engine.port`, not also `d.engine`); with `skip_or`, none
    under an `or` (a disjunct proves nothing)."""
    out: list[str] = []
    todo = [node]
    while todo:
        n = todo.pop()
        if skip_or and isinstance(n, ast.BoolOp) and isinstance(n.op, ast.Or):
            continue
        chain = _chain(n, aliases)
        if chain is not None:
            out.append(chain)
            continue
        todo.extend(ast.iter_child_nodes(n))
    return out


def _proved(fn: ast.FunctionDef | ast.Lambda, subject: str, aliases: dict[str, str]) -> set[str]:
    """What an `applies=` condition proved about its subject: each chain it names, with its prefixes (testing
    `d.engine.port` tests `d.engine` first). An `if` in an applies function returns False on its test; an
    expression returned (or a lambda's body) proves its `and`-ed parts, not the alternatives of an `or`."""
    if isinstance(fn, ast.Lambda):
        tests = [(fn.body, True)]
    else:
        tests = [(n.test, False) for n in ast.walk(fn) if isinstance(n, (ast.If, ast.IfExp))]
        tests += [(n.value, True) for n in ast.walk(fn) if isinstance(n, ast.Return) and n.value]
    out: set[str] = set()
    for test, positive in tests:
        for chain in _named(test, aliases, skip_or=positive):
            bits = chain.split(".")
            if bits[0] == subject:
                out |= {".".join(bits[:k]) for k in range(2, len(bits) + 1)}
    return out


def _aliases(fn: ast.FunctionDef | ast.Lambda) -> dict[str, str]:
    """Local names bound to an attribute chain: `c = d.engine_container` reads `c` as `d.engine_container`, and
    `e, r = d.engine, d.resolved` each of its names."""
    out: dict[str, str] = {}
    for n in ast.walk(fn):
        if not isinstance(n, (ast.Assign, ast.AnnAssign)) or n.value is None:
            continue
        for t in n.targets if isinstance(n, ast.Assign) else [n.target]:
            pairs = zip(t.elts, n.value.elts) if isinstance(t, ast.Tuple) and isinstance(n.value, ast.Tuple) else [(t, n.value)]
            for name, value in pairs:
                chain = _chain(value, {}) if isinstance(value, ast.Attribute) else None
                if chain is not None and isinstance(name, ast.Name):
                    out[name.id] = chain
    return out


def _first_arg(fn: ast.FunctionDef | ast.Lambda) -> str | None:
    return fn.args.args[0].arg if fn.args.args else None


def retested(path: Path) -> set[str]:
    """Chains a check body's `if`s (statements and expressions) test that its `applies=` proved (renamed to the body's own subject name)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    found: set[str] = set()
    for fn in functions.values():
        for deco in fn.decorator_list:
            if not (isinstance(deco, ast.Call) and getattr(deco.func, "id", "") == "declare"):
                continue
            applies = next((k.value for k in deco.keywords if k.arg == "applies"), None)
            if applies is None:  # the default: serving deployments (checks/__init__.py's _serving)
                applies = ast.parse("lambda d: d.serving", mode="eval").body
            target = applies if isinstance(applies, ast.Lambda) else functions.get(getattr(applies, "id", ""))
            if target is None or _first_arg(target) is None or _first_arg(fn) is None:
                continue
            subject, own = _first_arg(target), _first_arg(fn)
            tested = {c.replace(subject, own, 1) for c in _proved(target, subject, _aliases(target))}
            aliases = _aliases(fn)
            body = {c for n in ast.walk(fn) if isinstance(n, (ast.If, ast.IfExp)) for c in _named(n.test, aliases)}
            found |= tested & body
    return found


def test_no_check_re_tests_its_applies_condition():
    assert {p.stem: retested(p) for p in SRC.glob("*.py") if retested(p)} == {}


def test_a_re_test_is_found(tmp_path):
    (tmp_path / "x.py").write_text(
        "@declare('x', 'error', [], '', '', applies=lambda d: d.engine is not None)\n"
        "def check(d):\n    e = d.engine\n    if e is None:\n        return\n    yield 1\n", encoding="utf-8")
    (tmp_path / "y.py").write_text(
        "@declare('y', 'error', [], '', '', applies=lambda d: d.engine is not None)\n"
        "def check(d):\n    if d.replicas > 1:\n        yield 1\n", encoding="utf-8")
    assert retested(tmp_path / "x.py") == {"d.engine"} and retested(tmp_path / "y.py") == set()


def _retested(tmp_path, applies: str, body: str) -> set[str]:
    (tmp_path / "z.py").write_text(f"@declare('z', 'error', [], '', '', applies={applies})\ndef check(d):\n"
                                   + "".join(f"    {line}\n" for line in body.splitlines()) + "    yield 1\n", encoding="utf-8")
    return retested(tmp_path / "z.py")


def test_what_applies_did_not_prove_may_be_tested(tmp_path):
    # a longer chain reads what applies= proved present; it does not test it again
    assert _retested(tmp_path, "lambda d: d.engine is not None", "if d.engine.port != 8000:\n    return") == set()
    # one capability of the engine applies= asked another of
    assert _retested(tmp_path, "lambda d: d.engine.capability('a')", "if d.engine.capability('b'):\n    return") == set()
    # one field of an object applies= tested another field of
    assert _retested(tmp_path, "lambda d: d.model.id is not None", "if not d.model.revision:\n    return") == set()
    # one alternative of an `or`
    assert _retested(tmp_path, "lambda d: bool(d.autoscalers) or d.completed_by_operator",
                     "if d.completed_by_operator:\n    return") == set()
    # a name bound in applies=' own comprehension, not the subject
    assert _retested(tmp_path, "lambda d: any(c.gpu() for c in d.containers())",
                     "for c in d.containers():\n    if not c.gpu():\n        continue") == set()


def test_what_applies_proved_is_found_again(tmp_path):
    assert _retested(tmp_path, "lambda d: d.engine is not None and d.engine.port is not None",
                     "if d.engine.port is None:\n    return") == {"d.engine.port"}
    assert _retested(tmp_path, "lambda d: d.engine.setting('x') is not None",
                     "if d.engine.setting('x') is None:\n    return") == {"d.engine.setting('x')"}
    assert _retested(tmp_path, "lambda d: d.engine is not None", "name = d.engine.name if d.engine else ''") == {"d.engine"}
    assert _retested(tmp_path, "lambda d: d.engine is not None", "e, r = d.engine, d.resolved\nif e is None or r is None:\n    return") == {"d.engine"}
    # through an alias in the body, an annotated one, and the prefix a longer chain in applies= proved
    assert _retested(tmp_path, "lambda d: d.cost.budget is not None", "c: Cost | None = d.cost\nif c is None:\n    return") == {"d.cost"}
    # an applies function: its `if ... return False` tests and its returned `and`s, through its own aliases
    (tmp_path / "w.py").write_text(
        "def _applies(d):\n    c = d.engine_container\n    if c is None or d.partial:\n        return False\n"
        "    return d.max_surge is not None and (d.a or d.b)\n\n"
        "@declare('w', 'error', [], '', '', applies=_applies)\ndef check(d):\n"
        "    if d.partial or d.engine_container is None or d.max_surge is None or d.a:\n        return\n    yield 1\n", encoding="utf-8")
    assert retested(tmp_path / "w.py") == {"d.partial", "d.engine_container", "d.max_surge"}
