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
from . import baseline, gatefiles, pull
from . import changes as scope
from . import scope as scoping
from .scope import narrow_to

PR_ACTIONS = {"opened", "synchronize", "reopened", "ready_for_review"}  # and `edited` with a new base


def run(r: Runner) -> int:
    if r.event_name == "issue_comment":
        return _attestation(r)
    if r.event_name == "workflow_run":
        return _fork(r)
    if r.event_name == "workflow_dispatch" and r.input("smoke-result"):
        return _smoke_report(r)
    if r.event_name == "pull_request" and r.event.get("action") not in PR_ACTIONS and not _rebased(r.event):
        print(f"modelready: pull_request {r.event.get('action')}: nothing to do")
        return 0
    return _gate(r)


def _rebased(event: dict) -> bool:
    """`edited` with a new base branch: the verdict was against the old base, so it is judged again."""
    return event.get("action") == "edited" and "base" in (event.get("changes") or {})


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
    # a change to the gate itself (workflows, action.yml, the config) is reported as a change to deployments is
    touched = files is None or scoping.of_change(root, files, config).touches_deployments or gatefiles.touches(files)
    checker = _checker(r, root, config, fail_on, files, whole=opts.gate == "all")
    result, doc = checker(root)
    base_docs: list[dict] = []  # the base's report, for what the PR changes of its suppressions
    base_check = lambda tree: base_docs.append(checker(tree)[1]) or base_docs[-1]  # noqa: E731
    if scoped:
        seen = set(checker.linked)
        pull.compare(r, root, doc, base, base_check, touched)
        if checker.linked - seen:  # the base links a deployment to an object the PR removed: the head checks it too
            result, doc = checker(root)
            pull.compare(r, root, doc, base, base_check, touched)
    baseline.gate(doc, opts.gate if scoped else "all")  # an audit has no base: everything counts
    view = _view(r, gate, publisher, number)
    existing = view.comment if view is not None else None
    notes, top, record, ticks = "", "", {}, {}
    if changes is not None:
        top, record = gatefiles.review(root, base, files, doc, base_docs[-1] if base_docs else None, base_config, own, view, opts.gate)
        notes = scope.section(scope.switched_off(base_config, own, doc, files), own_applied)
        notes += f"\n<sub>Changed files: {text(changes.source)}. Config: {text(config_source)}.</sub>\n"
        digest = gatefiles.files_digest(root, scoping.of_change(root, files, config).deployment_files)
        record["files"] = digest
        if view is not None:
            record["attested"] = view.attested(digest)
            ticks = attest.records(record["attested"])
            if view.dropped(digest):
                notes += f"\n<sub>Attestations dropped, the deployment files changed since: {text(', '.join(view.dropped(digest)))}.</sub>\n"
    body = pull.comment(r, doc, existing, notes=notes, ticks=ticks, top=top)
    if number:  # what modelready-publish.yml reads for a fork: which PR; a hint it checks, never a verdict
        doc["github"] = {"pull_request": number, "head_sha": r.sha}
    _record(r, root, doc, touched, pull.summary(r, doc, existing, notes, ticks, top))
    lines = pull.annotated_lines(r, root, base, publisher, number, opts.annotations) if scoped else None
    pull.publish(publisher, gate, r, number, doc, body, touched, existing, opts.comment, lines, view=view, record=record)
    if touched and view is not None and view.current and r.input("smoke", "off") == "dispatch" and not r.from_fork:
        _dispatch_smoke(publisher, r, r.event.get("pull_request") or {}, result)
    return 1 if touched and doc["summary"]["result"] == "fail" else 0


def _record(r: Runner, root: Path, doc: dict, touched: bool, summary: str) -> None:
    """What every run leaves, token or not: report and SARIF files, the job summary, outputs, the log."""
    report_path, sarif_path = _write_reports(r, root, doc)
    r.write_summary(summary if touched else "modelready: this change touches no deployment file.")
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
    linked: set[str] = set()  # deployments linked to a touched object, in either tree (scope.Scope.linked)

    def check(tree: Path):  # type: ignore[no-untyped-def]
        part = scoping.of_change(tree, changed, config) if changed is not None and not whole else None
        if part is not None:
            part.linked = linked
        return check_run([tree / p for p in paths], tree, config, r.input("profile") or None, fail_on, trivy=trivy,
                         keep=_scope(changed, linked) if not whole else None, scope=part, smoke=smoke)

    check.linked = linked  # type: ignore[attr-defined]
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


def _view(r: Runner, gate: Gate, publisher, number: int | None):  # type: ignore[no-untyped-def]
    """The pull request read again just before anything is written (None: no PR, or it could not be read,
    and then only the check run is written)."""
    from .ledger import View

    if publisher is None or not number:
        return None
    try:
        return View.of(publisher, r.input("check-name", "modelready"), number, r.sha, r.event.get("before") or "")
    except Exception as e:  # noqa: BLE001 - the comment is best effort; the check is not
        pull.best_effort(gate, e, "the pull request could not be read again, so only the check run is written")
        return None


def _write_reports(r: Runner, root: Path, doc: dict) -> tuple[Path, Path]:
    from ..report import sarif

    report_path = root / r.input("report-path", "modelready-report.json")
    sarif_path = root / r.input("sarif-path", "modelready.sarif")
    report_path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    sarif_path.write_text(json.dumps(sarif.render(doc), separators=(",", ":")) + "\n", encoding="utf-8")
    return report_path, sarif_path


def _attestation(r: Runner) -> int:
    """Someone edited a comment. Only an edit of the bot's own sticky comment (the one its check runs
    recorded), showing the PR's current head, by a person, counts. Reconciled from stored state: what the
    bot recorded so far (in its check runs) plus this edit's own ticks by `sender`, who needs write access
    and may not attest their own pull request (unless the base config allows it); the comment is rendered
    from the result, and `<check-name> / attestations` records it (failing while required items wait, with
    require-attestations). Approving the suppressions a PR adds re-concludes the gate's check as recorded."""
    import datetime as dt

    from ..catalog import load as load_catalog
    from ..report.comment import retitle
    from . import gatefiles, ledger

    event_comment, issue = r.event.get("comment") or {}, r.event.get("issue") or {}
    if r.event.get("action") != "edited" or not issue.get("pull_request") or not r.token or not event_comment.get("id"):
        print("modelready: not an edit of a pull request comment: nothing to do")
        return 0
    publisher = _publisher(r)
    number, name = int(issue["number"]), r.input("check-name", "modelready")
    pr = publisher.pull(number)  # re-read: the payload is a claim
    head = pr.head.sha
    comment, entry = ledger.sticky(publisher, name, number, [head])
    ignored = _not_an_attestation(r, comment, event_comment, head)
    if ignored:
        print(f"modelready: {ignored}: ignored")
        return 0
    login = (r.event.get("sender") or {}).get("login", "")
    permission = publisher.permission(login)
    config = load_config(find_config(r.workspace.resolve()))  # this workflow runs the default branch's checkout
    allowed = None
    if permission not in attest.WRITE:
        allowed = "attesting needs write access"
    elif login == (pr.user.login if pr.user else "") and not config.self_attestation:
        allowed = "the pull request's author cannot attest it (pull_requests.self_attestation: allow in the base config)"
    attestable = {i.id for i in load_catalog().items if i.mode == "attest"} | {gatefiles.APPROVAL}
    old = ((r.event.get("changes") or {}).get("body") or {}).get("from", "")
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    body, stored, accepted, reverted = attest.settle(comment.body or "", old, event_comment.get("body") or "", entry.get("attested") or {},
                                                     login, allowed, now, entry.get("files", ""), attestable)
    boxes = {k: v for k, v in attest.state(body).items() if k != gatefiles.APPROVAL}
    body = retitle(body, {k: (k in stored, rest) for k, (_t, rest) in boxes.items()})
    if body != comment.body:
        publisher.edit_comment(comment, body)
    lines = [f"@{login} ({permission}) " + (f"changed {', '.join(accepted)}" if accepted else "changed no attestation")]
    if reverted:
        lines.append(f"reverted {', '.join(reverted)}: {allowed or 'not an item a person attests'}")
    entry = {**entry, "attested": stored}
    if gatefiles.APPROVAL in stored and entry.get("pending") and (entry.get("approved") or {}).get("digest") != entry["pending"]:
        entry["approved"] = {"digest": entry["pending"], "by": login}
        _approve(r, publisher, name, number, head, entry, login)
    done = sum(1 for k in boxes if k in stored)
    r.sha = head
    state = ledger.mark({"v": 1, "prs": {**ledger.merged(publisher, name, head)["prs"], str(number): entry}})
    pull.tell_attestations(r, publisher, body, done, len(boxes), lines, state)
    return 0


def _approve(r: Runner, publisher, name: str, number: int, head: str, entry: dict, login: str) -> None:  # type: ignore[no-untyped-def]
    """The suppressions a PR adds were approved: the gate's check on the head, as its run recorded it would be."""
    from . import ledger

    conclusion = entry.get("if_approved") or "success"
    check = Gate(publisher, name, head)
    check.start()
    summary = f"The suppressions pull request #{number} adds were approved by @{text(login)}; the files' verdict otherwise stands.\n"
    state = ledger.mark({"v": 1, "prs": {**ledger.merged(publisher, name, head)["prs"], str(number): {**entry, "conclusion": conclusion}}})
    check.finish(conclusion, f"suppressions approved by @{login}"[:200], summary + state)


def _not_an_attestation(r: Runner, comment, event_comment: dict, head: str) -> str | None:  # type: ignore[no-untyped-def]
    """Why this edit is not one to reconcile (None when it is): not the comment this bot's check runs
    recorded, made by a bot, or about a rendering of an older head."""
    if comment is None or comment.id != event_comment.get("id"):
        return "the edited comment is not modelready's own checklist"
    sender = r.event.get("sender") or {}
    if sender.get("type") == "Bot" or str(sender.get("login", "")).endswith("[bot]"):
        return "edit by a bot"
    shown = HEAD_RE.search(comment.body or "")
    if shown is None or shown.group(1) != head:
        return f"the comment does not show the pull request's head {head[:12]} (a newer run rewrites it)"
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
    GPU runners). Only for branches of this repository: a fork's code never reaches a GPU runner. The
    workflow that runs is the default branch's (a PR's copy of it would run with HF_TOKEN on the GPU
    runner); the PR's commit travels as data, in the `sha` input."""
    from ..smoke.target import plan

    include = plan(result.deployments, gpu_only=False)
    if not include:
        print("modelready: no serving deployment in this pull request: no smoke run")
        return
    ref = (r.event.get("repository") or {}).get("default_branch")
    if not ref:
        print("modelready: the event names no default branch: no smoke run (its workflow must be the default branch's)")
        return
    inputs = {"pr": str(pr["number"]), "sha": r.sha, "matrix": json.dumps({"include": include}, separators=(",", ":"))}
    publisher.dispatch(r.input("smoke-workflow", "modelready-smoke.yml"), ref, inputs)
    print(f"modelready: smoke run dispatched for {len(include)} deployment(s) of {r.sha[:12]}, with the workflow of {ref}")


def _smoke_report(r: Runner) -> int:
    """The smoke workflow reports back: its results decide the smoke items of the same sticky comment,
    and a `<check-name> / smoke` check run goes on the commit that was measured. The config applied is the
    base commit's, as in the pull request's own run (never the measured commit's own); the comment is
    written only while the measured commit is still the pull request's head."""
    from ..smoke.verdict import figures
    from .run import load_smoke_results

    root = r.workspace.resolve()
    files = sorted({p for pattern in r.input("smoke-result").split() for p in root.glob(pattern)})
    if not files:
        print(f"modelready: no smoke result matches {r.input('smoke-result')!r}", flush=True)
        return 1
    smoke = load_smoke_results(files)
    inputs = r.event.get("inputs") or {}
    number, r.sha = int(inputs.get("pr") or 0), inputs.get("sha") or r.sha
    data = (root / r.input("pr-path", "pull-request")).resolve()
    tree = data if data.is_dir() and data.is_relative_to(root) else root  # the measured commit, checked out as data
    publisher = _publisher(r) if number else None
    gate = Gate(publisher, f"{r.input('check-name', 'modelready')} / smoke", r.sha)
    gate.start()

    def report() -> int:
        pr = publisher.pull(number) if publisher is not None else None
        config = scope.base_config(tree, pr.base.sha, publisher)[0] if pr is not None else load_config(
            Path(r.input("config")) if r.input("config") else find_config(root))
        _warn(config)
        _hub_inputs(r, config)
        fail_on = parse_fail_on(r.input("fail-on", config.fail_on.name if config.fail_on else "never"))
        changed = publisher.changed_files(number) if publisher is not None else None
        checker = _checker(r, tree, config, fail_on, changed, smoke=smoke)
        _result, doc = checker(tree)
        if pr is not None:  # the same verdict as the PR's own run: against its base, by the same gate
            pull.compare(r, tree, doc, pr.base.sha, lambda t: checker(t)[1], True)
            baseline.gate(doc, pull.Options.of(r).gate)
        failed = [s for s in smoke if s["result"] == "fail"]
        lines = [f"- {'❌' if s['result'] == 'fail' else '✅'} **{text(s['target']['name'])}**: " + text("; ".join(figures(s) + _failed_items(s)))
                 for s in smoke]
        title = f"{len(smoke) - len(failed)} of {len(smoke)} smoke run(s) passed"
        r.write_summary(f"### modelready smoke\n\n{title}\n\n" + "\n".join(lines))
        r.write_output(result="fail" if failed else "pass")
        if publisher is not None and pull.Options.of(r).comment != "off":
            view = _view(r, gate, publisher, number)
            if view is not None and not view.current:
                gate.say(f"pull request #{number}'s head is now {view.head[:12]}: the measurements of {r.sha[:12]} stay in this check run, the comment is the newer head's")
            elif view is not None:
                try:
                    ticks = attest.records(view.attested(view.entry.get("files", "")))
                    publisher.upsert_comment(number, pull.comment(r, doc, view.comment, ticks=ticks), view.comment)
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


def _scope(changed: list[str] | None, linked: set[str] | None = None):
    """What a pull request's run keeps of the result: what it touched (None: everything)."""
    return (lambda res: narrow_to(res, changed, linked)) if changed is not None else None
