"""What a run leaves and where: the report and SARIF files, the job summary, the outputs and the log (every
run, token or not); for a pull request also the comment (best effort, by its behaviour) and the check run
completed with annotations on the changed lines. The check run's life is publish.gate's: created in
progress first, completed here, failed with one line whatever goes wrong (`guarded`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable

from ..publish import attest, log
from ..publish.gate import Gate, cause
from ..publish.runner import Runner
from ..report import verdict
from ..report.document import Report
from ..report.inert import redact, text
from ..report.marks import MARKER
from .inputs import Inputs

NO_LONGER = MARKER + "\nmodelready: this pull request no longer touches deployment files; nothing to check.\n"


def publisher_of(r: Runner) -> Any:
    """A github.Publisher for the run's token, or None without one."""
    if not r.token:
        return None
    from ..publish.github import Publisher

    return Publisher(r.api_url, r.token, r.repository)


def guarded(r: Runner, gate: Gate, body: Callable[[], int]) -> int:
    """Run `body`; whatever it raises completes the check with a failure and one line, never a traceback."""
    try:
        return body()
    except KeyboardInterrupt:  # cancelled (action.cancellable): completed as such, never left in progress
        gate.finish("cancelled", "Cancelled before it decided: the next run of this pull request judges its head",
                    "This run was cancelled before it decided (GitHub cancels a pull request's run when a newer one of its "
                    "concurrency group starts). That newer run, whatever its event, judges the pull request's head; "
                    "re-running this workflow does too.")
        print("modelready: cancelled: the check run says so; the next run of this pull request judges its head", flush=True)
        return 130
    except ValueError as e:  # a bad input or config: exit 2 with the line (cli prints it)
        gate.fail(str(e))
        raise
    except Exception as e:  # noqa: BLE001 - the required check must report, with why
        why = cause(e)
        gate.fail(why)
        print(f"modelready: could not finish: {why}", file=sys.stderr, flush=True)
        r.write_summary(f"**modelready could not finish:** {text(why)}")
        return 2


def refuse(r: Runner, gate: Gate, why: str) -> int:
    gate.fail(why)
    print(f"modelready: {why}", flush=True)
    r.write_summary(f"**modelready:** {text(why)}")
    return 1


def record(r: Runner, inputs: Inputs, root: Path, doc: Report, summary: str | None) -> None:
    """What every run leaves, token or not: report and SARIF files, the job summary, outputs, the log.
    `summary` None: the change touches no deployment file."""
    report_path, sarif_path = write_reports(inputs, root, doc)
    r.write_summary(summary if summary is not None else "modelready: this change touches no deployment file.")
    v = verdict.of(doc)
    counts, new = doc.summary.findings, v.new
    r.write_output(result=v.result if summary is not None else "neutral", errors=counts["error"], warnings=counts["warning"],
                   new_errors=new["error"], new_warnings=new["warning"], sarif_path=sarif_path, report_path=report_path)
    if summary is not None:
        log.tell(doc)


def write_reports(inputs: Inputs, root: Path, doc: Report) -> tuple[Path, Path]:
    from ..report import sarif, wire

    report_path, sarif_path = root / inputs.report_path, root / inputs.sarif_path
    report_path.write_text(wire.redacted(doc), encoding="utf-8")  # redact(dumps(doc)), found from its pieces
    sarif_path.write_text(redact(json.dumps(sarif.render(doc), separators=(",", ":"))) + "\n", encoding="utf-8")
    return report_path, sarif_path


def comment(r: Runner, inputs: Inputs, doc: Report, existing: Any, limit: int | None = None, notes: str = "",
            ticks: dict[str, str] | None = None, top: str = "") -> str:
    """The sticky comment for `doc`. `ticks`: the attestations stored for this pull request that still hold
    (app.ledger; never read from a comment, which anyone with write access can edit), kept with who and when;
    `top`: what the pull request changes of the gate itself, first under the headline."""
    from ..report import comment as builder

    ticks = ticks or {}
    return builder.build(attest.apply(doc, ticks), linker(r), summary_url=run_url(r), ticked=ticks, require_attestations=inputs.require_attestations,
                         limit=limit or builder.COMMENT_LIMIT, notes=notes, head_sha=r.sha, top=top)


def summary(r: Runner, inputs: Inputs, doc: Report, existing: Any, notes: str = "", ticks: dict[str, str] | None = None,
            top: str = "") -> str:
    """The job summary: the same story with every finding listed, within its own 1 MiB."""
    from ..report import comment as builder

    return builder.build(doc, linker(r), summary_url=None, ticked=ticks or {}, require_attestations=inputs.require_attestations,
                         limit=builder.SUMMARY_LIMIT - 1024, full=True, notes=notes, top=top)


def run_url(r: Runner) -> str | None:
    return f"{r.server_url}/{r.repository}/actions/runs/{r.run_id}" if r.run_id and r.repository else None


def linker(r: Runner) -> Callable[[str, int], str | None]:
    """Links to file lines at the PR's head commit."""
    if not (r.repository and r.sha):
        return lambda path, line: None
    from urllib.parse import quote

    base = f"{r.server_url}/{r.repository}/blob/{r.sha}/"
    # the path is the PR's: percent-encoded, so no character of it can end the link or start another
    return lambda path, line: base + quote(path, safe="/") + (f"#L{line}" if line else "")


def view_of(r: Runner, inputs: Inputs, gate: Gate, publisher: Any, number: int | None) -> Any:
    """The pull request read again just before anything is written, with what this gate recorded about it
    (ledger.View); None: no PR, or it could not be read, and then only the check run is written."""
    from .ledger import View

    if publisher is None or not number:
        return None
    try:
        return View.of(publisher, inputs.check_name, number, r.sha, r.event.get("before") or "")
    except Exception as e:  # noqa: BLE001 - the comment is best effort; the check is not
        best_effort(gate, e, "the pull request could not be read again, so only the check run is written")
        return None


def post_comment(r: Runner, inputs: Inputs, gate: Gate, publisher: Any, number: int | None, body: str, touched: bool, existing: Any) -> Any:
    """The PR's comment, by its behaviour, best effort (the comment written, or None); a PR that no longer
    touches deployment files gets its old comment replaced by one line."""
    if publisher is None or number is None or inputs.comment == "off":
        return existing
    try:
        if touched:
            return publisher.post_comment(number, body, existing, inputs.comment, skip_unchanged=inputs.skip_if_unchanged)
        if existing is not None:  # it touched deployment files before: its verdict is stale
            return publisher.upsert_comment(number, NO_LONGER, existing)
    except Exception as e:  # noqa: BLE001 - the comment is best effort; the check is not
        best_effort(gate, e, "the comment was not written")
    return existing


def conclude(r: Runner, inputs: Inputs, gate: Gate, doc: Report, body: str, touched: bool, existing: Any = None,
             lines: dict[str, set[int]] | None = None, view: Any = None, comment_id: int | None = None,
             record: dict[str, Any] | None = None) -> None:
    """The check run on this commit: annotations on `lines` (the lines the PR changed; None: every finding's
    line). With `view`, its conclusion is the strictest over every open pull request whose head this commit
    is, and it records this one's verdict, comment and attestations (app.ledger)."""
    from ..publish import github

    if not touched:
        own, title, text_, notes = "neutral", "No deployment files changed", "This change touches no file modelready checks.", []
    else:
        v = verdict.of(doc)
        own, title = ("failure" if v.fails else "success"), v.title(doc.summary.deployments)
        text_ = unticked(body if len(body) < 60000 else comment(r, inputs, doc, existing, limit=55000))
        notes = github.check_annotations(doc.findings, lines=lines, notices=inputs.annotation_notices)
    conclusion = own
    if view is not None:
        conclusion, others = view.combined(own)
        if others:
            title = (title + f"; strictest of {len(others) + 1} pull requests" if conclusion != own else title)[:200]
            text_ += "\n\n**This commit is the head of other open pull requests too**; the check is the strictest verdict:\n" + "\n".join(
                f"- {line}" for line in others)
        text_ += "\n" + view.record(own, comment_id, **(record or {}))
    gate.finish(conclusion, title, text_, notes or None)


def unticked(body: str) -> str:
    """The comment as a check run's summary: boxes there cannot be ticked, so they are plain marks."""
    import re

    return re.sub(r"^(\s*)- \[([ xX])\] ", lambda m: f"{m.group(1)}- {'☑' if m.group(2) != ' ' else '☐'} ", body, flags=re.M)


def best_effort(gate: Gate, e: Exception, what: str) -> None:
    from ..publish.github import RateLimited

    if isinstance(e, RateLimited):  # waiting longer is not an option: the check says so
        raise e
    gate.say(f"{what}: {cause(e)}")
