"""`check --changed`, `check --baseline REF|FILE` and `modelready baseline`: a pull request's view from the
command line (only what a change touches; only what it introduces)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, TextIO

from ..config import Config, find_config
from . import UsageError, baseline


def changed(listing: str | None, root: Path, config: Config, paths: list[str] | None = None):  # type: ignore[no-untyped-def]
    """--changed FILE, or the changed paths themselves (--touching): (the scope before the pipeline, the
    narrowing after it), or (None, None)."""
    if not listing and paths is None:
        return None, None
    from .scope import narrow_to, of_change

    if paths is None:
        try:
            paths = [ln.strip() for ln in Path(str(listing)).read_text(encoding="utf-8").splitlines() if ln.strip()]
        except OSError as e:
            raise UsageError(f"--changed {listing}: {e.strerror}") from None
    return of_change(root.resolve(), paths, config), lambda res: narrow_to(res, paths)


def compare(spec: str, doc: dict, root: Path, out: TextIO, check_tree: Callable[[Path], dict]) -> None:
    """--baseline: a baseline file, else a git commit; the result then fails only on new findings."""
    try:
        if Path(spec).is_file():
            baseline.compare(doc, baseline.read(Path(spec)), spec)
        elif baseline.is_ref(root, spec):
            baseline.compare(doc, baseline.at_ref(root, spec, check_tree), spec)
        else:
            raise UsageError(f"--baseline {spec}: neither a file nor a commit of this clone")
    except baseline.BaselineError as e:
        raise UsageError(f"--baseline {e}") from None
    baseline.gate(doc, "new")
    b = doc["baseline"]
    print(f"baseline {spec}: {sum(b['new'].values())} new ({b['new']['error']} error(s)), "
          f"{sum(b['pre_existing'].values())} pre-existing, {b['fixed']} fixed", file=out)


def command(args: argparse.Namespace) -> int:
    """`modelready baseline`: the findings of today, as fingerprints (like Checkov's --create-baseline)."""
    from ..findings import Severity
    from .commands import _config, default_root, existing
    from .run import run

    paths = existing([Path(p) for p in args.paths])
    root = Path(args.root) if args.root else default_root(paths)
    config = _config(Path(args.config) if args.config else find_config(root))
    _result, doc = run(paths, root, config, None, Severity.error)
    baseline.write(doc, Path(args.output))
    print(f"modelready: {len([f for f in doc['findings'] if not f['suppressed']])} finding(s) written to {args.output}")
    return 0


def stream(args: argparse.Namespace) -> TextIO:
    """Where the baseline line goes: stdout under a human format, else stderr (JSON, SARIF stay clean)."""
    return sys.stdout if args.format in ("text", "markdown") and not args.output else sys.stderr
