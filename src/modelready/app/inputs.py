"""The Action's inputs, read once into one value. `DEFAULTS` is action.yml's `default:` of each input
(tests/test_action_metadata.py ties the two); nothing else in modelready names an input or its default."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import parse_fail_on
from ..findings import Severity

# action.yml's defaults; `token`'s is `${{ github.token }}`, which the runner resolves (Runner.token reads it)
DEFAULTS: dict[str, str] = {
    "paths": ".", "config": "", "config-from": "base", "profile": "", "fail-on": "", "comment": "update",
    "skip-if-unchanged": "true", "gate": "new", "baseline": "", "annotations": "changed", "annotation-notices": "false",
    "require-attestations": "false", "check-name": "modelready", "sarif-path": "modelready.sarif",
    "report-path": "modelready-report.json", "trivy": "", "smoke": "off", "smoke-workflow": "modelready-smoke.yml",
    "smoke-result": "", "offline": "false", "hf-token": "", "pr-path": "pull-request", "artifact-name": "modelready-report",
}
CHOICES: dict[str, tuple[str, ...]] = {
    "config-from": ("base", "head"),
    "gate": ("new", "touched", "all"),
    "comment": ("update", "hide-and-new", "new", "off"),
    "annotations": ("changed", "all", "off"),
    "fail-on": ("", "info", "warning", "error", "never"),
    "smoke": ("off", "dispatch"),
}
_ALIASES = {"comment": {"true": "update", "false": "off"}}


def flag(value: str) -> bool:
    return value.strip().lower() in ("true", "yes", "1", "on")


@dataclass(frozen=True)
class Inputs:
    paths: list[str]
    config: str
    config_from: str
    profile: str | None
    fail_on: str  # "" : the config's fail_on
    comment: str
    skip_if_unchanged: bool
    gate: str
    baseline: str
    annotations: str
    annotation_notices: bool
    require_attestations: bool
    check_name: str
    sarif_path: str
    report_path: str
    trivy: str
    smoke: str
    smoke_workflow: str
    smoke_result: list[str]
    offline: bool
    hf_token: str | None
    pr_path: str
    artifact_name: str
    problems: tuple[str, ...] = field(default=())

    @classmethod
    def read(cls, raw: dict[str, str]) -> "Inputs":
        """From the runner's INPUT_* values; an empty one takes its default. A value outside an input's
        choices is kept in `problems`, said by `checked()` once the check run exists to carry it."""
        v = {name: (raw.get(name) or "").strip() or default for name, default in DEFAULTS.items()}
        for name in CHOICES:
            v[name] = _ALIASES.get(name, {}).get(v[name].lower(), v[name].lower())
        problems = tuple(f"input {name} takes {', '.join(c for c in choices if c)}, not {v[name]!r}"
                         for name, choices in CHOICES.items() if v[name] not in choices)
        return cls(paths=v["paths"].split() or ["."], config=v["config"], config_from=v["config-from"], profile=v["profile"] or None,
                   fail_on=v["fail-on"], comment=v["comment"], skip_if_unchanged=flag(v["skip-if-unchanged"]), gate=v["gate"],
                   baseline=v["baseline"], annotations=v["annotations"], annotation_notices=flag(v["annotation-notices"]),
                   require_attestations=flag(v["require-attestations"]), check_name=v["check-name"], sarif_path=v["sarif-path"],
                   report_path=v["report-path"], trivy=v["trivy"], smoke=v["smoke"], smoke_workflow=v["smoke-workflow"],
                   smoke_result=v["smoke-result"].split(), offline=flag(v["offline"]), hf_token=v["hf-token"] or None,
                   pr_path=v["pr-path"], artifact_name=v["artifact-name"], problems=problems)

    def checked(self) -> "Inputs":
        """Itself, or ValueError naming the first bad input (exit 2, and the check says it)."""
        if self.problems:
            raise ValueError(self.problems[0])
        return self

    def fail_on_for(self, config_fail_on: Severity | None) -> Severity | None:
        """The input when given, else the config's `fail_on` (None: never)."""
        return parse_fail_on(self.fail_on) if self.fail_on else config_fail_on
