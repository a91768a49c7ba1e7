"""`modelready github`: what the action does on each event, given the runner's environment.

pull_request: check what the PR touched, against its base commit (only what it introduced fails by
default, see pull.py and baseline.py), post one sticky comment and one check run (or a commit status
when checks cannot be written), annotations on the lines it changed; the log tells the same story. A PR
touching no deployment file gets a neutral check and no comment (one line, where an earlier run left
one). issue_comment: a tick in the comment's boxes (attestations). workflow_dispatch: audit the
repository (or the `paths` input) into the job summary and a report file. Forks get a read-only token:
no write is attempted.
The job summary, SARIF and outputs are always written; the exit code always reflects the findings.
With `smoke: dispatch` a pull request's serving deployments are sent, as a matrix, to the smoke workflow
on a self-hosted GPU runner; that workflow's last job runs this again (workflow_dispatch with inputs pr
and sha, `smoke-result` files) to put the measurements into the same comment and a `… / smoke` check.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..config import find_config, load_config, parse_fail_on
from ..findings import Severity
from ..publish import attest, log
from ..publish.gate import Gate, cause
from ..publish.runner import Runner
from ..report.comment import HEAD_RE
from ..report.inert import text
from . import baseline, pull
from . import changes as scope
from . import scope as scoping
from .scope import narrow_to

PR_ACTIONS = {"opened", "synchronize", "reopened", "ready_for_review"}


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
    """Check the files at `root` (a PR's checkout, a merge group's, or the repository) and, for a change,
    those of its base commit the same way; report. The verdict comes from these files and nothing else."""
    config, base_config, own, own_applied, config_source = _config(r, root, base, publisher, scoped)
    _warn(config)
    _hub_inputs(r, config)
    fail_on = parse_fail_on(r.input("fail-on", config.fail_on.name if config.fail_on else "never"))
    opts = pull.Options.of(r)
    changes = _changes(r, root, base, publisher, number, config_source) if scoped else None
    files = changes.files if changes is not None else None
    touched = files is None or scoping.of_change(root, files, config).touches_deployments
    checker = _checker(r, root, config, fail_on, files, whole=opts.gate == "all")
    result, doc = checker(root)
    if scoped:
        pull.compare(r, root, doc, base, lambda tree: checker(tree)[1], touched)
    baseline.gate(doc, opts.gate if scoped else "all")  # an audit has no base: everything counts
    existing = _existing_comment(gate, publisher, number, newest=opts.comment in ("new", "hide-and-new"))
    notes = ""
    if changes is not None:
        notes = scope.section(scope.switched_off(base_config, own, doc, files), own_applied)
        notes += f"\n<sub>Changed files: {text(changes.source)}. Config: {text(config_source)}.</sub>\n"
    body = pull.comment(r, doc, existing, notes=notes)
    if number:  # what modelready-publish.yml reads for a fork: which PR; a hint it checks, never a verdict
        doc["github"] = {"pull_request": number, "head_sha": r.sha}
    _record(r, root, doc, existing, touched, notes)
    lines = pull.annotated_lines(r, root, base, publisher, number, opts.annotations) if scoped else None
    pull.publish(publisher, gate, r, number, doc, body, touched, existing, opts.comment, lines)
    if touched and number and publisher is not None and r.input("smoke", "off") == "dispatch" and not r.from_fork:
        _dispatch_smoke(publisher, r, r.event.get("pull_request") or {}, result)
    return 1 if touched and doc["summary"]["result"] == "fail" else 0


def _record(r: Runner, root: Path, doc: dict, existing, touched: bool, notes: str) -> None:  # type: ignore[no-untyped-def]
    """What every run leaves, token or not: report and SARIF files, the job summary, outputs, the log."""
    report_path, sarif_path = _write_reports(r, root, doc)
    r.write_summary(pull.summary(r, doc, existing, notes) if touched else "modelready: this change touches no deployment file.")
    counts = doc["summary"]["findings"]
    new = (doc.get("baseline") or {}).get("new") or counts
    r.write_output(result=doc["summary"]["result"] if touched else "neutral", errors=counts["error"], warnings=counts["warning"],
                   new_errors=new["error"], new_warnings=new["warning"], sarif_path=sarif_path, report_path=report_path)
    if touched:
        log.tell(doc)


def _checker(r: Runner, root: Path, config, fail_on: Severity | None, changed: list[str] | None, whole: bool = False, smoke=None):  # type: ignore[no-untyped-def]
    """tree -> (result, doc): the head's tree or the base's temporary worktree, checked alike: scoped to
    what `changed` touches (the scope decided in each tree), unless `whole`."""
    from .run import run as check_run

    trivy = _trivy(r, config) if smoke is None else None
    paths = [p.relative_to(root) for p in _paths(r, root)]

    def check(tree: Path):  # type: ignore[no-untyped-def]
        part = scoping.of_change(tree, changed, config) if changed is not None and not whole else None
        return check_run([tree / p for p in paths], tree, config, r.input("profile") or None, fail_on, trivy=trivy,
                         keep=_scope(changed) if not whole else None, scope=part, smoke=smoke)

    return check


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


def _existing_comment(gate: Gate, publisher, number: int | None, newest: bool = False):  # type: ignore[no-untyped-def]
    if publisher is None or not number:
        return None
    try:
        return publisher.find_comment(number, newest=newest)
    except Exception as e:  # noqa: BLE001 - the comment is best effort; the check is not
        pull.best_effort(gate, e, "comments could not be listed")
        return None


def _write_reports(r: Runner, root: Path, doc: dict) -> tuple[Path, Path]:
    from ..report import sarif
    from ..report.inert import redact

    report_path = root / r.input("report-path", "modelready-report.json")
    sarif_path = root / r.input("sarif-path", "modelready.sarif")
    report_path.write_text(redact(json.dumps(doc, ensure_ascii=False, separators=(",", ":"))) + "\n", encoding="utf-8")
    sarif_path.write_text(redact(json.dumps(sarif.render(doc), separators=(",", ":"))) + "\n", encoding="utf-8")
    return report_path, sarif_path


def _attestation(r: Runner) -> int:
    """Someone edited a comment. Only an edit of the bot's own sticky comment, showing the PR's current
    head, by someone else, counts: ticks on `attest` items by people with write access are recorded by
    the bot (who and when), other changes reverted, the headline and counts re-titled. The check run is
    the files' and is not touched; with require-attestations, `<check-name> / attestations` says what waits."""
    import datetime as dt

    from ..catalog import load as load_catalog
    from ..report.comment import retitle

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
    boxes = attest.state(body)
    body = retitle(body, boxes)
    if body != comment.body:
        publisher.edit_comment(comment, body)
    lines = [f"@{login} ({permission}) " + (f"attested {', '.join(accepted)}" if accepted else "changed no attestation")]
    if reverted:
        lines.append(f"reverted {', '.join(reverted)}: attesting needs write access, on an attest item")
    pull.tell_attestations(r, publisher, body, boxes, lines)
    return 0


def _not_an_attestation(r: Runner, publisher, number: int, comment, event_comment: dict) -> str | None:  # type: ignore[no-untyped-def]
    """Why this edit is not one to reconcile (None when it is): not the bot's sticky comment, made by a
    bot, about a rendering of an older head, or overtaken by a later edit."""
    current = publisher.find_comment(number, newest=True)  # the sticky one, or the latest under `new` behaviours
    if current is None or comment.id != current.id or comment.user.login != publisher.identity:
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
    from ..smoke.verdict import figures
    from .run import load_smoke_results

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
        checker = _checker(r, root, config, fail_on, changed, smoke=smoke)
        _result, doc = checker(root)
        if publisher is not None:  # the same verdict as the PR's own run: against its base, by the same gate
            pull.compare(r, root, doc, publisher.pull(number).base.sha, lambda tree: checker(tree)[1], True)
            baseline.gate(doc, pull.Options.of(r).gate)
        failed = [s for s in smoke if s["result"] == "fail"]
        lines = [f"- {'❌' if s['result'] == 'fail' else '✅'} **{text(s['target']['name'])}**: " + text("; ".join(figures(s) + _failed_items(s)))
                 for s in smoke]
        title = f"{len(smoke) - len(failed)} of {len(smoke)} smoke run(s) passed"
        r.write_summary(f"### modelready smoke\n\n{title}\n\n" + "\n".join(lines))
        r.write_output(result="fail" if failed else "pass")
        if publisher is not None and pull.Options.of(r).comment != "off":
            try:
                existing = publisher.find_comment(number)
                publisher.upsert_comment(number, pull.comment(r, doc, existing), existing)
            except Exception as e:  # noqa: BLE001
                pull.best_effort(gate, e, "the comment was not written")
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
