"""The GitHub side through PyGithub: changed files, one sticky comment, one check run (annotations in
batches of 50), a commit status when the token cannot write checks. Every write is counted."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..report.markdown import MARKER

ANNOTATION_BATCH = 50  # the Checks API takes at most 50 annotations per request
LEVEL = {"error": "failure", "warning": "warning", "info": "notice"}


@dataclass
class Publisher:
    api_url: str
    token: str
    repository: str
    writes: list[str] = field(default_factory=list)

    def __post_init__(self):
        from github import Auth, Github, GithubRetry  # only `modelready github` pays for PyGithub

        # lazy: repository, issue and commit objects are URLs until used, so no GET precedes a write.
        # GithubRetry backs off on 5xx and secondary rate limits and honours Retry-After.
        self.gh = Github(base_url=self.api_url, auth=Auth.Token(self.token), lazy=True,
                         retry=GithubRetry(total=4, backoff_factor=0.5), seconds_between_writes=0, per_page=100)
        self.repo = self.gh.get_repo(self.repository)

    def changed_files(self, number: int) -> list[str]:
        return [f.filename for f in self.repo.get_pull(number).get_files()]

    def find_comment(self, number: int):
        for comment in self.repo.get_issue(number).get_comments():
            if MARKER in (comment.body or ""):
                return comment
        return None

    def head_sha(self, number: int) -> str:
        return self.repo.get_pull(number).head.sha

    def permission(self, login: str) -> str:
        return self.repo.get_collaborator_permission(login)

    def edit_comment(self, number: int, comment_id: int, body: str) -> None:
        self.repo.get_issue(number).get_comment(comment_id).edit(body)
        self.writes.append("comment.update")

    def upsert_comment(self, number: int, body: str, existing=None) -> str:
        """Update the comment carrying the marker (`existing`, or found here), or create it: never a second one."""
        comment = existing or self.find_comment(number)
        if comment is not None:
            if comment.body != body:
                comment.edit(body)
                self.writes.append("comment.update")
            return comment.html_url
        created = self.repo.get_issue(number).create_comment(body)
        self.writes.append("comment.create")
        return created.html_url

    def check_run(self, name: str, sha: str, conclusion: str, title: str, summary: str, annotations: list[dict]) -> bool:
        """A check run with its annotations; False when the token may not write checks (caller falls back)."""
        from github import GithubException

        batches = [annotations[i:i + ANNOTATION_BATCH] for i in range(0, len(annotations), ANNOTATION_BATCH)] or [[]]
        try:
            run = self.repo.create_check_run(name=name, head_sha=sha, status="completed", conclusion=conclusion,
                                             output={"title": title, "summary": summary, "annotations": batches[0]})
        except GithubException as e:
            if e.status in (403, 404):
                return False
            raise
        self.writes.append("check_run.create")
        for batch in batches[1:]:
            run.edit(output={"title": title, "summary": summary, "annotations": batch})
            self.writes.append("check_run.update")
        return True

    def conclude(self, name: str, sha: str, conclusion: str, title: str, summary: str, annotations: list[dict]) -> None:
        """A check run, or a commit status when the token may not write checks."""
        if not self.check_run(name, sha, conclusion, title, summary, annotations):
            self.commit_status(sha, name, "failure" if conclusion == "failure" else "success", title)

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
        """workflow_dispatch of `workflow` (file name or id) on branch `ref`: one POST, nothing read first."""
        url = f"{self.repo.url}/actions/workflows/{workflow}/dispatches"
        self.gh.requester.requestJsonAndCheck("POST", url, input={"ref": ref, "inputs": inputs})
        self.writes.append("workflow.dispatch")

    def commit_status(self, sha: str, context: str, state: str, description: str) -> None:
        self.repo.get_commit(sha).create_status(state=state, description=description[:140], context=context)
        self.writes.append("status.create")


def annotations(findings: list[dict]) -> list[dict]:
    out = []
    for f in findings:
        if f["suppressed"] or not f["line"]:
            continue
        out.append({"path": f["file"], "start_line": f["line"], "end_line": f["line"], "annotation_level": LEVEL[f["severity"]],
                    "title": f["check"], "message": f["message"][:64000]})
    return out
