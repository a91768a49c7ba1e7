"""A local server speaking the Hugging Face Hub's file API, for huggingface_hub to talk to through
HF_ENDPOINT: `HEAD|GET /{repo}/resolve/{revision}/{file}` with the headers the client reads
(X-Repo-Commit, ETag, Content-Length), byte ranges for safetensors headers, and the Hub's error
codes (X-Error-Code RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo). Every request is
recorded so tests can see what the client asked and which token it sent."""

from __future__ import annotations

import hashlib
import json
import re
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote


def safetensors_header(tensors: dict[str, tuple[str, list[int]]]) -> bytes:
    """A safetensors file's header (8-byte length + JSON) for tensors {name: (dtype, shape)}; data omitted."""
    offset, header = 0, {"__metadata__": {"format": "pt"}}
    sizes = {"BF16": 2, "F16": 2, "F32": 4, "I32": 4, "F8_E4M3": 1, "U8": 1, "I8": 1}
    for name, (dtype, shape) in tensors.items():
        n = 1
        for s in shape:
            n *= s
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + n * sizes[dtype]]}
        offset += n * sizes[dtype]
    body = json.dumps(header).encode()
    return struct.pack("<Q", len(body)) + body


@dataclass
class Repo:
    files: dict[str, bytes]
    commit: str = "0" * 40
    revisions: dict[str, str] = field(default_factory=dict)  # branch or tag -> commit
    gated: bool = False


@dataclass
class HubState:
    repos: dict[str, Repo] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)  # tokens granted access to gated repos
    delay: float = 0.0  # seconds before every answer (a slow Hub)
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)  # (method, path, Authorization)


_RESOLVE = re.compile(r"^/(?:models/)?([^/]+/[^/]+)/resolve/([^/]+)/(.+)$")


def _handler(state: HubState):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_HEAD(self):
            self._serve(body=False)

        def do_GET(self):
            self._serve(body=True)

        def _error(self, status: int, code: str, message: str):
            self.send_response(status)
            self.send_header("X-Error-Code", code)
            self.send_header("X-Error-Message", message)
            self.send_header("Content-Type", "application/json")
            payload = json.dumps({"error": message}).encode()
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command == "GET":
                self.wfile.write(payload)

        def _serve(self, body: bool):
            auth = self.headers.get("Authorization")
            state.requests.append((self.command, self.path, auth))
            if state.delay:
                time.sleep(state.delay)
            m = _RESOLVE.match(self.path.split("?", 1)[0])
            if not m:
                return self._error(404, "EntryNotFound", "no such route")
            repo_id, rev, filename = m.group(1), unquote(m.group(2)), unquote(m.group(3))
            repo = state.repos.get(repo_id)
            if repo is None:
                return self._error(404, "RepoNotFound", "Repository not found")
            if repo.gated and (not auth or auth.removeprefix("Bearer ") not in state.tokens):
                return self._error(401 if not auth else 403, "GatedRepo", f"Access to model {repo_id} is restricted.")
            commit = repo.revisions.get(rev, rev if rev == repo.commit else None)
            if commit is None:
                return self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
            if filename not in repo.files:
                return self._error(404, "EntryNotFound", f"{filename} does not exist at {rev}")
            data = repo.files[filename]
            status, chunk = 200, data
            rng = self.headers.get("Range") or self.headers.get("range")
            if rng and (rm := re.match(r"bytes=(\d+)-(\d*)", rng)):
                start = int(rm.group(1))
                end = min(int(rm.group(2)) if rm.group(2) else len(data) - 1, len(data) - 1)
                status, chunk = 206, data[start:end + 1]
            self.send_response(status)
            self.send_header("X-Repo-Commit", commit)
            self.send_header("ETag", '"' + hashlib.sha1(data).hexdigest() + '"')
            self.send_header("Content-Length", str(len(chunk)))
            self.send_header("Accept-Ranges", "bytes")
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{start + len(chunk) - 1}/{len(data)}")
            self.end_headers()
            if body:
                self.wfile.write(chunk)

    return Handler


class HubServer:
    def __init__(self, state: HubState):
        self.state = state
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
