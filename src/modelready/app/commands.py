"""The commands `check`, `baseline`, `checks`, `explain`, `catalog`, `init` and `plan` (`smoke` is in smoke.py,
`github` in action.py)."""

from __future__ import annotations

from typing import Any, Iterator, Mapping

import argparse
import gc
import json
import os
import shutil
import sys
from dataclasses import replace
from pathlib import Path

from ..config import Config, ConfigError, find_config, load_config
from ..report import verdict
from ..report.document import Report
from ..report.inert import redact
from . import UsageError, baseline, compare
from .judge import Judge


def check(args: argparse.Namespace) -> int:
    # What a check builds holds next to no reference cycle, and most of it lives to the end: the collector would
    # walk it over and over (pipeline.run keeps it off its own stages; the report's are as many objects again).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _check(args)
    finally:
        gc.freeze()  # else the first collection after it would walk everything made while it was off
        if enabled:
            gc.enable()


def _check(args: argparse.Namespace) -> int:
    from ..config import parse_fail_on
    from .run import run

    paths = existing([Path(p) for p in args.paths])
    outputs = [(None if p == "-" else Path(p), output_reporter(p, args.format)) for p in args.output]
    if args.statistics and args.format not in ("text", "json"):
        raise UsageError(f"--statistics prints text or json, not {args.format}")
    root = Path(args.root) if args.root else default_root(paths)
    touched, paths = _touching(args, paths, root)
    found_config = config_path(args.config) or find_config(root, paths[0])
    config = _selected(_config(found_config), args)
    config.online = not args.offline
    config.cache = not getattr(args, "no_cache", False)
    profile = _profile(args.profile or config.profile)
    fail_on = parse_fail_on(args.fail_on) if args.fail_on else config.fail_on
    if args.show_settings:
        sys.stdout.write(settings(args, found_config, root, paths, config, profile, fail_on, touched))
        return 0
    smoke = _smoke_results(args.smoke_result)
    trivy = _trivy_options(args, config)
    result, doc = run(paths, root, config, profile, fail_on, trivy=trivy, smoke=smoke, scope=compare.changed(args.changed, root, config, touched))
    if not doc.summary.files_checked:
        print(f"modelready: no deployment files found under {', '.join(map(str, args.paths))}", file=sys.stderr)
    if args.baseline:
        judge = Judge([p.resolve().relative_to(root.resolve()) for p in paths], config, profile, fail_on, trivy)
        doc = compare.compare(args.baseline, doc, root, compare.stream(args), judge, touched if touched is not None else args.changed)
    _report(args, doc, _applied(result), outputs)
    _LAST[:] = [result, doc]  # freed by the process's exit (cli.exit_now), not one object at a time before it
    return _exit_code(result.errors, doc)


_LAST: list[object] = []  # the last run's result and report (a process that runs again frees them then)


def _smoke_results(paths: list[str]) -> list[dict[str, Any]]:
    from .run import load_smoke_results

    try:
        return load_smoke_results([Path(p) for p in paths])
    except ValueError as e:
        raise UsageError(str(e)) from None


def _exit_code(errors: list[str], doc: Report) -> int:
    """3 when modelready failed on some input (each said), else the verdict's."""
    if errors:
        from ..isolate import EXIT_INTERNAL

        for e in errors:
            print(f"modelready: {e}", file=sys.stderr)
        return EXIT_INTERNAL
    return 1 if verdict.of(doc).fails else 0


def baseline_file(args: argparse.Namespace) -> int:
    """`modelready baseline`: the findings of today, as fingerprints (like Checkov's --create-baseline)."""
    from ..findings import Severity
    from .run import run

    paths = existing([Path(p) for p in args.paths])
    root = Path(args.root) if args.root else default_root(paths)
    config = _config(Path(args.config) if args.config else find_config(root))
    _result, doc = run(paths, root, config, None, Severity.error)
    baseline.write(doc, Path(args.output))
    print(f"modelready: {len(doc.active)} finding(s) written to {args.output}")
    return 0


def _selected(config: Config, args: argparse.Namespace) -> Config:
    """--select and --ignore over the config's own choice of checks."""
    from ..checks import registry

    try:
        config.select_checks(_ids(args.select), _ids(args.ignore), registry())
    except ConfigError as e:
        raise UsageError(str(e)) from None
    return config


def _report(args: argparse.Namespace, doc: Report, applied: Mapping[str, list[str]], outputs: list) -> None:  # type: ignore[type-arg]
    """stdout (the statistics, the text a person reads, or --format; `-o -` is stdout too), then each -o file
    and its one line on stderr."""
    from ..report import REPORTERS, Output, rules, text

    files = [(path, reporter) for path, reporter in outputs if path is not None]
    on_stdout = [reporter for path, reporter in outputs if path is None] or ([] if files else [REPORTERS[args.format]])
    if args.statistics:
        sys.stdout.write(rules.statistics_json(doc) if args.format == "json" else rules.statistics_text(doc))
        on_stdout = []
    for reporter in on_stdout:
        _to_stdout(args, reporter, Output(doc, applied, color=_color(args)))
    for path, reporter in files:
        write(path, reporter.render(Output(doc, applied)))
    if files:
        print(f"modelready: {text.one_line(doc)}; wrote {', '.join(str(p) for p, _ in files)}", file=sys.stderr)


def _to_stdout(args: argparse.Namespace, reporter: Any, out: Any) -> None:
    """One --format on stdout: the text a person reads at the terminal's width, workflow commands through the
    stream guard's door for modelready's own, any other as its reporter renders it."""
    from ..report import text

    if reporter.name == "text":
        sys.stdout.write(text.render(out.doc, color=out.color, width=shutil.get_terminal_size((100, 24)).columns,
                                     min_severity=args.min_severity, quiet=args.quiet, pre_existing=args.show_pre_existing,
                                     memory=getattr(args, "memory", False)))
    elif reporter.commands and hasattr(sys.stdout, "command"):  # annotations: modelready's own workflow commands
        for line in reporter.render(replace(out, color=False)).splitlines():
            sys.stdout.command(line)
    else:
        sys.stdout.write(reporter.render(out))


def settings(args: argparse.Namespace, found: Path | None, root: Path, paths: list[Path], config: Config,  # type: ignore[no-untyped-def]
             profile: str | None, fail_on, touched: list[str] | None) -> str:
    """`check --show-settings`: what a run with these arguments would use, and where each came from (Ruff's)."""
    rows = [("config", str(found) if found else "none found (defaults)"), ("root", str(root.resolve())),
            ("paths", " ".join(map(str, paths))), ("changed files", " ".join(touched) if touched is not None else args.changed or "-"),
            ("profile", profile or "from what is detected"), ("fail on", fail_on.name if fail_on else "never"),
            *_config_settings(config), ("hugging face hub", _hub_setting(args)),
            ("cache", _cache_setting(root, config)), ("baseline", args.baseline or "-"),
            ("trivy", args.trivy or "-")]
    return "".join(f"{name + ':':<20} {value}\n" for name, value in rows)


def _config_settings(config: Config) -> list[tuple[str, str]]:
    """The rows of `--show-settings` the config (with --select and --ignore) decides."""
    from ..checks import registry

    running = sorted(c.id for c in registry().values() if (c.enabled or c.id in config.enable) and c.id not in config.disable)
    off = sorted(set(registry()) - set(running))
    return [("checks", f"{len(running)} of {len(registry())} run" + (f"; off: {', '.join(off)}" if off else "")),
            ("severity overrides", ", ".join(f"{k}={v.name}" for k, v in sorted(config.severity.items())) or "-"),
            ("exclude", ", ".join(config.exclude) or "-"),
            ("values sets", ", ".join(f"{c}: {len(v)}" for c, v in sorted(config.charts.items())) or "discovered per chart")]


def _applied(result) -> Mapping[str, list[str]]:  # type: ignore[no-untyped-def]
    """The checks applied per subject (JUnit's passing cases)."""
    return _Applied(result.applied)


class _Applied(Mapping[str, list[str]]):
    """(check, subject) pairs grouped per subject when a reporter first reads them: JUnit alone does (60-70 ms of
    grouping on 10,000 manifests)."""

    def __init__(self, pairs: set[tuple[str, str]]) -> None:
        self._pairs = pairs
        self._grouped: dict[str, list[str]] | None = None

    def _by_subject(self) -> dict[str, list[str]]:
        if self._grouped is None:
            self._grouped = {}
            for check_id, subject in self._pairs:
                self._grouped.setdefault(subject, []).append(check_id)
        return self._grouped

    def __getitem__(self, subject: str) -> list[str]:
        return self._by_subject()[subject]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_subject())

    def __len__(self) -> int:
        return len(self._by_subject())


def _hub_setting(args: argparse.Namespace) -> str:
    if args.offline:
        return "no (--offline)"
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "on", "yes", "true"):
        return "no (HF_HUB_OFFLINE is set)"
    return f"yes, {os.environ.get('HF_ENDPOINT') or 'https://huggingface.co'} (--offline turns it off)"


def _cache_setting(root: Path, config: Config) -> str:
    from ..cache import where

    return where(root, bool(config.cache))[1]


def _touching(args: argparse.Namespace, paths: list[Path], root: Path) -> tuple[list[str] | None, list[Path]]:
    """--touching: pre-commit passes the changed files; the repository is checked, for what they touch."""
    if not args.touching:
        return None, paths
    return [rel_to(p, root) for p in paths], [root]


def rel_to(path: Path, root: Path) -> str:
    """A path as the repository names it (pre-commit passes them relative to the top level already)."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise UsageError(f"{path}: not inside the root {root}") from None


def checks(args: argparse.Namespace) -> int:
    """`modelready checks`: every check, as a table or JSON."""
    from ..checks import registry
    from ..report import rules

    found = registry().values()
    sys.stdout.write(rules.checks_json(found) if args.format == "json" else rules.checks_table(found))
    return 0


def explain(args: argparse.Namespace) -> int:
    """`modelready explain ID`: the check's document."""
    from ..catalog import load
    from ..checks import registry
    from ..config import did_you_mean
    from ..report import rules

    found = registry()
    if args.check_id not in found:
        raise UsageError(f"unknown check {args.check_id!r}{did_you_mean(args.check_id, found)}; `modelready checks` lists them")
    sys.stdout.write(rules.explain(found[args.check_id], {i.id: i.title for i in load().items}))
    return 0


def _config(path: Path | None) -> Config:
    """The config file; its unknown keys and check IDs are warnings with the nearest known name."""
    from ..checks import registry

    try:
        config = load_config(path)
    except ConfigError as e:
        raise UsageError(str(e)) from None
    for w in config.warnings + config.unknown_checks(registry()):
        print(f"modelready: warning: {w}", file=sys.stderr)
    return config


def output_reporter(path: str, default: str):  # type: ignore[no-untyped-def]
    """The reporter an output file's extension names (none: --format). Checked before the run, with the
    folder, so a typo costs nothing."""
    from ..report import REPORTERS, by_extension, extensions

    if path == "-":
        return REPORTERS[default]
    p = Path(path)
    reporter = by_extension(p.suffix) if p.suffix else REPORTERS[default]
    if reporter is None:
        raise UsageError(f"-o {path}: unknown extension {p.suffix!r} (use {extensions()}, or none for --format)")
    writable(p)
    return reporter


def writable(p: Path) -> Path:
    """An output path whose folder exists and that is not a folder itself: said before any work is done."""
    if not p.parent.is_dir():
        raise UsageError(f"-o {p}: no such directory {p.parent}")
    if p.is_dir():
        raise UsageError(f"-o {p}: is a directory")
    return p


def write(path: Path, text: str) -> None:
    try:
        path.write_text(redact(text), encoding="utf-8")
    except OSError as e:
        raise UsageError(f"{path}: cannot write: {e.strerror or e}") from None


def config_path(name: str | None) -> Path | None:
    if name and not Path(name).is_file():
        raise UsageError(f"--config {name}: no such file")
    return Path(name) if name else None


def _ids(values: list[str]) -> list[str] | None:
    """--select a,b --select c -> [a, b, c]; not given -> None."""
    out = [v.strip() for value in values for v in value.split(",") if v.strip()]
    return out if values else None


def _profile(profile: str | None) -> str | None:
    from ..catalog import load as load_catalog

    if profile and profile not in load_catalog().profiles:
        raise UsageError(f"unknown profile {profile!r}; known: {', '.join(load_catalog().profiles)}")
    return profile


def _color(args: argparse.Namespace) -> bool:
    """--no-color, then NO_COLOR (no-color.org), then FORCE_COLOR (a CI log that shows colours), then a TTY."""
    if args.no_color or os.environ.get("NO_COLOR"):
        return False
    return bool(os.environ.get("FORCE_COLOR")) or sys.stdout.isatty()


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
    if args.output:
        writable(Path(args.output))
    result = pipeline.run([path], Config(), default_root([path]))
    dep = select(result, args.deployment, path)
    arch = ModelArch.from_config(result.configs[0].data) if len(result.configs) == 1 else None
    params = float(arch.params().total) if arch is not None else None
    text = scaffold(dep, params)
    if args.output:
        write(Path(args.output), text)
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
    root = default_root(paths)
    config = _config(config_path(args.config) or find_config(root, paths[0]))
    try:
        changed = Path(args.changed).read_text(encoding="utf-8").splitlines() if args.changed else None
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"--changed {args.changed}: cannot be read: {getattr(e, 'strerror', None) or e}") from None
    result = pipeline.run(paths, Config(charts=config.charts, exclude=config.exclude), root)
    if changed is not None:
        narrow_to(result, [ln.strip() for ln in changed if ln.strip()])
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
        serving = [d for d in serving if wanted in (d.name, d.id, d.ref)]
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
    from ..roots import default_root as root_of

    return root_of(paths)
