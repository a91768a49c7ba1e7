"""The commands `check`, `catalog`, `init` and `plan` (`smoke` is in smoke.py, `github` in action.py)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..config import Config, ConfigError, find_config, load_config
from . import UsageError


def check(args: argparse.Namespace) -> int:
    from ..findings import Severity
    from ..report import REPORTERS, Output, by_extension
    from .run import load_smoke_results, run

    paths = existing([Path(p) for p in args.paths])
    root = Path(args.root) if args.root else default_root(paths)
    config = _config(Path(args.config) if args.config else find_config(root))
    config.online = not args.offline
    profile = _profile(args.profile or config.profile)
    fail_on = Severity.parse(args.fail_on) if args.fail_on else config.fail_on
    try:
        smoke = load_smoke_results([Path(p) for p in args.smoke_result])
    except ValueError as e:
        raise UsageError(str(e)) from None
    result, doc = run(paths, root, config, profile, fail_on, trivy=_trivy_options(args, config), smoke=smoke)
    applied: dict[str, list[str]] = {}
    for check_id, subject in result.applied:
        applied.setdefault(subject, []).append(check_id)
    if not args.output:
        sys.stdout.write(REPORTERS[args.format].render(Output(doc, applied, color=_color(args))))
    for path in args.output:
        reporter = by_extension(Path(path).suffix) or REPORTERS[args.format]
        Path(path).write_text(reporter.render(Output(doc, applied)), encoding="utf-8")
    if result.errors:
        for e in result.errors:
            print(f"modelready: internal error: {e}", file=sys.stderr)
        return 2
    return 1 if doc["summary"]["result"] == "fail" else 0


def _config(path: Path | None) -> Config:
    """The config file, with every check it names known."""
    from ..checks import registry

    try:
        config = load_config(path)
    except ConfigError as e:
        raise UsageError(str(e)) from None
    unknown = (config.disable | config.enable | set(config.severity)) - set(registry())
    if unknown:
        raise UsageError(f"config names unknown checks: {', '.join(sorted(unknown))}")
    return config


def _profile(profile: str | None) -> str | None:
    from ..catalog import load as load_catalog

    if profile and profile not in load_catalog().profiles:
        raise UsageError(f"unknown profile {profile!r}; known: {', '.join(load_catalog().profiles)}")
    return profile


def _color(args: argparse.Namespace) -> bool:
    return not args.no_color and sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _trivy_options(args: argparse.Namespace, config: Config):  # type: ignore[no-untyped-def]
    if not args.trivy:
        return None
    from ..scan import trivy

    try:
        return trivy.Options.parse(args.trivy, binary=args.trivy_bin, **config.trivy)
    except ValueError as e:
        raise UsageError(f"--trivy {e}") from None


def catalog(args: argparse.Namespace) -> int:
    from ..catalog import load
    from ..report import catalog as render

    cat = load()
    try:
        items = cat.select(args.profile)
    except KeyError as e:
        raise UsageError(e.args[0]) from None
    sys.stdout.write(render.render(args.format, args.profile, cat.profiles[args.profile]["title"], items, cat.coverage(items)))
    return 0


def init(args: argparse.Namespace) -> int:
    from .. import pipeline
    from ..normalize.architecture import ModelArch
    from ..spec.scaffold import scaffold

    path, = existing([Path(args.path)])
    result = pipeline.run([path], Config(), default_root([path]))
    dep = select(result, args.deployment, path)
    arch = ModelArch.from_config(result.configs[0].data) if len(result.configs) == 1 else None
    params = float(arch.params().total) if arch is not None else None
    text = scaffold(dep, params)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def plan(args: argparse.Namespace) -> int:
    """A matrix for `strategy.matrix` (fromJSON): one entry per serving deployment, so a workflow fans
    the smoke run out over many GPU runners. Also written to $GITHUB_OUTPUT as `matrix` when set."""
    from .. import pipeline
    from ..publish import runner
    from ..smoke.target import plan as smoke_plan
    from .scope import narrow_to

    paths = existing([Path(p) for p in args.paths])
    result = pipeline.run(paths, Config(), default_root(paths))
    if args.changed:
        narrow_to(result, [ln.strip() for ln in Path(args.changed).read_text(encoding="utf-8").splitlines() if ln.strip()])
    include = smoke_plan(result.deployments, args.gpu_only)
    matrix = json.dumps({"include": include}, separators=(",", ":"))
    sys.stdout.write(matrix + "\n")
    runner.from_env().write_output(matrix=matrix, count=len(include))  # when run as a workflow step
    return 0


def select(result, wanted: str | None, path: Path):  # type: ignore[no-untyped-def]
    """The serving deployment a smoke run or a plan entry means: by name or by id (ref@origin).
    A chart renders once per values set; its defaults describe it unless an id names another set."""
    serving = [d for d in result.deployments if d.serving]
    if wanted:
        serving = [d for d in serving if wanted in (d.name, f"{d.ref}@{d.origin}", d.ref)]
    serving.sort(key=lambda d: (not d.origin.endswith("@values.yaml"), d.origin))
    names = sorted({d.name for d in serving})
    if not serving:
        raise UsageError(f"{path}: no serving deployment found" + (f" named {wanted}" if wanted else ""))
    if len(names) > 1:
        raise UsageError(f"{path} holds several serving deployments ({', '.join(names)}): choose one with --deployment")
    return serving[0]


def existing(paths: list[Path]) -> list[Path]:
    for p in paths:
        if not p.exists():
            raise UsageError(f"{p}: no such file or directory")
    return paths


def default_root(paths: list[Path]) -> Path:
    cwd = Path.cwd().resolve()
    if all(cwd == p.resolve() or cwd in p.resolve().parents for p in paths):
        return cwd
    first = paths[0].resolve()
    return first if first.is_dir() else first.parent
