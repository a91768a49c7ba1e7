"""`modelready smoke`: start one deployment for real and measure it, writing smoke-result.json."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Any

from ..config import Config, ConfigError, find_config, load_config
from . import UsageError
from .commands import config_path, default_root, existing, select, writable, write

# command-line option -> smoke.run.Options field it overrides
OPTION_FIELDS = {"ready_timeout": "ready_timeout_s", "concurrency": "concurrency", "duration": "duration_s",
                 "max_tokens": "max_tokens", "request_timeout": "request_timeout_s"}


def command(args: argparse.Namespace) -> int:
    from ..smoke import run as smoke_run

    where = Path(args.path) if Path(args.path).exists() else Path.cwd()
    try:
        config = load_config(config_path(args.config) or find_config(default_root([where]), where))
    except ConfigError as e:
        raise UsageError(str(e)) from None
    for w in config.warnings:
        print(f"modelready: warning: {w}", file=sys.stderr)
    out = writable(Path(args.output))
    target, spec_view = _target(args, config)
    if args.spec:
        spec_view = _spec_file(Path(args.spec))
    opts = smoke_run.Options(**config.smoke)
    for option, name in OPTION_FIELDS.items():
        if getattr(args, option) is not None:
            setattr(opts, name, getattr(args, option))
    opts.api_key_env = args.api_key_env
    if spec_view is not None:
        opts.slo = spec_view.get("slo")
        opts.prompts = [str(p) for p in spec_view.get("release", "canaryPrompts", default=[]) or []]
    doc = smoke_run.smoke(target, _launcher(args.launcher, out), opts, smoke_run.Progress())
    write(out, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    sys.stdout.write(_text(doc))
    if doc["interrupted"]:
        return 130
    return 1 if doc["result"] == "fail" else 0


def _target(args: argparse.Namespace, config: Config) -> tuple[Any, Any]:
    """The smoke target (with the command line's overrides) and the ModelSpec describing its deployment, if any."""
    from .. import pipeline
    from ..smoke import target as tgt

    spec_view = None
    if args.command and not (args.deployment or args.path != "."):
        target = tgt.from_command(args.command, args.image, args.port or 8000, args.health_path or "/health", args.engine or "openai")
    else:
        path, = existing([Path(args.path)])
        result = pipeline.run([path], Config(charts=config.charts, exclude=config.exclude), default_root([path]))
        dep = select(result, args.deployment, path)
        target = tgt.from_deployment(dep)
        spec_view = next((v for v in result.spec_views if dep in v.deployments), None)
        if args.command:
            target.command, target.args = shlex.split(args.command), []
        for attr in ("image", "port", "health_path", "engine"):
            if getattr(args, attr):
                setattr(target, attr, getattr(args, attr))
    if args.gpus is not None:
        target.gpus = args.gpus
    if args.model:
        target.model = args.model
    return target, spec_view


def _launcher(kind: str, out: Path) -> Any:
    from ..smoke import launch

    if kind != "docker":
        return launch.ProcessLauncher(out.with_name(out.stem + ".log"))
    try:
        return launch.DockerLauncher()
    except Exception as e:  # the SDK raises DockerException and others when no engine answers
        raise UsageError(f"docker: no engine to talk to ({e})") from None


def _spec_file(path: Path) -> Any:
    """A ModelSpec given by --spec, loaded and validated as `modelready check` would."""
    from .. import pipeline

    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    result = pipeline.run([path], Config(), path.parent)
    if not result.spec_views:
        raise UsageError(f"{path}: not a ModelSpec")
    invalid = [f for f in result.findings if f.check == "modelspec-invalid"]
    if invalid:
        raise UsageError(f"{path}:{invalid[0].loc.line}: invalid ModelSpec: {invalid[0].message}")
    return result.spec_views[0]


def _text(doc: dict[str, Any]) -> str:
    from ..smoke.verdict import figures

    marks = {"passed": "✅", "failed": "❌", "skipped": "–"}
    lines = [f"smoke {doc['target']['name']} ({doc['launcher']}): {doc['result']}", *(f"  {f}" for f in figures(doc))]
    lines += [f"  {marks[v['status']]} {item}: {v['why']}" for item, v in doc["items"].items()]
    return "\n".join(lines) + "\n"
