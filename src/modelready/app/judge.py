"""How a run checks a tree, the same for a pull request's head, its base commit's worktree, an audit and
`check --baseline`: one value holding what decides the findings, applied to a tree."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Config
from ..findings import Severity
from ..report.document import Report
from . import scope
from .inputs import Inputs


@dataclass(frozen=True)
class Judge:
    paths: list[Path]  # relative to the tree
    config: Config
    profile: str | None
    fail_on: Severity | None
    trivy: Any = None  # scan.trivy.Options, or None
    smoke: list[dict[str, Any]] | None = None
    # deployments linked to a touched object, in any tree this judge checked (scope.Scope.linked): a deployment
    # linked to an object the PR removed is judged in the head too
    linked: set[str] = field(default_factory=set, compare=False)

    @classmethod
    def for_action(cls, inputs: Inputs, config: Config, smoke: list[dict[str, Any]] | None = None) -> "Judge":
        """The Action's: its config warned about in the log, the Hub reached as the inputs say, Trivy as asked."""
        warn(config)
        # run inputs, never the config file's: a PR's config cannot change where the run reads from, nor carry a token
        config.online = not inputs.offline
        config.hf_token = inputs.hf_token
        trivy = _trivy(inputs.trivy, config) if smoke is None else None
        outside = [p for p in inputs.paths if Path(p).is_absolute()]
        if outside:
            raise ValueError(f"input paths: {outside[0]} is not relative to the workspace")
        return cls([Path(p) for p in inputs.paths], config, inputs.profile, inputs.fail_on_for(config.fail_on), trivy, smoke)

    def tree(self, tree: Path, changed: list[str] | None = None) -> tuple[Any, Report]:
        """(pipeline result, report document) of `tree`: scoped to what `changed` touches, as decided in this
        tree (None: everything)."""
        from .run import run

        part = scope.of_change(tree, changed, self.config) if changed is not None else None
        if part is not None:
            part.linked = self.linked
        return run([tree / p for p in self.paths], tree, self.config, self.profile, self.fail_on, trivy=self.trivy,
                   scope=part, smoke=self.smoke)


def warn(config: Config) -> None:
    """Unknown config keys and check IDs in the job's log, as the CLI says them."""
    from ..checks import registry

    for w in config.warnings + config.unknown_checks(registry()):
        print(f"modelready: warning: {w}", file=sys.stderr, flush=True)


def _trivy(kinds: str, config: Config) -> Any:
    """The `trivy` input: off when empty (or false), else as `modelready check --trivy`."""
    if not kinds or kinds == "false":
        return None
    from ..scan import trivy

    try:
        return trivy.Options.parse(kinds, **config.trivy)
    except ValueError as e:
        raise ValueError(f"input trivy {e}") from None
