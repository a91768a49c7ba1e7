"""The GitHub side through PyGithub: changed files (and their patches), the sticky comment and its
behaviours (update, hide-and-new, new), one check run (annotations in batches of 50), a commit status
when the token cannot write checks.

Every request is bounded. Reads are retried by urllib3 (5xx, secondary rate limits); writes by `_write`,
which makes a POST idempotent by looking for what it would have created before trying again, and
retries a PATCH as it is. A `Retry-After` longer than `MAX_WAIT` is not waited for: `RateLimited` says so.
The sticky comment is the one whose id this bot recorded in its own check runs (app/ledger.py): a marker
in any other comment, whoever wrote it (another workflow's github-actions[bot] included), is text."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from ..report.document import FindingEntry
from ..report.inert import redact, redact_tree, visible
from ..report.marks import HEAD_ANY, MARKER

ANNOTATION_BATCH = 50  # the Checks API takes at most 50 annotations per request
LEVEL = {"error": "failure", "warning": "warning", "info": "notice"}
MAX_WAIT = 60.0  # seconds: the longest Retry-After a gate waits for
ATTEMPTS = 4
DEFAULT_IDENTITY = "github-actions[bot]"  # who GITHUB_TOKEN (an installation token: GET /user is 403) writes as


class RateLimited(Exception):
    def __init__(self, seconds: float):
        super().__init__(f"GitHub's rate limit: it asks to wait {seconds:.0f} s (Retry-After), more than the {MAX_WAIT:.0f} s this run waits")
        self.seconds = seconds


def _retry_class() -> Any:
    from github import GithubRetry

    class Retry(GithubRetry):
        """GithubRetry for reads, with Retry-After capped at MAX_WAIT."""

        def get_retry_after(self, response: Any) -> Any:
            seconds = super().get_retry_after(response)
            if seconds is not None and seconds > MAX_WAIT:
                raise RateLimited(seconds)
            return seconds

    return Retry


def forbidden(e: Exception) -> bool:
    """The token may not do this (a read-only token: Dependabot, forks, a restrictive default)."""
    return getattr(e, "status", None) in (401, 403, 404) and not _retry_after(e)


def _retry_after(e: Exception) -> float | None:
    headers = getattr(e, "headers", None) or {}
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


@dataclass
class Publisher:
    api_url: str
    token: str
    repository: str
    writes: list[str] = field(default_factory=list)
    sleep: Callable[[float], None] = time.sleep
    patches: dict[str, str | None] | None = None  # changed file -> its patch (None: GitHub gives none); None: not listed

    def __post_init__(self) -> None:
        from github import Auth, Github  # only `modelready github` pays for PyGithub

        # lazy: repository, issue and commit objects are URLs until used, so no GET precedes a write.
        # Only GETs are retried underneath: a write retried blindly after it landed writes twice.
        self.gh = Github(base_url=self.api_url, auth=Auth.Token(self.token), lazy=True, timeout=30,
                         retry=_retry_class()(total=ATTEMPTS, backoff_factor=0.5, allowed_methods={"GET"},
                                              status_forcelist=[429, *range(500, 600)], max_rate_limit_wait=MAX_WAIT),
                         # a run's ~20 requests are serial (GitHub's first rule against secondary limits); PyGithub's
                         # default pause of 0.25 s before each was most of a run's wall time
                         seconds_between_requests=0, seconds_between_writes=0, per_page=100)
        self.repo = self.gh.get_repo(self.repository)
        self._identity: str | None = None

    @property
    def identity(self) -> str:
        """The login the token writes as: GET /user for a user's token, github-actions[bot] for GITHUB_TOKEN."""
        if self._identity is None:
            from github import GithubException

            try:
                self._identity = self.gh.requester.requestJsonAndCheck("GET", "/user")[1]["login"]
            except GithubException as e:
                if not forbidden(e):
                    raise
                self._identity = DEFAULT_IDENTITY
        return self._identity

    def _write(self, what: str, call: Callable[[], Any], landed: Callable[[], Any] | None = None) -> Any:
        """`call()` tried up to ATTEMPTS times on 5xx, connection errors and short rate limits. Before
        trying a POST again, `landed()` looks for what the failed try may have created anyway."""
        import requests
        from github import GithubException

        for attempt in range(ATTEMPTS):
            try:
                out = call()
                self.writes.append(what)
                return out
            except GithubException as e:
                wait = _retry_after(e)
                if wait is None and (e.status < 500 and e.status != 429):
                    raise
                if wait is not None and wait > MAX_WAIT:
                    raise RateLimited(wait) from None
                if attempt == ATTEMPTS - 1:
                    raise
            except (requests.ConnectionError, requests.Timeout):
                if attempt == ATTEMPTS - 1:
                    raise
                wait = None
            self.sleep(wait if wait is not None else 0.5 * 2 ** attempt)
            if landed is not None and (found := landed()) is not None:
                self.writes.append(what + " (landed)")
                return found
        raise AssertionError("unreachable")

    # reads
    def pull(self, number: int) -> Any:
        return self.repo.get_pull(number)

    def head_sha(self, number: int) -> str:
        return str(self.pull(number).head.sha)

    def changed_files(self, number: int) -> list[str]:
        """The PR's files (a renamed file under both names); their patches are kept in `patches`."""
        out, patches = [], {}
        for f in self.pull(number).get_files():
            patches[f.filename] = f.patch
            out += [f.filename] + ([f.previous_filename] if f.previous_filename else [])
        self.patches = patches
        return out

    def open_pulls(self, sha: str, label: str) -> list[Any]:
        """The open pull requests whose head is `sha` (listed by the head's `owner:branch`, then by commit)."""
        return [p for p in self.repo.get_pulls(state="open", head=label) if p.head.sha == sha] if label else []

    def commits(self, number: int, limit: int = 100) -> list[str]:
        """A pull request's commits, newest first (at most `limit`): where its earlier check runs are."""
        shas = [c.sha for c in self.pull(number).get_commits()]
        return shas[::-1][:limit]

    def check_summaries(self, sha: str, name: str) -> list[tuple[int, str]]:
        """(id, summary) of the completed check runs `name` on `sha`, newest first."""
        runs = self.repo.get_commit(sha).get_check_runs(check_name=name, status="completed")
        return sorted(((run.id, (run.output.summary if run.output else "") or "") for run in runs), reverse=True)

    def latest_check(self, sha: str, name: str) -> tuple[str, str | None, str] | None:
        """(status, conclusion, summary) of the newest check run `name` on `sha` (the one a required check
        reads), or None when there is none."""
        runs = sorted(self.repo.get_commit(sha).get_check_runs(check_name=name), key=lambda run: run.id, reverse=True)
        return (runs[0].status, runs[0].conclusion, (runs[0].output.summary if runs[0].output else "") or "") if runs else None

    def comment_by_id(self, number: int, comment_id: int) -> Any:
        """The comment `comment_id` if it is still there, on pull request `number`, with the marker; else None."""
        from github import GithubException

        try:
            c = self.get_comment(number, comment_id)
            body, url = c.body or "", c.issue_url or ""
        except GithubException as e:
            if e.status == 404:
                return None
            raise
        return c if MARKER in body and url.rstrip("/").endswith(f"/issues/{number}") else None

    def get_comment(self, number: int, comment_id: int) -> Any:
        return self.repo.get_issue(number).get_comment(comment_id)

    def _newest_mine(self, number: int, login: str, floor: int):  # type: ignore[no-untyped-def]
        """The comments `login` wrote with the marker after comment id `floor`: what two runs at once created."""
        return sorted((c for c in self.repo.get_issue(number).get_comments() if c.id > floor and MARKER in (c.body or "") and c.user.login == login),
                      key=lambda c: c.id)

    def _floor(self, number: int) -> int:
        return max((c.id for c in self.repo.get_issue(number).get_comments()), default=0)

    def permission(self, login: str) -> str:
        return self.repo.get_collaborator_permission(login)

    def file_at(self, path: str, ref: str) -> str | None:
        """A file of the repository at `ref` (the base branch's config), None when it is not there."""
        from github import GithubException

        try:
            content = self.repo.get_contents(path, ref=ref)
        except GithubException as e:
            if e.status == 404:
                return None
            raise
        return content.decoded_content.decode("utf-8") if not isinstance(content, list) else None

    # writes
    # Every write below redacts what it sends (report.inert.redact): the client is where text leaves.
    def edit_comment(self, comment: Any, body: str) -> None:
        body = redact(body)
        self._write("comment.update", lambda: comment.edit(body))

    def upsert_comment(self, number: int, body: str, existing=None):  # type: ignore[no-untyped-def]
        """Update the sticky comment (`existing`: found by the id this bot's check runs recorded), or create it.
        Two runs at once may each create one: both look again afterwards at what was written after the
        comments they saw first, by the login their own comment shows (an App token's bot, GITHUB_TOKEN's
        github-actions[bot]); the oldest stays and a younger one is deleted. Older comments are never adopted."""
        body = redact(body)
        if existing is not None:
            if existing.body != body:
                self.edit_comment(existing, body)
            return existing
        floor = self._floor(number)
        landed = lambda: next(iter(c for c in self._newest_mine(number, self.identity, floor) if c.body == body), None)  # noqa: E731
        created = self._write("comment.create", lambda: self.repo.get_issue(number).create_comment(body), landed=landed)
        self._identity = created.user.login  # who this token writes as, as GitHub says it
        first = next(iter(self._newest_mine(number, created.user.login, floor)), None)
        if first is not None and first.id != created.id:
            self._delete(created)
            if first.body != body:
                self.edit_comment(first, body)
            return first
        return created

    def post_comment(self, number: int, body: str, existing, behaviour: str, skip_unchanged: bool = True):  # type: ignore[no-untyped-def]
        """update: edit the sticky comment in place; new: add one each run; hide-and-new: minimize the
        previous one as outdated, then add one. skip_unchanged: no new comment when the verdict and findings
        read the same as the last one (that one is brought up to the new commit in place instead)."""
        body = redact(body)
        if behaviour == "update" or existing is None:
            return self.upsert_comment(number, body, existing)
        if skip_unchanged and _same(existing.body or "", body):
            return self.upsert_comment(number, body, existing)
        if behaviour == "hide-and-new":
            self.minimize(existing)

        def landed():  # type: ignore[no-untyped-def]
            return next(iter(c for c in self._newest_mine(number, existing.user.login, existing.id) if c.body == body), None)

        return self._write("comment.create", lambda: self.repo.get_issue(number).create_comment(body), landed=landed)

    def minimize(self, comment: Any) -> None:
        """Fold a comment as outdated (GraphQL minimizeComment: REST has no such call); minimizing twice is harmless."""
        self._write("comment.minimize", lambda: self.gh.requester.graphql_named_mutation(
            "minimizeComment", {"subjectId": comment.node_id, "classifier": "OUTDATED"}, "minimizedComment { isMinimized }"))

    def _delete(self, comment: Any) -> None:
        from github import GithubException

        try:
            self._write("comment.delete", comment.delete)
        except GithubException as e:
            if e.status != 404:  # already gone: the other run deleted it
                raise

    def start_check(self, name: str, sha: str) -> Any:
        """A check run in progress, completed later by `complete_check`; None when the token may not write checks."""
        from github import GithubException

        try:
            return self._write("check_run.create", lambda: self.repo.create_check_run(
                name=name, head_sha=sha, status="in_progress", output={"title": "Checking", "summary": "modelready is reading the files."}),
                landed=lambda: self._check_in_progress(name, sha))
        except GithubException as e:
            if forbidden(e):
                return None
            raise

    def _check_in_progress(self, name: str, sha: str):  # type: ignore[no-untyped-def]
        """The newest in-progress check run `name` on `sha`: what a POST that failed to answer may have created."""
        runs = list(self.repo.get_commit(sha).get_check_runs(check_name=name, status="in_progress"))
        return max(runs, key=lambda run: run.id) if runs else None

    def complete_check(self, run: Any, conclusion: str, title: str, summary: str, annotations: list[dict[str, Any]]) -> None:
        title, summary, annotations = redact(title), redact(summary), redact_tree(annotations)
        batches = [annotations[i:i + ANNOTATION_BATCH] for i in range(0, len(annotations), ANNOTATION_BATCH)] or [[]]
        self._write("check_run.update", lambda: run.edit(status="completed", conclusion=conclusion,
                                                         output={"title": title, "summary": summary, "annotations": batches[0]}))
        for batch in batches[1:]:
            self._write("check_run.update", functools.partial(run.edit, output={"title": title, "summary": summary, "annotations": batch}))

    def commit_status(self, sha: str, context: str, state: str, description: str) -> bool:
        """A commit status (the latest per context counts, so a retry is harmless); False when forbidden."""
        from github import GithubException

        description = redact(description)
        try:
            self._write("status.create", lambda: self.repo.get_commit(sha).create_status(state=state, description=description[:140], context=context))
        except GithubException as e:
            if forbidden(e):
                return False
            raise
        return True

    def download_report(self, run_id: int, artifact_name: str, member: str, limit: int = 20 * 2**20) -> bytes | None:
        """One member of a workflow run's artifact, read in memory: nothing is extracted or executed."""
        import io
        import zipfile

        import requests

        from github.Artifact import Artifact
        from github.PaginatedList import PaginatedList

        # listed from its documented URL: WorkflowRun.get_artifacts() would first GET the run itself
        artifacts = PaginatedList(Artifact, self.gh.requester, f"{self.repo.url}/actions/runs/{run_id}/artifacts", None, list_item="artifacts")
        for art in artifacts:
            if art.name != artifact_name or art.expired:
                continue
            with requests.get(art.archive_download_url, headers={"Authorization": f"Bearer {self.token}"}, timeout=60, stream=True) as resp:
                resp.raise_for_status()
                data = resp.raw.read(limit + 1, decode_content=True)
            if len(data) > limit:
                raise ValueError(f"artifact {artifact_name} is larger than {limit} bytes")
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                info = zf.getinfo(member)
                if info.file_size > limit:
                    raise ValueError(f"{member} is larger than {limit} bytes")
                return zf.read(member)
        return None

    def dispatch(self, workflow: str, ref: str, inputs: dict[str, str]) -> None:
        """workflow_dispatch of `workflow` (file name or id) on branch `ref`: one POST, nothing read first, not
        retried (a dispatch cannot be looked for afterwards, and two smoke runs cost GPU hours)."""
        url = f"{self.repo.url}/actions/workflows/{workflow}/dispatches"
        self.gh.requester.requestJsonAndCheck("POST", url, input={"ref": ref, "inputs": inputs})
        self.writes.append("workflow.dispatch")


def _same(old: str, new: str) -> bool:
    """The same verdict and findings: the bodies differ at most in the commit they link to and show."""
    import re

    def strip(body: str) -> str:
        return HEAD_ANY.sub("@", re.sub(r"/blob/[0-9a-f]{40}/", "@", body))

    return strip(old) == strip(new)


def check_annotations(findings: Iterable[FindingEntry], lines: dict[str, set[int]] | None = None, notices: bool = False) -> list[dict[str, Any]]:
    """Annotations for the check run: on the lines the PR changed (`lines`; None: anywhere), notices only when asked."""
    out = []
    for f in findings:
        if f.suppressed or not f.line or (f.severity == "info" and not notices):
            continue
        if lines is not None and f.line not in lines.get(f.file, set()):
            continue
        out.append({"path": f.file, "start_line": f.line, "end_line": f.line, "annotation_level": LEVEL[f.severity],
                    "title": f.check, "message": visible(f.message)[:64000]})
    return out
