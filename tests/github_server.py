"""A local GitHub REST API for tests: every request is validated against GitHub's own OpenAPI
description (../shared/fixtures/github/rest-api-subset.json) with openapi-core, and answered with the
description's example bodies. It records the writes so tests can count them."""

from __future__ import annotations

import copy
import functools
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest
from werkzeug import Response

SPEC = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "github" / "rest-api-subset.json"


@functools.cache
def _described(base: str) -> tuple[OpenAPI, dict]:
    """GitHub's description served at `base`, and its examples: built once per address (a few tenths of a
    second each, and openapi-core keeps its compiled validators on the object), shared by the tests' fakes."""
    spec = json.loads(SPEC.read_text())
    spec["servers"] = [{"url": base}]
    # checks/create discriminates its oneOf by `status` with no mapping, so openapi-core looks for a schema
    # named after the value ("completed"), which the description does not define. The oneOf alternatives
    # (completed requires conclusion; queued/in_progress) still state the contract, and are validated.
    body = spec["paths"]["/repos/{owner}/{repo}/check-runs"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    body.pop("discriminator", None)
    for name in ("collaborator-permission.json", "artifacts.json", "authenticated-user.json", "check-runs-for-ref.json", "pulls-list.json"):
        extra = json.loads((Path(__file__).parent / "fixtures" / "github" / name).read_text())
        spec["paths"].update(extra["paths"])
    return OpenAPI.from_dict(spec), spec["components"]["examples"]


@dataclass
class FakeGitHub:
    base: str
    changed_files: list[str] = field(default_factory=list)
    patches: dict[str, str] = field(default_factory=dict)  # changed file -> its patch (default: the description's example)
    checks_forbidden: bool = False
    permissions: dict[str, str] = field(default_factory=dict)
    pull_head_sha: str | None = None  # head of every pull request this API reports (overrides `pulls`)
    pulls: dict[int, dict] = field(default_factory=dict)  # number -> {head, base, base_ref, head_ref, label, user, state}: GitHub's view
    pinned: set[int] = field(default_factory=set)  # pulls a test set itself: a runner's event does not update them
    pull_commits: dict[int, list[str]] = field(default_factory=dict)  # number -> its commits, oldest first
    artifact_zip: bytes | None = None  # the report artifact of the workflow run
    fail_next: int = 0  # answer this many requests with 502 Bad Gateway first
    identity: str = "github-actions[bot]"  # who the token writes as (GET /user is 403, as for GITHUB_TOKEN)
    read_only: bool = False  # every write answered 403, as for Dependabot's or a read-only default token
    fail_after_commit: set[str] = field(default_factory=set)  # "METHOD path-regex": the write lands, the answer is a 502 (once)
    rate_limited: set[str] = field(default_factory=set)  # "METHOD path-regex": answered 403 with Retry-After: 3600
    answer: dict[str, tuple[int, str]] = field(default_factory=dict)  # "METHOD path-regex" -> (status, raw body), before anything else
    list_barrier: threading.Barrier | None = None  # hold the first comment listings until this many runs list at once
    hold: str | None = None  # "METHOD path-regex": the first such request waits for `release` (a threaded server), `reached` set
    comments: dict[int, dict] = field(default_factory=dict)
    check_runs: dict[int, dict] = field(default_factory=dict)
    statuses: list[dict] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    writes: list[tuple[str, str]] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    dispatches: list[tuple[str, dict]] = field(default_factory=list)  # workflow, body
    minimized: list[int] = field(default_factory=list)  # comment ids folded through GraphQL minimizeComment

    def __post_init__(self):
        self.reached, self.release = threading.Event(), threading.Event()
        self.lock = threading.RLock()
        self._held = 0
        self.api, self.examples = _described(self.base)

    def example(self, name: str) -> dict:
        return copy.deepcopy(self.examples[name]["value"])

    def saw(self, payload: dict) -> None:
        """GitHub's view of a pull request follows the event a runner was given, unless the test pinned it (a
        push, a base change or a second pull request the event does not know of)."""
        pr = payload.get("pull_request")
        if not pr or pr.get("number") in self.pinned:
            return
        with self.lock:
            commits = self.pull_commits.setdefault(pr["number"], [])
            if pr["head"]["sha"] not in commits:
                commits.append(pr["head"]["sha"])
            self.pulls[pr["number"]] = {"head": pr["head"]["sha"], "base": pr["base"]["sha"], "base_ref": pr["base"]["ref"],
                                        "head_ref": pr["head"]["ref"], "label": pr["head"]["label"], "user": pr["user"]["login"], "state": "open"}

    def pin(self, number: int, **view: str) -> None:
        """Set GitHub's view of pull request `number` (what a later event would not say)."""
        with self.lock:
            self.pulls[number] = {**self.pulls.get(number, {"state": "open", "base_ref": "master", "head_ref": "changes",
                                                               "label": "Codertocat:changes", "user": "Codertocat"}), **view}
            self.pinned.add(number)

    def pull(self, number: int) -> dict:
        pull = self.example("pull-request")
        view = self.pulls.get(number, {})
        pull["number"] = number
        pull["url"] = f"{self.base}/repos/Codertocat/Hello-World/pulls/{number}"
        pull["state"] = view.get("state", pull["state"])
        pull["head"].update(sha=view.get("head", pull["head"]["sha"]), ref=view.get("head_ref", pull["head"]["ref"]), label=view.get("label", pull["head"]["label"]))
        pull["base"].update(sha=view.get("base", pull["base"]["sha"]), ref=view.get("base_ref", pull["base"]["ref"]))
        pull["user"] = {**pull["user"], "login": view.get("user", pull["user"]["login"])}
        if self.pull_head_sha:
            pull["head"]["sha"] = self.pull_head_sha
        return pull

    def comment_by(self, login: str, body: str, type_: str = "User") -> dict:
        """A comment someone else wrote (before or after the bot's first run)."""
        with self.lock:
            c = self.example("issue-comment")
            c["id"] = 1000 + len(self.comments)
            c["body"], c["user"] = body, {**c["user"], "login": login, "type": type_}
            c["issue_url"] = f"{self.base}/repos/Codertocat/Hello-World/issues/2"
            self.comments[c["id"]] = c
            return c

    @staticmethod
    def _matches(rules, request) -> str | None:
        return next((rule for rule in rules if rule.split(" ", 1)[0] == request.method and re.fullmatch(rule.split(" ", 1)[1], request.path)), None)

    def handle(self, request) -> Response:
        if self.hold and self._matches([self.hold], request) and not self.reached.is_set():
            self.reached.set()  # the run is mid-way: the test cancels it here, as GitHub's concurrency does
            self.release.wait(timeout=120)
        if self.list_barrier is not None and request.method == "GET" and request.path.endswith("/comments"):
            with self.lock:
                hold = self._held < self.list_barrier.parties
                self._held += 1
            if hold:  # the first listing of each run waits for the others: none has seen another's comment yet
                try:
                    self.list_barrier.wait(timeout=30)
                except threading.BrokenBarrierError:
                    pass
        with self.lock:
            response = self._handle(request)
            if (rule := self._matches(self.fail_after_commit, request)) and response.status_code < 300:
                self.fail_after_commit.discard(rule)
                return Response(json.dumps({"message": "Server Error"}), 502, content_type="application/json")
            return response

    def _handle(self, request) -> Response:
        self.requests.append((request.method, request.path))
        if (rule := self._matches(self.answer, request)):
            status, raw = self.answer[rule]
            return Response(raw, status, content_type="application/json")
        if self._matches(self.rate_limited, request):
            return Response(json.dumps({"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                                        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}),
                            403, headers={"Retry-After": "3600"}, content_type="application/json")
        if self.fail_next > 0:
            self.fail_next -= 1
            return Response(json.dumps({"message": "Server Error"}), 502, content_type="application/json")
        if request.path == "/storage/report.zip":  # the blob host an artifact download redirects to: not the API
            return Response(self.artifact_zip or b"", 200, content_type="application/zip")
        if request.path == "/graphql" and request.method == "POST":
            return self._graphql(request.get_json(silent=True) or {})
        try:
            self.api.validate_request(WerkzeugOpenAPIRequest(request))
        except Exception as e:  # noqa: BLE001 - any contract violation fails the test that made it
            self.invalid.append(f"{request.method} {request.path}: {type(e).__name__}: {e}")
            return Response(json.dumps({"message": "request does not match the OpenAPI description"}), 422, content_type="application/json")
        if request.method != "GET":
            if self.read_only:
                return self._json({"message": "Resource not accessible by integration", "status": "403"}, 403)
            self.writes.append((request.method, request.path))
        if request.path == "/user":  # an installation token has no user
            return self._json({"message": "Resource not accessible by integration", "status": "403"}, 403)
        body = request.get_json(silent=True) or {}
        path, m = request.path, None
        if request.method == "GET" and (m := re.fullmatch(r"/repos/[^/]+/[^/]+/pulls/(\d+)/files", path)):
            per_page, page = int(request.args.get("per_page", 30)), int(request.args.get("page", 1))
            listed = self.changed_files[:3000]  # GitHub lists at most 3,000 files of a pull request
            items = []
            for name in listed[(page - 1) * per_page:page * per_page]:
                item = self.example("diff-entry-items")[0]
                item["filename"] = name
                if name in self.patches:
                    item["patch"] = self.patches[name]
                items.append(item)
            last = max(1, -(-len(listed) // per_page))
            headers = {}
            if page < last:
                url = f"{self.base}{path}?per_page={per_page}&page="
                headers["Link"] = f'<{url}{page + 1}>; rel="next", <{url}{last}>; rel="last"'
            return Response(json.dumps(items), 200, headers=headers, content_type="application/json")
        if (m := re.fullmatch(r"/repos/([^/]+)/([^/]+)/issues/(\d+)/comments", path)):
            if request.method == "GET":
                return self._json(list(self.comments.values()))
            c = self.example("issue-comment")
            c["id"] = 1000 + len(self.comments)
            c["node_id"] = f"IC_kwDO{c['id']}"
            c["body"] = body["body"]
            c["user"] = {**c["user"], "login": self.identity, "type": "Bot"}
            c["url"] = f"{self.base}/repos/{m.group(1)}/{m.group(2)}/issues/comments/{c['id']}"
            c["issue_url"] = f"{self.base}/repos/{m.group(1)}/{m.group(2)}/issues/{m.group(3)}"
            self.comments[c["id"]] = c
            return self._json(c, 201)
        if (m := re.fullmatch(r"/repos/[^/]+/[^/]+/collaborators/([^/]+)/permission", path)):
            perm = self.permissions.get(m.group(1), "read")
            return self._json({"permission": perm, "role_name": perm, "user": self.example("issue-comment")["user"]})
        if (m := re.fullmatch(r"/repos/[^/]+/[^/]+/pulls/(\d+)", path)):
            return self._json(self.pull(int(m.group(1))))
        if re.fullmatch(r"/repos/[^/]+/[^/]+/pulls", path):
            want, head = request.args.get("state", "open"), request.args.get("head")
            listed = [self.pull(n) for n in sorted(self.pulls)]
            return self._json([p for p in listed if want in (p["state"], "all") and head in (None, p["head"]["label"])])
        if (m := re.fullmatch(r"/repos/[^/]+/[^/]+/pulls/(\d+)/commits", path)):
            shas = self.pull_commits.get(int(m.group(1))) or [self.pull(int(m.group(1)))["head"]["sha"]]
            return self._json([{"sha": sha, "url": f"{self.base}/repos/Codertocat/Hello-World/commits/{sha}"} for sha in shas])
        if (m := re.fullmatch(r"/repos/([^/]+)/([^/]+)/actions/runs/(\d+)/artifacts", path)):
            arts = []
            if self.artifact_zip is not None:
                arts.append({"id": 11, "node_id": "MDg6QXJ0aWZhY3QxMQ==", "name": "modelready-report", "size_in_bytes": len(self.artifact_zip),
                             "url": f"{self.base}/repos/{m.group(1)}/{m.group(2)}/actions/artifacts/11",
                             "archive_download_url": f"{self.base}/repos/{m.group(1)}/{m.group(2)}/actions/artifacts/11/zip",
                             "expired": False, "created_at": "2026-11-23T10:00:00Z", "expires_at": "2026-12-23T10:00:00Z", "updated_at": "2026-11-23T10:00:00Z"})
            return self._json({"total_count": len(arts), "artifacts": arts})
        if re.fullmatch(r"/repos/[^/]+/[^/]+/actions/artifacts/11/zip", path):
            return Response("", 302, headers={"Location": f"{self.base}/storage/report.zip"})
        if (m := re.fullmatch(r"/repos/[^/]+/[^/]+/issues/comments/(\d+)", path)) and request.method == "GET":
            return self._json(self.comments[int(m.group(1))])
        if (m := re.fullmatch(r"/repos/[^/]+/[^/]+/issues/comments/(\d+)", path)) and request.method == "DELETE":
            if self.comments.pop(int(m.group(1)), None) is None:
                return self._json({"message": "Not Found"}, 404)
            return Response(status=204)
        if (m := re.fullmatch(r"/repos/[^/]+/[^/]+/issues/comments/(\d+)", path)) and request.method == "PATCH":
            c = self.comments[int(m.group(1))]
            c["body"] = body["body"]
            return self._json(c)
        if (m := re.fullmatch(r"/repos/[^/]+/[^/]+/commits/([^/]+)/check-runs", path)):
            runs = [run for run in self.check_runs.values() if run["head_sha"] == m.group(1)
                    and run["name"] == request.args.get("check_name", run["name"]) and run["status"] == request.args.get("status", run["status"])]
            return self._json({"total_count": len(runs), "check_runs": sorted(runs, key=lambda run: -run["id"])})
        if re.fullmatch(r"/repos/([^/]+)/([^/]+)/check-runs", path):
            if self.checks_forbidden:
                return self._json({"message": "Resource not accessible by integration"}, 403)
            run = self.example("check-run")
            run.update(id=5000 + len(self.check_runs), name=body["name"], head_sha=body["head_sha"], status=body.get("status"),
                       conclusion=body.get("conclusion"), url=f"{self.base}{path}/{5000 + len(self.check_runs)}")
            run["output"] = dict(body.get("output") or {})
            run["annotations_sent"] = len((body.get("output") or {}).get("annotations") or [])
            self.check_runs[run["id"]] = run
            return self._json(run, 201)
        if (m := re.fullmatch(r"/repos/[^/]+/[^/]+/check-runs/(\d+)", path)) and request.method == "PATCH":
            run = self.check_runs[int(m.group(1))]
            run["annotations_sent"] += len((body.get("output") or {}).get("annotations") or [])
            run.update({k: body[k] for k in ("status", "conclusion") if k in body})
            run["output"] = {**run["output"], **{k: v for k, v in (body.get("output") or {}).items() if k != "annotations"}}
            return self._json(run)
        if (m := re.fullmatch(r"/repos/[^/]+/[^/]+/actions/workflows/([^/]+)/dispatches", path)):
            self.dispatches.append((m.group(1), body))
            return Response(status=204)
        if re.fullmatch(r"/repos/[^/]+/[^/]+/statuses/\w+", path):
            st = self.example("status")
            st.update(state=body["state"], context=body.get("context"), description=body.get("description"))
            self.statuses.append(st)
            return self._json(st, 201)
        return self._json({"message": "Not Found"}, 404)

    CLASSIFIERS = {"SPAM", "ABUSE", "OFF_TOPIC", "OUTDATED", "DUPLICATE", "RESOLVED"}  # GitHub's ReportedContentClassifiers

    def _graphql(self, body: dict) -> Response:
        """Only the minimizeComment mutation, checked as GitHub's GraphQL schema states it: MinimizeCommentInput
        {subjectId: ID!, classifier: ReportedContentClassifiers!}; anything else is an error answer."""
        query, inp = body.get("query", ""), (body.get("variables") or {}).get("input") or {}
        by_node = {c["node_id"]: cid for cid, c in self.comments.items()}
        if (not re.fullmatch(r"mutation \w+\(\$input: MinimizeCommentInput!\) \{ minimizeComment\(input: \$input\) \{ .+ \} \}", query)
                or set(inp) - {"subjectId", "classifier", "clientMutationId"} or inp.get("classifier") not in self.CLASSIFIERS
                or inp.get("subjectId") not in by_node):
            self.invalid.append(f"POST /graphql: {query!r} {inp!r}")
            return self._json({"errors": [{"type": "INVALID", "message": "not a minimizeComment this API knows"}]})
        self.writes.append(("POST", "/graphql"))
        self.minimized.append(by_node[inp["subjectId"]])
        return self._json({"data": {"minimizeComment": {"minimizedComment": {"isMinimized": True}}}})

    @staticmethod
    def _json(data, status=200) -> Response:
        return Response(json.dumps(data), status, content_type="application/json")
