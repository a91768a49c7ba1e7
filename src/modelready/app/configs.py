"""Which config judges a run. An audit reads the workspace's; a pull request (or merge group) is judged by
its base commit's unless `config-from: head`: a PR cannot switch its own gate off, and `switched_off`
lists what its config and suppression annotations would switch off, for reviewers to see."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import CONFIG_NAMES, Config, find_config, load_config
from ..findings import Severity
from ..report.document import Report
from ..report.inert import code, text
from . import git


@dataclass(frozen=True)
class Chosen:
    applied: Config
    base: Config
    own: Config | None  # the pull request's own, or None (an audit, or none in the PR)
    own_applied: bool
    source: str  # where `applied` came from, said in the log and the comment


def audit(root: Path, named: str) -> Chosen:
    """The repository as it is: its own config (`named`, else the one found at the root)."""
    cfg = load_config(Path(named) if named else find_config(root))
    return Chosen(cfg, cfg, None, True, "the workspace")


def for_change(root: Path, named: str, where: str, base: str, publisher: Any = None) -> Chosen:
    """`where`: base (the base commit's config applies) or head (the PR's own)."""
    own_path = Path(named) if named else find_config(root)
    own = load_config(root / own_path if own_path and not own_path.is_absolute() else own_path) if own_path else None
    base_cfg, source = base_config(root, base, publisher)
    if where == "head":
        return Chosen(own or load_config(None), base_cfg, own, True, "the pull request's own config (config-from: head)")
    return Chosen(base_cfg, base_cfg, own, False, source)


def base_config(root: Path, base: str, publisher: Any = None) -> tuple[Config, str]:
    """The config at the base commit (git, else the API), and where it came from. Absent: the defaults."""
    for name in CONFIG_NAMES:
        raw = git.show(root, base, name)
        if raw is None and publisher is not None and base:
            raw = publisher.file_at(name, base)
        if raw is not None:
            return _parse(raw, f"{name}@{base[:12]}"), f"{name} of the base commit {base[:12]}"
    if not git.has_commit(root, base) and publisher is None:
        return Config(), "the defaults (the base commit's config could not be read)"
    return Config(), "the defaults (the base commit has no .modelready.yaml)"


def _parse(raw: str, label: str) -> Config:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / label.replace("/", "_")
        path.write_text(raw, encoding="utf-8")
        cfg = load_config(path)
    cfg.source = label
    return cfg


def switched_off(base: Config, head: Config | None, doc: Report, changed_files: list[str] | None) -> list[str]:
    """What the PR's own config (against the base's) and its suppression annotations switch off, as
    Markdown list lines: every string from the PR is inert."""
    lines = _config_lines(base, head) if head is not None else []
    touched = set(changed_files) if changed_files is not None else None
    for f in doc.findings:
        if f.suppressed and (touched is None or f.file in touched):
            lines.append(f"- a suppression annotation silences {code(f.check)} on {code(f.subject)}: {text(f.suppressed)}")
    return lines


def _config_lines(base: Config, head: Config) -> list[str]:
    lines = [f"- `.modelready.yaml` excludes {code(glob)}" for glob in head.exclude if glob not in base.exclude]
    lines += [f"- `.modelready.yaml` disables {code(check)}" for check in sorted(head.disable - base.disable)]
    lines += [f"- `.modelready.yaml` no longer enables {code(check)}" for check in sorted(base.enable - head.enable)]
    for check, sev in sorted(head.severity.items()):
        was = base.severity.get(check)
        if was is None or sev < was:
            lines.append(f"- `.modelready.yaml` sets {code(check)} to {sev.name}" + (f" (was {was.name})" if was else ""))
    if _gate_rank(head.fail_on) > _gate_rank(base.fail_on):
        lines.append("- `.modelready.yaml` " + (f"fails only on {head.fail_on.name}" if head.fail_on is not None else "never fails")
                     + f" (was {base.fail_on.name if base.fail_on is not None else 'never'})")
    if head.profile != base.profile and head.profile:
        lines.append(f"- `.modelready.yaml` picks the checklist {code(head.profile)}" + (f" (was {code(base.profile)})" if base.profile else ""))
    return lines


def _gate_rank(fail_on: Severity | None) -> int:
    """`fail_on: never` (None) lets the most through: above error."""
    return int(fail_on) if fail_on is not None else int(max(Severity)) + 1


def section(lines: list[str], applied: bool) -> str:
    if not lines:
        return ""
    how = ("applied, as `config-from: head` asks" if applied
           else "the config part is not applied here (the base branch's config is), and is listed for review")
    return f"\n### What this pull request switches off\n\n{how}:\n\n" + "\n".join(lines) + "\n"
