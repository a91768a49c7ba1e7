"""ModelSpec documents -> SpecViews: each spec with the deployment it describes, the model config it
names, and its specRef graph resolved (inside the repository only) with cycles found."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..discover import resolve
from ..findings import Loc
from ..load.artifacts import ModelConfig, ModelSpecDoc
from ..load.yamlsrc import line_of
from .architecture import ModelArch
from ..spec import validate
from .model import Deployment
from .modelspec import ModelSpec


@dataclass
class SpecRef:
    name: str
    target: str  # as written
    resolved: str | None  # repository-relative path when it resolves inside the repository
    optional: bool
    problem: str | None  # None, "missing", "absolute", "escapes", "symlink-outside", "not-a-modelspec"
    latency_budget_ms: float | None
    loc: Loc


@dataclass
class SpecView:
    file: str
    body: dict[str, Any]
    name: str
    spec: ModelSpec  # what the spec declares, typed
    problems: list[tuple[str, Loc]]  # where the document does not validate against the ModelSpec schema
    deployments: list[Deployment] = field(default_factory=list)
    arch: ModelArch | None = None  # of the model config.json the spec names (or that sits beside it)
    arch_file: str = ""
    refs: list[SpecRef] = field(default_factory=list)
    cycles: list[list[str]] = field(default_factory=list)  # the shortest cycle through this spec, as files, closed
    targets: dict[str, "SpecView"] = field(default_factory=dict)  # resolved path -> the spec it names

    def get(self, *path: str, default: Any = None) -> Any:
        cur = self.body.get("spec", {})
        for key in path:
            if not isinstance(cur, dict) or key not in cur:
                return default
            cur = cur[key]
        return cur

    def loc(self, *path: str | int) -> Loc:
        return Loc(self.file, line_of(self.body, "spec", *path))

    def declared_at(self, path: str) -> int | None:
        """Line of the dotted `path` under `spec` (or at the document's top level) when it holds a value, else None."""
        spec = self.body.get("spec")
        for root in (spec if isinstance(spec, dict) else None, self.body):
            cur: Any = root
            line: int = getattr(root, "line", 0)
            for key in path.split("."):
                if not isinstance(cur, dict) or key not in cur:
                    cur = None
                    break
                line = getattr(cur, "lines", {}).get(key, line)
                cur = cur[key]
            if cur is not None and cur != "" and cur != []:
                return line
        return None


def build(specs: list[ModelSpecDoc], deployments: list[Deployment], configs: list[ModelConfig], root: Path) -> list[SpecView]:
    views = [_view(d) for d in specs]
    by_file = {v.file: v for v in views}
    config_by_file = {c.file: c for c in configs}
    for v in views:
        v.deployments = _linked(v, deployments)
        _declare_loading(v)
        config = _config(v, config_by_file)
        if config is not None:
            v.arch, v.arch_file = ModelArch.from_config(config.data, config.quantize_config), config.file
        deps = v.get("dependencies")
        for i, dep in enumerate(deps if isinstance(deps, list) else []):  # another type: modelspec-invalid says so
            if isinstance(dep, dict) and isinstance(dep.get("specRef"), str):
                v.refs.append(_resolve(v, i, dep, root, by_file))
        v.targets = {r.resolved: by_file[r.resolved] for r in v.refs if r.resolved in by_file}
    for v in views:
        cycle = _shortest_cycle(v)
        v.cycles = [cycle] if cycle else []
    return views


def _declare_loading(v: SpecView) -> None:
    """The spec's model.loading on its deployments: the declared intent checks on weight storage respect."""
    for d in v.deployments if v.spec.loading else []:
        d.declared_loading = v.spec.loading


def _view(doc: ModelSpecDoc) -> SpecView:
    meta, spec = doc.body.get("metadata"), doc.body.get("spec")
    name = str(meta.get("name", "")) if isinstance(meta, dict) else ""
    problems = [(message, Loc(doc.file, line_of(doc.body, *path))) for message, path in validate(doc.body)]
    return SpecView(doc.file, doc.body, name, ModelSpec.from_spec(spec if isinstance(spec, dict) else {}), problems)


def _linked(v: SpecView, deployments: list[Deployment]) -> list[Deployment]:
    ref = v.get("deploymentRef") or {}
    name = ref.get("name") if isinstance(ref, dict) else None
    kind = ref.get("kind") if isinstance(ref, dict) else None
    out = []
    for d in deployments:
        if not d.serving:
            continue
        if name:
            if d.name == name and (kind is None or d.kind == kind):
                out.append(d)
        elif v.name and (d.name == v.name or d.name.endswith("-" + v.name)):
            out.append(d)
    return out


def _config(v: SpecView, configs: dict[str, ModelConfig]) -> ModelConfig | None:
    named = v.get("model", "configPath")
    if isinstance(named, str):
        return configs.get(os.path.normpath(named))
    beside = str(Path(v.file).parent / "config.json") if Path(v.file).parent != Path(".") else "config.json"
    return configs.get(beside)


def _resolve(v: SpecView, i: int, dep: dict[str, Any], root: Path, by_file: dict[str, SpecView]) -> SpecRef:
    target = dep["specRef"]
    loc = Loc(v.file, line_of(v.body, "spec", "dependencies", i, "specRef"))
    ref = SpecRef(str(dep.get("name", target)), target, None, bool(dep.get("optional")), None, dep.get("latencyBudgetMs"), loc)
    if os.path.isabs(target):
        ref.problem = "absolute"
        return ref
    joined = os.path.normpath(target)  # repository-relative, never relative to the spec's folder
    if joined == ".." or joined.startswith("../"):
        ref.problem = "escapes"
        return ref
    path = root / joined
    try:
        real = resolve(path)  # bounded: a loop of links is Refused (an OSError), where Path.resolve raised RuntimeError
        real.relative_to(resolve(root))
        exists = path.exists()
    except ValueError:
        ref.problem = "symlink-outside"
        return ref
    except OSError:  # a name too long for the file system, a loop of links: it names no file here
        exists = False
    if not exists:
        ref.problem = "missing"
    elif joined not in by_file:
        ref.problem = "not-a-modelspec"
    else:
        ref.resolved = joined
    return ref


def _shortest_cycle(start: SpecView) -> list[str]:
    """The shortest cycle back to `start` (breadth first), [] when there is none.

    One cycle per spec, not every simple cycle: ten specs that all name each other have millions of
    those. The smallest file of each cyclic group still reports its own cycle, so no group goes unreported.
    """
    parent: dict[int, SpecView | None] = {id(start): None}
    queue = [start]
    for v in queue:
        for _target, nxt in sorted(v.targets.items()):
            if nxt is start:
                path: list[SpecView] = []
                back: SpecView | None = v
                while back is not None:
                    path.append(back)
                    back = parent[id(back)]
                return [p.file for p in reversed(path)] + [start.file]
            if id(nxt) not in parent:
                parent[id(nxt)] = v
                queue.append(nxt)
    return []
