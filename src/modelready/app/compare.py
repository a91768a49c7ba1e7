"""`check --changed` and `check --baseline REF|FILE`: a pull request's view from the command line (only
what a change touches; only what it introduces). `modelready baseline` writes the file (commands.py)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from ..config import Config
from ..report import cost, verdict
from ..report.document import Report
from . import UsageError, baseline, git
from .judge import Judge


def changed(listing: str | None, root: Path, config: Config, paths: list[str] | None = None) -> Any:
    """--changed FILE, or the changed paths themselves (--touching): the scope of the change (what the
    pipeline renders, checks and keeps), or None."""
    if not listing and paths is None:
        return None
    from .scope import of_change

    return of_change(root.resolve(), paths if paths is not None else changed_paths(str(listing)), config)


def changed_paths(listing: str) -> list[str]:
    try:
        return [ln.strip() for ln in Path(listing).read_text(encoding="utf-8").splitlines() if ln.strip()]
    except OSError as e:
        raise UsageError(f"--changed {listing}: {e.strerror}") from None


def compare(spec: str, doc: Report, root: Path, out: TextIO, judge: Judge, listing: str | list[str] | None) -> Report:
    """--baseline: a baseline file, else a git commit (checked by `judge`, scoped by the --changed listing,
    in a temporary worktree); the report compared with it, which then fails only on new findings."""
    try:
        if Path(spec).is_file():
            doc = baseline.compare(doc, baseline.read(Path(spec)), spec)
            saved = baseline.report_of(Path(spec))  # a saved JSON report carries its deployments' costs
            if saved is not None:
                doc = replace(doc, cost_diff=cost.diff(doc, saved, spec))
        elif git.has_commit(root, spec):
            with git.worktree(root, spec) as tree:
                paths = changed_paths(listing) if isinstance(listing, str) else listing  # a listing file, or --touching's paths
                _result, base_doc = judge.tree(tree, paths)
                doc = baseline.compare(doc, baseline.fingerprints(base_doc, tree), spec)
                doc = replace(doc, cost_diff=cost.diff(doc, base_doc, spec))
        else:
            raise UsageError(f"--baseline {spec}: neither a file nor a commit of this clone")
    except baseline.NoBaseline as e:
        raise UsageError(f"--baseline {e}") from None
    doc = verdict.decide(doc, "new")
    b = doc.baseline
    assert b is not None  # set by baseline.compare above
    print(f"baseline {spec}: {sum(b.new.values())} new ({b.new['error']} error(s)), "
          f"{sum(b.pre_existing.values())} pre-existing, {b.fixed} fixed", file=out)
    line = (doc.cost_diff or {}).get("line")
    if line:
        print(line.replace("💰 ", "").replace("**", ""), file=out)
    return doc


def stream(args: argparse.Namespace) -> TextIO:
    """Where the baseline line goes: stdout under a human format, else stderr (JSON, SARIF stay clean)."""
    return sys.stdout if args.format in ("text", "markdown") and not args.output else sys.stderr
