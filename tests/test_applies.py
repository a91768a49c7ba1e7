"""A check's `applies=` says once which subjects it is about; its body should not test the same again.
Measured here: for each check, the attribute chains its `applies=` condition tests (`d.engine`,
`d.engine_container`, `d.partial`, `v.arch`...) and the `if` conditions of its body that test one of them
again (directly, or through a local name bound to it: `c = d.engine_container; if c is None: return`).

Many bodies still re-test, most of them to narrow an Optional for mypy (the type of the subject does not
carry what `applies=` proved). `RETESTING` lists them at the time the guard came in: a check may leave the
list, and no other check may join it."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "modelready" / "checks"
RETESTING = set("""
cost_over_budget gpu_class_oversized remote_code_needless
cpu_memory_requests dev_shm_missing engine_flag_deprecated engine_public_no_auth experts_uneven_over_ep
gated_model_token_empty gpus_exceed_parallelism hpa_cpu_only liveness_probe_missing
metrics_port_mismatch model_revision_unpinned parallelism_exceeds_gpus parallelism_shape_mismatch
readiness_probe_missing remote_code_unpinned rollout_surge_multi_node scale_to_zero startup_too_short
weights_downloaded_every_start weights_on_host_path
""".split())


def _chains(node: ast.AST, aliases: dict[str, str]) -> set[str]:
    """`d.engine.x`, `d.partial`, … named in an expression (a local alias read as what it stands for), each
    with its prefixes: `d.engine.x` tests `d.engine` too."""
    out: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Attribute):
            parts = []
            cur: ast.AST = n
            while isinstance(cur, ast.Attribute):
                parts.append(cur.attr)
                cur = cur.value
            if isinstance(cur, ast.Name):
                base = aliases.get(cur.id, cur.id)
                chain = ".".join([base, *reversed(parts)])
                bits = chain.split(".")
                out |= {".".join(bits[:k]) for k in range(2, len(bits) + 1)}
        elif isinstance(n, ast.Name) and n.id in aliases:
            out.add(aliases[n.id])
    return out


def _conditions(fn: ast.FunctionDef | ast.Lambda) -> list[ast.AST]:
    if isinstance(fn, ast.Lambda):
        return [fn.body]
    return [n.test for n in ast.walk(fn) if isinstance(n, (ast.If, ast.IfExp))] + [n.value for n in ast.walk(fn) if isinstance(n, ast.Return) and n.value]


def _first_arg(fn: ast.FunctionDef | ast.Lambda) -> str | None:
    return fn.args.args[0].arg if fn.args.args else None


def retested(path: Path) -> set[str]:
    """Chains a check body tests that its `applies=` tested (renamed to the body's own subject name)."""
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
            tested = {c.replace(subject, own, 1) for cond in _conditions(target) for c in _chains(cond, {})}
            aliases = {t.id: ".".join(sorted(_chains(n.value, {}), key=len)[-1:]) for n in ast.walk(fn) if isinstance(n, ast.Assign)
                       for t in n.targets if isinstance(t, ast.Name) and isinstance(n.value, ast.Attribute)}
            body = {c for n in ast.walk(fn) if isinstance(n, ast.If) for c in _chains(n.test, aliases)}
            found |= tested & body
    return found


def test_no_new_check_re_tests_its_applies_condition():
    offenders = {p.stem for p in SRC.glob("*.py") if retested(p)}
    assert offenders - RETESTING == set()


def test_a_re_test_is_found(tmp_path):
    (tmp_path / "x.py").write_text(
        "@declare('x', 'error', [], '', '', applies=lambda d: d.engine is not None)\n"
        "def check(d):\n    e = d.engine\n    if e is None:\n        return\n    yield 1\n", encoding="utf-8")
    (tmp_path / "y.py").write_text(
        "@declare('y', 'error', [], '', '', applies=lambda d: d.engine is not None)\n"
        "def check(d):\n    if d.replicas > 1:\n        yield 1\n", encoding="utf-8")
    assert retested(tmp_path / "x.py") == {"d.engine"} and retested(tmp_path / "y.py") == set()
