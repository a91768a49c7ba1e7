"""What a pull request (or merge group) run reads beyond its checkout: the files it changed, and the
config it is judged by.

Changed files come from `git diff --name-only base...head` when the checkout has both commits
(`actions/checkout` with `fetch-depth: 0`), else from the API (which lists at most 3,000), else the whole
repository is checked; `Changes.source` says which. The config comes from the base commit unless
`config-from: head`: a PR cannot switch its own gate off, and `switched_off` lists what its config and
suppression annotations would switch off, for reviewers to see."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..config import CONFIG_NAMES, Config, load_config
from ..findings import Severity
from ..report.inert import code, text

API_FILE_LIMIT = 3000  # GET /pulls/{n}/files lists no more (docs.github.com, "List pull requests files")


@dataclass
class Changes:
    files: list[str] | None  # None: check everything
    source: str


def _git(root: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=60,
                              env={"GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0", "PATH": "/usr/bin:/bin:/usr/local/bin"})
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.decode("utf-8", "surrogateescape") if proc.returncode == 0 else None


def has_commit(root: Path, sha: str) -> bool:
    return bool(sha) and _git(root, "cat-file", "-e", f"{sha}^{{commit}}") is not None


def changed(root: Path, base: str, head: str, api=None) -> Changes:
    """`api`: a callable listing the PR's files through the API, or None (merge groups have no list)."""
    if has_commit(root, base) and has_commit(root, head):
        out = _git(root, "diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", "--no-textconv", f"{base}...{head}")
        if out is not None:
            files = [f for f in out.split("\0") if f]
            return Changes(files, f"git diff {base[:12]}...{head[:12]}: {len(files)} changed file(s)")
    why = "the checkout lacks the base commit (fetch-depth: 0 gives it)"
    if api is not None:
        from github import GithubException

        try:
            files = api()
        except GithubException as e:
            return Changes(None, f"every file: {why}, and the API's file list answered {e.status}")
        if len(files) >= API_FILE_LIMIT:
            return Changes(None, f"every file: {why}, and the API lists only the first {API_FILE_LIMIT} changed files")
        return Changes(files, f"the API's file list: {len(files)} changed file(s) ({why})")
    return Changes(None, f"every file: {why}")


def base_config(root: Path, base: str, publisher=None) -> tuple[Config, str]:
    """The config at the base commit (git, else the API), and where it came from. Absent: the defaults."""
    for name in CONFIG_NAMES:
        raw = _git(root, "show", f"{base}:{name}") if has_commit(root, base) else None
        if raw is None and publisher is not None and base:
            raw = publisher.file_at(name, base)
        if raw is not None:
            return _parse(raw, f"{name}@{base[:12]}"), f"{name} of the base commit {base[:12]}"
    if not has_commit(root, base) and publisher is None:
        return Config(), "the defaults (the base commit's config could not be read)"
    return Config(), "the defaults (the base commit has no .modelready.yaml)"


def _parse(raw: str, label: str) -> Config:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / label.replace("/", "_")
        path.write_text(raw, encoding="utf-8")
        cfg = load_config(path)
    cfg.source = label
    return cfg


def switched_off(base: Config, head: Config | None, doc: dict, changed_files: list[str] | None) -> list[str]:
    """What the PR's own config (against the base's) and its suppression annotations switch off, as
    Markdown list lines: every string from the PR is inert."""
    lines = _config_lines(base, head) if head is not None else []
    touched = set(changed_files) if changed_files is not None else None
    for f in doc["findings"]:
        if f["suppressed"] and (touched is None or f["file"] in touched):
            lines.append(f"- a suppression annotation silences {code(f['check'])} on {code(f['subject'])}: {text(f['suppressed'])}")
    return lines


def _config_lines(base: Config, head: Config) -> list[str]:
    lines: list[str] = []
    for glob in head.exclude:
        if glob not in base.exclude:
            lines.append(f"- `.modelready.yaml` excludes {code(glob)}")
    for check in sorted(head.disable - base.disable):
        lines.append(f"- `.modelready.yaml` disables {code(check)}")
    for check in sorted(base.enable - head.enable):
        lines.append(f"- `.modelready.yaml` no longer enables {code(check)}")
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


def head_config(root: Path) -> Config | None:
    from ..config import find_config

    path = find_config(root)
    return load_config(path) if path is not None else None


