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
from pathlib import Path

from ..config import find_config, load_config
from ..findings import Severity
from ..publish import attest
from ..publish.runner import Runner
from .scope import narrow_to, relevant

PR_ACTIONS = {"opened", "synchronize", "reopened", "ready_for_review"}
RESULT_MARK = "<!-- modelready:result:{} -->"


def _attestation(r: Runner) -> int:
    """A person edited the sticky comment: keep ticks by people with write access, revert the others,
    and re-issue the check with the attestations counted. Edits by bots (our own included) are ignored."""
    import datetime as dt

    from ..publish.github import Publisher

    comment, issue = r.event.get("comment") or {}, r.event.get("issue") or {}
    sender = r.event.get("sender") or {}
    ignored = _not_an_attestation(r, comment, issue, sender)
    if ignored:
        print(f"modelready: {ignored}: nothing to do")
        return 0
    old = ((r.event.get("changes") or {}).get("body") or {}).get("from", "")
    new = comment["body"]
    pub = Publisher(r.api_url, r.token, r.repository)
    login = sender.get("login", "")
    permission = pub.permission(login)
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    body, accepted, reverted = attest.reconcile(old, new, login, permission, now)
    number = int(issue["number"])
    if body != new:
        pub.edit_comment(number, int(comment["id"]), body)
    failed = RESULT_MARK.format("fail") in body
    boxes = attest.state(body)
    done = sum(1 for ticked, _ in boxes.values() if ticked)
    title = f"{done} of {len(boxes)} attestations; " + ("findings fail the gate" if failed else "no failing findings")
    lines = _attestation_lines(login, permission, accepted, reverted)
    pub.check_run(r.input("check-name", "modelready"), pub.head_sha(number), "failure" if failed else "success", title, "\n\n".join(lines), [])
    r.write_summary("\n\n".join(lines))
    r.write_output(result="fail" if failed else "pass")
    return 1 if failed else 0


def _not_an_attestation(r: Runner, comment: dict, issue: dict, sender: dict) -> str | None:
    """Why this issue_comment event is not a person's edit of the checklist to reconcile; None when it is."""
    from ..report.markdown import MARKER

    if r.event.get("action") != "edited" or MARKER not in (comment.get("body") or "") or not issue.get("pull_request"):
        return "not an edit of the checklist comment"
    if sender.get("type") == "Bot" or not r.token or r.from_fork:
        return "edit by a bot or without a write token"
    return None


def _attestation_lines(login: str, permission: str, accepted: list[str], reverted: list[str]) -> list[str]:
    lines = [f"@{login} ({permission}) " + (f"attested {', '.join(accepted)}" if accepted else "changed no attestation")]
    if reverted:
        lines.append(f"reverted {', '.join(reverted)}: attesting needs write access")
    return lines


def run(r: Runner) -> int:
    root = r.workspace.resolve()
    config = load_config(Path(r.input("config")) if r.input("config") else find_config(root))
    config.online = r.input("offline", "false").strip().lower() != "true"
    fail_on = Severity.parse(r.input("fail-on", config.fail_on.name))
    if r.event_name == "issue_comment":
        return _attestation(r)
    if r.event_name == "workflow_run":
        return _from_artifact(r)
    if r.event_name == "workflow_dispatch" and r.input("smoke-result"):
        return _smoke_report(r, config, fail_on)
    if r.event_name == "pull_request" and r.event.get("action") not in PR_ACTIONS:
        print(f"modelready: pull_request {r.event.get('action')}: nothing to do")
        return 0
    return _check(r, root, config, fail_on)


def _check(r: Runner, root: Path, config, fail_on: Severity) -> int:  # type: ignore[no-untyped-def]
    """pull_request or an audit: check, write the report, SARIF, summary and outputs, then publish."""
    from .run import run as check_run

    pr = r.event.get("pull_request") if r.event_name == "pull_request" else None
    publisher = _publisher(r)
    number = int(pr["number"]) if pr is not None else None
    changed = publisher.changed_files(number) if number is not None and publisher is not None else None
    result, doc = check_run(_paths(r, root), root, config, r.input("profile") or None, fail_on, trivy=_trivy(r, config),
                            keep=_scope(changed))
    existing = publisher.find_comment(number) if number is not None and publisher is not None else None
    body = _comment(r, doc, existing)
    if pr is not None:  # what a workflow_run job needs to publish for a fork; checked there, never trusted
        doc["github"] = {"pull_request": number, "head_sha": r.sha}
    report_path, sarif_path = _write_reports(r, root, doc)
    result_word = doc["summary"]["result"]
    touched = changed is None or bool(relevant(changed))
    r.write_summary(body if touched else "modelready: this pull request touches no deployment file.")
    counts = doc["summary"]["findings"]
    r.write_output(result=result_word if touched else "neutral", errors=counts["error"], warnings=counts["warning"],
                   sarif_path=sarif_path, report_path=report_path)
    if number is not None and publisher is not None and not r.from_fork:
        _publish(publisher, r, number, r.input("check-name", "modelready"), doc, body, touched, existing)
        if touched and r.input("smoke", "off") == "dispatch":
            _dispatch_smoke(publisher, r, pr, result)
    elif pr is not None:
        print("modelready: read-only token (fork pull request): results are in the job summary and SARIF; no comment or check written")
    return 1 if touched and result_word == "fail" else 0


def _publisher(r: Runner):  # type: ignore[no-untyped-def]
    if not r.token:
        return None
    from ..publish.github import Publisher

    return Publisher(r.api_url, r.token, r.repository)


def _write_reports(r: Runner, root: Path, doc: dict) -> tuple[Path, Path]:
    from ..report import sarif

    report_path = root / r.input("report-path", "modelready-report.json")
    sarif_path = root / r.input("sarif-path", "modelready.sarif")
    report_path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    sarif_path.write_text(json.dumps(sarif.render(doc), separators=(",", ":")) + "\n", encoding="utf-8")
    return report_path, sarif_path


def _from_artifact(r: Runner) -> int:
    """workflow_run: publish the comment and check for a pull request whose own run had a read-only token.

    The artifact comes from code we do not trust: only the report JSON is read, it must match the report
    schema, and the pull request it names must have the head commit that triggered this run."""
    from importlib import resources

    import jsonschema

    from ..publish.github import Publisher

    run = r.event.get("workflow_run") or {}
    if r.event.get("action") != "completed" or run.get("event") != "pull_request" or not r.token:
        print("modelready: not a completed pull_request run, or no token: nothing to do")
        return 0
    pub = Publisher(r.api_url, r.token, r.repository)
    raw = pub.download_report(int(run["id"]), r.input("artifact-name", "modelready-report"), r.input("report-path", "modelready-report.json"))
    if raw is None:
        print("modelready: the run left no report artifact: nothing to publish")
        return 0
    doc = json.loads(raw)
    schema = json.loads(resources.files("modelready.report").joinpath("report-schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(doc)
    claimed = doc.get("github") or {}
    number, sha = int(claimed.get("pull_request", 0)), run.get("head_sha", "")
    if not number or pub.head_sha(number) != sha or claimed.get("head_sha") != sha:
        print(f"modelready: the report names pull request {number}, whose head is not {sha}: refusing to publish it")
        return 1
    r.sha = sha
    existing = pub.find_comment(number)
    body = _comment(r, doc, existing)
    _publish(pub, r, number, r.input("check-name", "modelready"), doc, body, True, existing)
    r.write_summary(body)
    return 0


def _publish(publisher, r: Runner, number: int, check_name: str, doc: dict, body: str, touched: bool, existing=None) -> None:
    from ..publish.github import annotations

    if not touched:
        publisher.check_run(check_name, r.sha, "neutral", "No deployment files changed", "This pull request touches no file modelready checks.", [])
        return
    if r.input("comment", "true").lower() != "false":
        publisher.upsert_comment(number, body, existing)
    s = doc["summary"]
    conclusion = "failure" if s["result"] == "fail" else "success"
    title = f"{s['findings']['error']} error(s), {s['findings']['warning']} warning(s) in {s['deployments']} deployment(s)"
    summary = body if len(body) < 65000 else body[:64000] + "\n\n… (truncated)"
    publisher.conclude(check_name, r.sha, conclusion, title, summary, annotations(doc["findings"]))


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


def _smoke_report(r: Runner, config, fail_on) -> int:
    """The smoke workflow reports back: its results decide the smoke items of the same sticky comment,
    and a `<check-name> / smoke` check run goes on the commit that was measured."""
    from .run import load_smoke_results, run as check_run
    from ..smoke.verdict import figures
    from ..publish.github import Publisher

    root = r.workspace.resolve()
    files = sorted({p for pattern in r.input("smoke-result").split() for p in root.glob(pattern)})
    if not files:
        print(f"modelready: no smoke result matches {r.input('smoke-result')!r}", flush=True)
        return 1
    smoke = load_smoke_results(files)
    inputs = r.event.get("inputs") or {}
    number, sha = int(inputs.get("pr") or 0), inputs.get("sha") or r.sha
    publisher = Publisher(r.api_url, r.token, r.repository) if r.token and number else None
    changed = publisher.changed_files(number) if publisher is not None else None
    _result, doc = check_run(_paths(r, root), root, config, r.input("profile") or None, fail_on, smoke=smoke, keep=_scope(changed))
    r.sha = sha
    failed = [s for s in smoke if s["result"] == "fail"]
    lines = [f"- {'❌' if s['result'] == 'fail' else '✅'} **{s['target']['name']}**: " + "; ".join(figures(s) + _failed_items(s)) for s in smoke]
    title = f"{len(smoke) - len(failed)} of {len(smoke)} smoke run(s) passed"
    r.write_summary(f"### modelready smoke\n\n{title}\n\n" + "\n".join(lines))
    r.write_output(result="fail" if failed else "pass")
    if publisher is not None:
        existing = publisher.find_comment(number)
        if r.input("comment", "true").lower() != "false":
            publisher.upsert_comment(number, _comment(r, doc, existing), existing)
        publisher.conclude(f"{r.input('check-name', 'modelready')} / smoke", sha, "failure" if failed else "success", title, "\n".join(lines), [])
    return 1 if failed else 0


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
    return markdown.render(doc, link=_linker(r), ticked=ticks) + f"\n{RESULT_MARK.format(doc['summary']['result'])}\n"


def _linker(r: Runner):
    """Links to file lines at the PR's head commit."""
    if not (r.repository and r.sha):
        return lambda path, line: None
    base = f"{r.server_url}/{r.repository}/blob/{r.sha}/"
    return lambda path, line: base + path + (f"#L{line}" if line else "")
