"""`modelready github`: what the action does on each event, given the runner's environment.

pull_request: check what the PR touched, post one sticky comment and one check run (or a commit
status when checks cannot be written), annotations on the PR's lines. A PR touching no deployment
file gets a neutral check and no comment. workflow_dispatch: audit the repository (or the `paths`
input) into the job summary and a report file. Forks get a read-only token: no write is attempted.
The job summary, SARIF and outputs are always written; the exit code always reflects the findings.
With `smoke: dispatch` a pull request's serving deployments are sent, as a matrix, to the smoke workflow
on a self-hosted GPU runner; that workflow's last job runs this again (workflow_dispatch with inputs pr
and sha, `smoke-result` files) to put the measurements into the same comment and a `… / smoke` check.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from ..config import find_config, load_config, parse_fail_on
from ..publish import attest
from ..publish.gate import Gate, cause
from ..publish.runner import Runner
from ..report.inert import text
from . import changes as scope
from .scope import narrow_to, relevant

PR_ACTIONS = {"opened", "synchronize", "reopened", "ready_for_review"}
HEAD_MARK = "<!-- modelready:head:{} -->"  # the commit a comment shows: an event about an older rendering is stale
HEAD_RE = re.compile(r"<!-- modelready:head:([0-9a-f]{40}) -->")


def run(r: Runner) -> int:
    if r.event_name == "issue_comment":
        return _attestation(r)
    if r.event_name == "workflow_run":
        return _fork(r)
    if r.event_name == "workflow_dispatch" and r.input("smoke-result"):
        return _smoke_report(r)
    if r.event_name == "pull_request" and r.event.get("action") not in PR_ACTIONS:
        print(f"modelready: pull_request {r.event.get('action')}: nothing to do")
        return 0
    return _gate(r)


def _gate(r: Runner) -> int:
    """pull_request, merge_group, or an audit: the check run first, then the files decide."""
    pr = r.event.get("pull_request") if r.event_name == "pull_request" else None
    group = r.event.get("merge_group") if r.event_name == "merge_group" else None
    # a fork's own run has a read-only token: it writes nothing, and modelready-publish.yml reports for it
    publisher = _publisher(r) if (pr is not None and not r.from_fork) or group is not None else None
    gate = Gate(publisher, r.input("check-name", "modelready"), r.sha)
    gate.start()
    number = int(pr["number"]) if pr is not None else None
    base = ((pr or {}).get("base") or {}).get("sha") or (group or {}).get("base_sha") or ""
    code = _guarded(r, gate, lambda: _judge(r, gate, publisher, number, base, r.workspace.resolve(), scoped=pr is not None or group is not None))
    if pr is not None and r.from_fork:
        print("modelready: read-only token (fork pull request): results are in the job summary and SARIF; "
              "modelready-publish.yml recomputes them and writes the comment and check")
    return code


def _guarded(r: Runner, gate: Gate, body) -> int:
    """Run `body`; whatever it raises completes the check with a failure and one line, never a traceback."""
    try:
        return body()
    except ValueError as e:  # a bad input or config: exit 2 with the line (cli prints it)
        gate.fail(str(e))
        raise
    except Exception as e:  # noqa: BLE001 - the required check must report, with why
        why = cause(e)
        gate.fail(why)
        print(f"modelready: could not finish: {why}", file=sys.stderr, flush=True)
        r.write_summary(f"**modelready could not finish:** {text(why)}")
        return 2


def _publisher(r: Runner):
    if not r.token:
        return None
    from ..publish.github import Publisher

    return Publisher(r.api_url, r.token, r.repository)


def _config(r: Runner, root: Path, base: str, publisher, scoped: bool):
    """(config applied, the base commit's, the PR's own or None, whether the PR's is the one applied, where the applied came from)."""
    own_path = Path(r.input("config")) if r.input("config") else find_config(root)
    if not scoped:  # an audit of the repository as it is
        cfg = load_config(own_path)
        return cfg, cfg, None, True, "the workspace"
    own = load_config(root / own_path if own_path and not own_path.is_absolute() else own_path) if own_path else None
    where = r.input("config-from", "base")
    if where not in ("base", "head"):
        raise ValueError(f"input config-from takes base or head, not {where!r}")
    base_cfg, source = scope.base_config(root, base, publisher)
    if where == "head":
        return own or load_config(None), base_cfg, own, True, "the pull request's own config (config-from: head)"
    return base_cfg, base_cfg, own, False, source


def _judge(r: Runner, gate: Gate, publisher, number: int | None, base: str, root: Path, scoped: bool) -> int:  # type: ignore[no-untyped-def]
    """Check the files at `root` (a PR's checkout, a merge group's, or the repository) and report: the
    verdict comes from these files and nothing else."""
    from .run import run as check_run

    config, base_config, own, own_applied, config_source = _config(r, root, base, publisher, scoped)
    _warn(config)
    _hub_inputs(r, config)
    fail_on = parse_fail_on(r.input("fail-on", config.fail_on.name if config.fail_on else "never"))
    changes = _changes(r, root, base, publisher, number, config_source) if scoped else None
    files = changes.files if changes is not None else None
    result, doc = check_run(_paths(r, root), root, config, r.input("profile") or None, fail_on, trivy=_trivy(r, config), keep=_scope(files))
    existing = _existing_comment(gate, publisher, number)
    body = _comment(r, doc, existing)
    if changes is not None:
        body += scope.section(scope.switched_off(base_config, own, doc, files), own_applied)
        body += f"\n<sub>Changed files: {text(changes.source)}. Config: {text(config_source)}.</sub>\n"
    if number:  # what modelready-publish.yml reads for a fork: which PR; a hint it checks, never a verdict
        doc["github"] = {"pull_request": number, "head_sha": r.sha}
    report_path, sarif_path = _write_reports(r, root, doc)
    touched = files is None or bool(relevant(files))
    result_word = doc["summary"]["result"] if touched else "neutral"
    r.write_summary(body if touched else "modelready: this change touches no deployment file.")
    counts = doc["summary"]["findings"]
    r.write_output(result=result_word, errors=counts["error"], warnings=counts["warning"], sarif_path=sarif_path, report_path=report_path)
    if publisher is not None and number and touched:
        _post_comment(r, gate, publisher, number, body, existing)
    _conclude(gate, doc, body, touched)
    if touched and number and publisher is not None and r.input("smoke", "off") == "dispatch" and not r.from_fork:
        _dispatch_smoke(publisher, r, r.event.get("pull_request") or {}, result)
    return 1 if result_word == "fail" else 0


def _warn(config) -> None:  # type: ignore[no-untyped-def]
    """Unknown config keys and check IDs in the job's log, as the CLI says them."""
    from ..checks import registry

    for w in config.warnings + config.unknown_checks(registry()):
        print(f"modelready: warning: {w}", file=sys.stderr, flush=True)


def _changes(r: Runner, root: Path, base: str, publisher, number: int | None, config_source: str) -> scope.Changes:  # type: ignore[no-untyped-def]
    api = (lambda: publisher.changed_files(number)) if publisher is not None and number else None
    changes = scope.changed(root, base, r.sha, api)
    print(f"modelready: changed files from {changes.source}; config from {config_source}", flush=True)
    return changes


def _existing_comment(gate: Gate, publisher, number: int | None):  # type: ignore[no-untyped-def]
    if publisher is None or not number:
        return None
    try:
        return publisher.find_comment(number)
    except Exception as e:  # noqa: BLE001 - the comment is best effort; the check is not
        _best_effort(gate, e, "comments could not be listed")
        return None


def _post_comment(r: Runner, gate: Gate, publisher, number: int, body: str, existing) -> None:  # type: ignore[no-untyped-def]
    if r.input("comment", "true").lower() == "false":
        return
    try:
        publisher.upsert_comment(number, body, existing)
    except Exception as e:  # noqa: BLE001
        _best_effort(gate, e, "the comment was not written")


def _write_reports(r: Runner, root: Path, doc: dict) -> tuple[Path, Path]:
    from ..report import sarif

    report_path = root / r.input("report-path", "modelready-report.json")
    sarif_path = root / r.input("sarif-path", "modelready.sarif")
    report_path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    sarif_path.write_text(json.dumps(sarif.render(doc), separators=(",", ":")) + "\n", encoding="utf-8")
    return report_path, sarif_path


def _best_effort(gate: Gate, e: Exception, what: str) -> None:
    from ..publish.github import RateLimited

    if isinstance(e, RateLimited):  # waiting longer is not an option: the check says so
        raise e
    gate.say(f"{what}: {cause(e)}")


def _conclude(gate: Gate, doc: dict, body: str, touched: bool) -> None:
    from ..publish.github import annotations

    if not touched:
        gate.finish("neutral", "No deployment files changed", "This change touches no file modelready checks.")
        return
    s = doc["summary"]
    title = f"{s['findings']['error']} error(s), {s['findings']['warning']} warning(s) in {s['deployments']} deployment(s)"
    summary = body if len(body) < 65000 else body[:64000] + "\n\n… (truncated)"
    gate.finish("failure" if s["result"] == "fail" else "success", title, summary, annotations(doc["findings"]))


def _attestation(r: Runner) -> int:
    """Someone edited a comment. Only an edit of the bot's own sticky comment, showing the PR's current
    head, by someone else, counts: ticks on `attest` items by people with write access are recorded by
    the bot (who and when), other changes reverted. The check run is the files' and is not touched."""
    import datetime as dt

    from ..catalog import load as load_catalog

    event_comment, issue = r.event.get("comment") or {}, r.event.get("issue") or {}
    if r.event.get("action") != "edited" or not issue.get("pull_request") or not r.token or not event_comment.get("id"):
        print("modelready: not an edit of a pull request comment: nothing to do")
        return 0
    publisher = _publisher(r)
    number = int(issue["number"])
    comment = publisher.get_comment(number, int(event_comment["id"]))  # re-read: the payload is a claim
    ignored = _not_an_attestation(r, publisher, number, comment, event_comment)
    if ignored:
        print(f"modelready: {ignored}: ignored")
        return 0
    login = (r.event.get("sender") or {}).get("login", "")
    old = ((r.event.get("changes") or {}).get("body") or {}).get("from", "")
    attestable = {i.id for i in load_catalog().items if i.mode == "attest"}
    permission = publisher.permission(login)
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    body, accepted, reverted = attest.reconcile(old, comment.body, login, permission, now, attestable)
    if body != comment.body:
        publisher.edit_comment(comment, body)
    lines = [f"@{login} ({permission}) " + (f"attested {', '.join(accepted)}" if accepted else "changed no attestation")]
    if reverted:
        lines.append(f"reverted {', '.join(reverted)}: attesting needs write access, on an attest item")
    print("modelready: " + "; ".join(lines) + "; the check run stays as the files decided")
    r.write_summary("\n\n".join(text(line) for line in lines))
    return 0


def _not_an_attestation(r: Runner, publisher, number: int, comment, event_comment: dict) -> str | None:  # type: ignore[no-untyped-def]
    """Why this edit is not one to reconcile (None when it is): not the bot's sticky comment, made by a
    bot, about a rendering of an older head, or overtaken by a later edit."""
    sticky = publisher.find_comment(number)
    if sticky is None or comment.id != sticky.id or comment.user.login != publisher.identity:
        return "the edited comment is not modelready's own checklist"
    sender = r.event.get("sender") or {}
    if sender.get("login") == publisher.identity or sender.get("type") == "Bot":
        return "edit by a bot"
    shown, head = HEAD_RE.search(comment.body or ""), publisher.head_sha(number)
    if shown is None or shown.group(1) != head:
        return f"the comment does not show the pull request's head {head[:12]} (a newer run rewrites it)"
    if comment.body != event_comment.get("body"):
        return "the comment changed again since this event: the later event decides"
    return None


def _fork(r: Runner) -> int:
    """workflow_run, for a pull request whose own run had a read-only token (a fork). The trusted workflow
    checked the PR head out as data at `pr-path`; the verdict is recomputed here from those files. The
    artifact only says which pull request it was: that PR's head must be the commit of the run."""
    run = r.event.get("workflow_run") or {}
    if r.event.get("action") != "completed" or run.get("event") != "pull_request" or not r.token:
        print("modelready: not a completed pull_request run, or no token: nothing to do")
        return 0
    publisher = _publisher(r)
    r.sha = run.get("head_sha", "")
    gate = Gate(publisher, r.input("check-name", "modelready"), r.sha)
    gate.start()

    def judge() -> int:
        raw = publisher.download_report(int(run["id"]), r.input("artifact-name", "modelready-report"), r.input("report-path", "modelready-report.json"))
        if raw is None:
            return _refuse(r, gate, "the pull request's run left no modelready-report artifact, so which pull request it was is unknown: re-run that workflow")
        number = _claimed_number(raw)
        if number is None:
            return _refuse(r, gate, "the pull request's report artifact is not a modelready report naming a pull request")
        pull = publisher.pull(number)
        if pull.head.sha != r.sha:
            return _refuse(r, gate, f"the report artifact names pull request #{number}, whose head is {pull.head.sha[:12]}, not {r.sha[:12]}")
        pr_root = (r.workspace / r.input("pr-path", "pull-request")).resolve()
        if not pr_root.is_dir() or not pr_root.is_relative_to(r.workspace.resolve()):
            return _refuse(r, gate, f"the pull request's head is not checked out at {r.input('pr-path', 'pull-request')}: the workflow must check it out there as data")
        checked_out = scope._git(pr_root, "rev-parse", "HEAD")
        if checked_out is not None and checked_out.strip() != r.sha:
            return _refuse(r, gate, f"{r.input('pr-path', 'pull-request')} holds {checked_out.strip()[:12]}, not the pull request's head {r.sha[:12]}")
        return _judge(r, gate, publisher, number, pull.base.sha, pr_root, scoped=True)

    return _guarded(r, gate, judge)


def _hub_inputs(r: Runner, config) -> None:  # type: ignore[no-untyped-def]
    """The `offline` and `hf-token` inputs: run inputs, never the config file's (a PR's config cannot change where
    the run reads from, nor carry a token)."""
    config.online = r.input("offline", "false").strip().lower() != "true"
    config.hf_token = r.input("hf-token") or None


def _refuse(r: Runner, gate: Gate, why: str) -> int:
    gate.fail(why)
    print(f"modelready: {why}", flush=True)
    r.write_summary(f"**modelready:** {text(why)}")
    return 1


def _claimed_number(raw: bytes) -> int | None:
    try:
        claimed = json.loads(raw).get("github") or {}
        number = claimed.get("pull_request")
    except (ValueError, AttributeError):
        return None
    return number if isinstance(number, int) and not isinstance(number, bool) and number > 0 else None


def _trivy(r: Runner, config):
    """The `trivy` input: off when empty (or false), else as `modelready check --trivy`."""
    kinds = r.input("trivy").strip()
    if not kinds or kinds == "false":
        return None
    from ..scan import trivy

    try:
        return trivy.Options.parse(kinds, **config.trivy)
    except ValueError as e:
        raise ValueError(f"input trivy {e}") from None


def _dispatch_smoke(publisher, r: Runner, pr: dict, result) -> None:
    """Send the PR's serving deployments to the smoke workflow as a matrix (Actions fans them out over
    GPU runners). Only for branches of this repository: a fork's code never reaches a GPU runner."""
    from ..smoke.target import plan

    include = plan(result.deployments, gpu_only=False)
    if not include:
        print("modelready: no serving deployment in this pull request: no smoke run")
        return
    ref = (pr.get("head") or {}).get("ref", "")
    inputs = {"pr": str(pr["number"]), "sha": r.sha, "matrix": json.dumps({"include": include}, separators=(",", ":"))}
    publisher.dispatch(r.input("smoke-workflow", "modelready-smoke.yml"), ref, inputs)
    print(f"modelready: smoke run dispatched for {len(include)} deployment(s) on {ref}")


def _smoke_report(r: Runner) -> int:
    """The smoke workflow reports back: its results decide the smoke items of the same sticky comment,
    and a `<check-name> / smoke` check run goes on the commit that was measured."""
    from .run import load_smoke_results, run as check_run
    from ..smoke.verdict import figures

    root = r.workspace.resolve()
    config = load_config(Path(r.input("config")) if r.input("config") else find_config(root))
    _warn(config)
    _hub_inputs(r, config)
    fail_on = parse_fail_on(r.input("fail-on", config.fail_on.name if config.fail_on else "never"))
    files = sorted({p for pattern in r.input("smoke-result").split() for p in root.glob(pattern)})
    if not files:
        print(f"modelready: no smoke result matches {r.input('smoke-result')!r}", flush=True)
        return 1
    smoke = load_smoke_results(files)
    inputs = r.event.get("inputs") or {}
    number, r.sha = int(inputs.get("pr") or 0), inputs.get("sha") or r.sha
    publisher = _publisher(r) if number else None
    gate = Gate(publisher, f"{r.input('check-name', 'modelready')} / smoke", r.sha)
    gate.start()

    def report() -> int:
        changed = publisher.changed_files(number) if publisher is not None else None
        _result, doc = check_run(_paths(r, root), root, config, r.input("profile") or None, fail_on, smoke=smoke, keep=_scope(changed))
        failed = [s for s in smoke if s["result"] == "fail"]
        lines = [f"- {'❌' if s['result'] == 'fail' else '✅'} **{text(s['target']['name'])}**: " + text("; ".join(figures(s) + _failed_items(s)))
                 for s in smoke]
        title = f"{len(smoke) - len(failed)} of {len(smoke)} smoke run(s) passed"
        r.write_summary(f"### modelready smoke\n\n{title}\n\n" + "\n".join(lines))
        r.write_output(result="fail" if failed else "pass")
        if publisher is not None and r.input("comment", "true").lower() != "false":
            try:
                existing = publisher.find_comment(number)
                publisher.upsert_comment(number, _comment(r, doc, existing), existing)
            except Exception as e:  # noqa: BLE001
                _best_effort(gate, e, "the comment was not written")
        gate.finish("failure" if failed else "success", title, "\n".join(lines))
        return 1 if failed else 0

    return _guarded(r, gate, report)


def _failed_items(s: dict) -> list[str]:
    failed = [k for k, v in s["items"].items() if v["status"] == "failed"]
    return ["failed: " + ", ".join(failed)] if failed else []


def _paths(r: Runner, root: Path) -> list[Path]:
    return [root / p for p in (r.input("paths", ".").split() or ["."])]


def _scope(changed: list[str] | None):
    """What a pull request's run keeps of the result: what it touched (None: everything)."""
    return (lambda res: narrow_to(res, changed)) if changed is not None else None


def _comment(r: Runner, doc: dict, existing) -> str:
    """The sticky comment for `doc`. Attestations recorded in the comment so far stay ticked, with who
    and when, whichever event writes it next."""
    from ..report import markdown

    ticks = attest.attested(existing.body) if existing is not None else {}
    attest.apply(doc, ticks)
    return markdown.render(doc, link=_linker(r), ticked=ticks) + f"\n{HEAD_MARK.format(r.sha)}\n"


def _linker(r: Runner):
    """Links to file lines at the PR's head commit."""
    if not (r.repository and r.sha):
        return lambda path, line: None
    from urllib.parse import quote

    base = f"{r.server_url}/{r.repository}/blob/{r.sha}/"
    # the path is the PR's: percent-encoded, so no character of it can end the link or start another
    return lambda path, line: base + quote(path, safe="/") + (f"#L{line}" if line else "")
