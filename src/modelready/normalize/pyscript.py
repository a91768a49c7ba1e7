"""The engine a Python start script builds, read with `ast` and never run: vLLM's `LLM(...)`,
`EngineArgs(...)`, `AsyncEngineArgs(...)` and SGLang's `Engine(...)`/`ServerArgs(...)`, whose keyword
arguments are the engine's own arguments (`max_model_len=8192` is `--max-model-len 8192`). A script
in a ConfigMap the pod mounts, a file a Dockerfile COPYs, or `python -c` text.

A value is read where it is certain from the files: a literal, a module constant, and
`os.getenv("X", default)` / `os.environ.get(...)` / `os.environ["X"]` resolved from the container's
literal env (else the default, when nothing else can set the variable). Anything else (an argument the
script parses, a computed value) is kept as an unresolved expression (`${...}`) that no check reads as
a value. `**kwargs`, or arguments taken from the command line (`from_cli_args`), make the call open:
what is not written proves nothing. Bounded: 64 KiB of text, 20,000 nodes; a script that does not parse
is no engine.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace

from ..findings import Loc
from .model import EnvVar, Value

MAX_TEXT = 64 * 1024
MAX_NODES = 20_000
# the calls whose keywords are an engine's arguments, by the package they are imported from
CALLS = {"vllm": {"LLM", "EngineArgs", "AsyncEngineArgs"}, "sglang": {"Engine", "ServerArgs"}}
_CONVERT = {"int": int, "float": float, "str": str}


@dataclass
class PyEngine:
    engine: str  # vllm | sglang
    call: str  # the class called ("AsyncEngineArgs")
    loc: Loc  # the call's line
    flags: dict[str, Value] = field(default_factory=dict)  # --max-model-len -> its value, at its keyword's line
    open_args: str | None = None  # why keywords not written may still be passed (**kwargs, from_cli_args)
    script_flags: frozenset[str] = frozenset()  # the script's own add_argument flags (when it reads its command line)


def read(text: str, at: Loc, env: list[EnvVar], env_closed: bool) -> PyEngine | None:
    """The first engine call of `text`; `at`: the file, and the line before the script's first line.
    `env_closed`: no envFrom or operator can add variables, so an unset variable takes its default."""
    if len(text) > MAX_TEXT:
        return None
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    nodes = []
    for i, node in enumerate(ast.walk(tree)):
        if i > MAX_NODES:
            return None
        nodes.append(node)
    names = _imported(nodes)
    if not names:
        return None
    reader = _Reader(at, {e.name: e for e in env}, env_closed, _constants(tree))
    calls = sorted((n for n in nodes if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset))
    for call in calls:
        hit = _engine_call(call, names)
        if hit is not None:
            return reader.engine(call, hit, nodes)
    return None


def _imported(nodes: list[ast.AST]) -> dict[str, tuple[str, str]]:
    """Local name -> (engine, class or '*' for the package itself): `from vllm import LLM as L`, `import sglang as sgl`."""
    out: dict[str, tuple[str, str]] = {}
    for n in nodes:
        if isinstance(n, ast.ImportFrom) and n.module and n.module.split(".")[0] in CALLS:
            engine = n.module.split(".")[0]
            for a in n.names:
                if a.name in CALLS[engine]:
                    out[a.asname or a.name] = (engine, a.name)
        elif isinstance(n, ast.Import):
            for a in n.names:
                if a.name.split(".")[0] in CALLS:
                    out[a.asname or a.name.split(".")[0]] = (a.name.split(".")[0], "*")
    return out


def _engine_call(call: ast.Call, names: dict[str, tuple[str, str]]) -> tuple[str, str] | None:
    f = call.func
    if isinstance(f, ast.Name) and f.id in names and names[f.id][1] != "*":
        return names[f.id]
    if isinstance(f, ast.Attribute) and f.attr == "from_cli_args" and isinstance(f.value, ast.Name) and f.value.id in names \
            and names[f.value.id][1] != "*":  # AsyncEngineArgs.from_cli_args(args): the script's command line
        return names[f.value.id][0], names[f.value.id][1] + ".from_cli_args"
    if isinstance(f, ast.Attribute):  # vllm.LLM(...), sgl.Engine(...), vllm.engine.arg_utils.EngineArgs(...)
        root = f.value
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id in names and names[root.id][1] == "*":
            engine = names[root.id][0]
            return (engine, f.attr) if f.attr in CALLS[engine] else None
    return None


def _constants(tree: ast.Module) -> dict[str, object]:
    """Module-level `NAME = literal`, assigned once."""
    out: dict[str, object] = {}
    twice: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name = stmt.targets[0].id
            try:
                value = ast.literal_eval(stmt.value)
            except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
                twice.add(name)
                continue
            if name in out:
                twice.add(name)
            out[name] = value
    return {k: v for k, v in out.items() if k not in twice}


_UNSET = object()


class _Reader:
    def __init__(self, at: Loc, env: dict[str, EnvVar], env_closed: bool, constants: dict[str, object]) -> None:
        self.at, self.env, self.env_closed, self.constants = at, env, env_closed, constants

    def loc(self, node: ast.AST) -> Loc:
        line = getattr(node, "lineno", 0)
        return replace(self.at, line=self.at.line + line) if self.at.line or line else self.at

    def engine(self, call: ast.Call, hit: tuple[str, str], nodes: list[ast.AST]) -> PyEngine:
        engine, cls = hit
        eng = PyEngine(engine, cls, self.loc(call))
        if call.args and engine == "vllm" and not cls.endswith(".from_cli_args"):  # LLM(model, ...): the first positional parameter is the model
            eng.flags["--model"] = self.value(call.args[0], "model")
        for kw in call.keywords:
            if kw.arg is None:
                eng.open_args = f"{cls}(**{ast.unparse(kw.value)[:40]}) passes arguments the files do not show"
                continue
            eng.flags["--" + kw.arg.replace("_", "-")] = self.value(kw.value, kw.arg)
        if any(isinstance(n, ast.Attribute) and n.attr in ("from_cli_args", "add_cli_args") for n in nodes):
            eng.open_args = eng.open_args or "the script reads the engine's arguments from its command line (from_cli_args)"
            eng.script_flags = frozenset(_script_flags(nodes))
        return eng

    def value(self, node: ast.expr, name: str) -> Value:
        v = self.resolve(node)
        raw = f"{name}={ast.unparse(node)[:80]}"
        if v is _UNSET:
            return Value("${" + ast.unparse(node)[:60] + "}", self.loc(node), raw)
        return Value(v, self.at_env(node) or self.loc(node), raw)

    def at_env(self, node: ast.expr) -> Loc | None:
        """Where a value read from a variable the container sets is written: the env entry's line."""
        var = _env_name(node.args[0] if isinstance(node, ast.Call) and node.args and _is_conversion(node) else node)
        return self.env[var].loc if var and var in self.env and self.env[var].value is not None else None

    def resolve(self, node: ast.expr, depth: int = 0) -> object:
        if depth > 4:
            return _UNSET
        try:
            return ast.literal_eval(node)
        except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
            pass
        if isinstance(node, ast.Name):
            return self.constants.get(node.id, _UNSET)
        if isinstance(node, ast.Call) and _is_conversion(node):
            inner = self.resolve(node.args[0], depth + 1)
            return _convert(node, inner)
        return self.env_value(node, depth)

    def env_value(self, node: ast.expr, depth: int) -> object:
        var = _env_name(node)
        if var is None:
            return _UNSET
        e = self.env.get(var)
        if e is not None:
            return e.value if e.value is not None else _UNSET  # a Secret's value is never read
        default = node.args[1] if isinstance(node, ast.Call) and len(node.args) > 1 else None
        if not self.env_closed or default is None:
            return _UNSET
        return self.resolve(default, depth + 1)


def _is_conversion(node: ast.Call) -> bool:
    return isinstance(node.func, ast.Name) and node.func.id in (*_CONVERT, "bool") and len(node.args) == 1


def _convert(node: ast.Call, inner: object) -> object:
    if inner is _UNSET or not isinstance(node.func, ast.Name):
        return _UNSET
    if node.func.id == "bool":
        return bool(inner)  # bool("false") is True: what Python does, not what the name says
    try:
        return _CONVERT[node.func.id](inner)
    except (TypeError, ValueError):
        return _UNSET


def _env_name(node: ast.expr) -> str | None:
    """X of os.getenv("X", ...), os.environ.get("X", ...), os.environ["X"]."""
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        text = ast.unparse(node.func)
        if text in ("os.getenv", "getenv", "os.environ.get", "environ.get"):
            return node.args[0].value
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) in ("os.environ", "environ"):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
    return None


def _script_flags(nodes: list[ast.AST]) -> set[str]:
    return {a.value for n in nodes if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "add_argument"
            for a in n.args if isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value.startswith("-")}
