"""The model's config.json, exact parameter counts and model.safetensors.index.json from the Hugging Face Hub,
through huggingface_hub.

Only when the run may go online (the Action's default; `--offline` turns it off). The Hub is reached at
`HF_ENDPOINT` (a mirror, or a test's local server), with `HF_TOKEN` for gated models; config.json and the
index (its total_size and tensor names, for the weights as stored and modules_to_not_convert matched per
module) land in huggingface_hub's own cache and the parameter counts in a small JSON file beside it, all keyed
by the resolved commit, so a rerun at a pinned revision asks nothing. A checkpoint without an index (one
safetensors file) is sized by its header alone. Every failure (offline, 404, gated, slow,
not a safetensors repository) comes back as a note and the resolver moves to its next source.

Without a network (an egress-less runner) the run costs one TCP connect with a short timeout: no DNS answer,
a refused or a silent port marks the Hub down for the rest of the process (the base run of a pull request
included), says so in one line on stderr (logger `modelready`), and models resolve from the local cache and
the next sources. huggingface_hub is imported only when it can help: online, or offline with the model in
its cache; its own log lines and warnings never reach the user.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..load.artifacts import ArtifactProblem, load_json, weight_index

_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[\w.-]{1,96}$")
TIMEOUT_S = 10.0  # each request
CONNECT_S = 2.0  # the one connect that decides whether the Hub is reachable at all
BUDGET_S = 60.0  # the whole run: a slow Hub must not stall the gate
# (config.json, parameters per dtype or None, the source text, a note when it failed)
Fetched = tuple[dict[str, Any] | None, dict[str, int] | None, str, str | None]
_LOG = logging.getLogger("modelready")
_UNREACHABLE: dict[str, str] = {}  # endpoint -> why it could not be reached, for the whole process
_TRUE = {"1", "on", "yes", "true"}  # huggingface_hub's own reading of HF_HUB_OFFLINE
INDEX = "model.safetensors.index.json"
MAX_INDEX_BYTES = 64 * 2**20  # DeepSeek-V3's index is 9 MB; content from the Hub is bounded like the repository's
Index = tuple[int | None, tuple[str, ...]]  # (total_size, tensor names)


@dataclass
class Hub:
    endpoint: str | None = None  # None: HF_ENDPOINT, else huggingface.co
    token: str | None = None  # None: HF_TOKEN
    cache_dir: str | None = None  # None: huggingface_hub's default cache
    timeout: float = TIMEOUT_S
    budget: float = BUDGET_S
    _spent: float = 0.0
    _down: str | None = None  # why the Hub could not be reached: the rest of the run does not ask again
    _memo: dict[tuple[str, str | None], Fetched] = field(default_factory=dict)
    _indexes: dict[tuple[str, str], Index] = field(default_factory=dict)

    def fetch(self, repo_id: str, revision: str | None) -> Fetched:
        """(config.json, parameters per dtype or None, the source text, a note when it failed)."""
        key = (repo_id, revision)
        if key not in self._memo:
            self._memo[key] = self._fetch(repo_id, revision)
        return self._memo[key]

    def index(self, repo_id: str, revision: str | None) -> Index:
        """The checkpoint's model.safetensors.index.json as the last fetch of it read it; (None, ()) without one."""
        return self._indexes.get((repo_id, revision or "main"), (None, ()))

    def _fetch(self, repo_id: str, revision: str | None) -> Fetched:
        rev = revision or "main"
        where = f"Hugging Face Hub {repo_id}@{rev}"
        refused = _unaskable(repo_id, rev)
        if refused:
            return None, None, where, refused
        if self._down:
            return None, None, where, f"{where}: not asked, the Hub was unreachable earlier in this run"
        endpoint = self.endpoint or os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
        offline = _offline() or _reach(endpoint) is not None
        if offline and not (self._cache_root() / f"models--{repo_id.replace('/', '--')}").is_dir():
            why = f"unreachable ({_UNREACHABLE[endpoint]})" if endpoint in _UNREACHABLE else "HF_HUB_OFFLINE is set"
            return None, None, where, f"{where}: {why} and nothing is cached"
        if self._spent >= self.budget:
            return None, None, where, f"{where}: not asked, {self.budget:.0f} s spent on the Hub already in this run"
        # huggingface_hub retries a timed-out request with a 60 s timeout: the wall clock is bounded here
        box: list[Fetched] = []
        worker = threading.Thread(target=lambda: box.append(self._ask(repo_id, rev, where, offline)), daemon=True)
        started = time.monotonic()
        worker.start()
        worker.join(min(3 * self.timeout, self.budget - self._spent))
        self._spent += time.monotonic() - started
        if not box:
            box.append((None, None, where, f"{where}: unreachable (no answer in {time.monotonic() - started:.0f} s)"))
        note = box[0][3] or ""
        if "unreachable" in note:
            self._down = note
        return box[0]

    def _cache_root(self) -> Path:
        """huggingface_hub's cache folder, found as it finds it, without importing it."""
        if self.cache_dir:
            return Path(self.cache_dir)
        env = os.environ
        if env.get("HF_HUB_CACHE"):
            return Path(env["HF_HUB_CACHE"])
        home = env.get("HF_HOME") or os.path.join(env.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "huggingface")
        return Path(home) / "hub"

    def _ask(self, repo_id: str, rev: str, where: str, offline: bool = False) -> Fetched:
        try:
            hf, errors = _import_hub()
        except ImportError:
            return None, None, where, "huggingface_hub is not installed (pip install 'modelready[hub]')"
        endpoint = self.endpoint or os.environ.get("HF_ENDPOINT") or None
        token = self.token if self.token is not None else (os.environ.get("HF_TOKEN") or None)
        try:
            path = hf.hf_hub_download(repo_id, "config.json", revision=rev, token=token or False, cache_dir=self.cache_dir,
                                      endpoint=endpoint, etag_timeout=self.timeout, local_files_only=offline)
            config = json.loads(Path(path).read_text(encoding="utf-8"))
            commit = _commit_of(path)
            if commit and commit != rev:
                where += f" (commit {commit[:12]})"
            counts, note = self._counts(hf, errors, repo_id, rev, commit, token, endpoint, offline)
            self._indexes[(repo_id, rev)] = self._index(hf, repo_id, rev, commit, token, endpoint, offline)
            return config, counts, where, note
        except Exception as e:  # noqa: BLE001 - timeouts, refused connections, 5xx: all degrade to the next source
            return None, None, where, f"{where}: {_why_not(e, hf, errors, rev, token, offline)}"

    def _index(self, hf: Any, repo_id: str, rev: str, commit: str | None, token: str | None, endpoint: str | None, offline: bool) -> Index:
        try:
            path = Path(hf.hf_hub_download(repo_id, INDEX, revision=commit or rev, token=token or False, cache_dir=self.cache_dir,
                                           endpoint=endpoint, etag_timeout=self.timeout, local_files_only=offline))
            if path.stat().st_size > MAX_INDEX_BYTES:
                return None, ()
            return weight_index(load_json(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, ArtifactProblem):  # unreadable: the headers or config.json size it
            return None, ()
        except Exception:  # noqa: BLE001 - no index (a one-file checkpoint), or offline and not cached: likewise
            return None, ()

    def _counts(self, hf: Any, errors: Any, repo_id: str, rev: str, commit: str | None, token: str | None,
                endpoint: str | None, offline: bool = False) -> tuple[dict[str, int] | None, str | None]:
        cache = Path(self.cache_dir or hf.constants.HF_HUB_CACHE) / "modelready-params.json"
        key = f"{endpoint or ''}|{repo_id}@{commit or rev}"
        known = _read_json(cache)
        if commit and key in known:
            return known[key], None
        if offline:
            return None, "offline, no safetensors headers cached: parameters counted from config.json"
        try:
            meta = hf.HfApi(endpoint=endpoint).get_safetensors_metadata(repo_id, revision=commit or rev, token=token or False,
                                                                        timeout=self.timeout)
        except errors.NotASafetensorsRepoError:
            return None, "no safetensors weights on the Hub: parameters counted from config.json"
        except Exception as e:  # noqa: BLE001
            return None, f"safetensors headers unreadable ({type(e).__name__}): parameters counted from config.json"
        counts = {str(k): int(v) for k, v in meta.parameter_count.items()}
        if commit:
            known[key] = counts
            try:
                cache.parent.mkdir(parents=True, exist_ok=True)
                cache.write_text(json.dumps(known), encoding="utf-8")
            except OSError:
                pass  # a read-only cache costs a request next time, nothing more
        return counts, None


def _unaskable(repo_id: str, rev: str) -> str | None:
    """Why the Hub is not asked for `repo_id` at `rev`, both the PR's text; None when it may be."""
    if not _REPO_ID.match(repo_id) or ".." in repo_id:
        return f"{repo_id!r} is not a Hub repository id"
    if not _plain_revision(rev):
        return f"revision {rev[:200]!r} is no branch, tag or commit name (git's rules): not asked"
    return None


def _plain_revision(rev: str) -> bool:
    """A name git could give a branch, tag or commit (`git check-ref-format`: no `..`, no leading, final or double `/`,
    no backslash or control character). huggingface_hub joins a revision to its cache folder as a path (`refs/<rev>`)
    and opens it: `--revision ../../../x` in a manifest opened any file of the runner."""
    return (0 < len(rev) <= 255 and ".." not in rev and "//" not in rev and not rev.startswith("/") and not rev.endswith("/")
            and "\\" not in rev and not any(ord(c) < 32 or ord(c) == 127 for c in rev))


def _why_not(e: Exception, hf: Any, errors: Any, rev: str, token: str | None, offline: bool) -> str:
    """Why config.json was not read, in words a user acts on. The order matters: a GatedRepoError is a
    RepositoryNotFoundError, a LocalEntryNotFoundError an EntryNotFoundError."""
    if isinstance(e, errors.GatedRepoError):
        return "gated: HF_TOKEN was refused" if token else "gated: set HF_TOKEN (the Action's hf-token input) to read it"
    if isinstance(e, errors.RevisionNotFoundError):
        return f"revision {rev} not found"
    if isinstance(e, errors.RepositoryNotFoundError):
        return "not found (or private without a token)"
    if isinstance(e, errors.LocalEntryNotFoundError):
        return ("HF_HUB_OFFLINE is set and nothing is cached" if hf.constants.HF_HUB_OFFLINE
                else "not in the cache" if offline else "unreachable and not in the cache")
    if isinstance(e, errors.EntryNotFoundError):
        return "has no config.json"
    if isinstance(e, errors.OfflineModeIsEnabled):
        return "HF_HUB_OFFLINE is set and nothing is cached"
    if isinstance(e, json.JSONDecodeError):
        return f"config.json does not parse: {e.msg}"
    return f"unreachable ({type(e).__name__})"


def _offline() -> bool:
    """HF_HUB_OFFLINE as huggingface_hub reads it (its constant, once it is imported, else the variable)."""
    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None:
        return bool(constants.HF_HUB_OFFLINE)
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in _TRUE


def _reach(endpoint: str) -> str | None:
    """None when the endpoint accepts a TCP connection, else why not: asked once per endpoint and process,
    with one short connect and no retry, and said once on stderr."""
    if endpoint in _UNREACHABLE:
        return _UNREACHABLE[endpoint]
    url = urllib.parse.urlsplit(endpoint)
    try:
        host, port = url.hostname or "", url.port or (80 if url.scheme == "http" else 443)
        socket.create_connection((host, port), timeout=CONNECT_S).close()
        return None
    except (OSError, ValueError) as e:
        why = ("the name does not resolve" if isinstance(e, socket.gaierror)
               else f"no answer in {CONNECT_S:g} s" if isinstance(e, TimeoutError) else "connection refused"
               if isinstance(e, ConnectionRefusedError) else (getattr(e, "strerror", None) or type(e).__name__))
    _UNREACHABLE[endpoint] = why
    _LOG.warning("the Hugging Face Hub at %s is unreachable (%s): models are resolved from the local cache and the "
                 "bundled table for this run (--offline or HF_HUB_OFFLINE=1 skips the attempt)", url.netloc, why)
    return _UNREACHABLE[endpoint]


def _import_hub() -> tuple[Any, Any]:
    """huggingface_hub, its retry and warning lines kept from the user's terminal (the notes say what failed)."""
    import warnings

    import huggingface_hub as hf
    from huggingface_hub import errors

    logging.getLogger("huggingface_hub").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", module=r"huggingface_hub(\.|$)")
    return hf, errors


def _commit_of(path: str) -> str | None:
    """huggingface_hub's cache layout: .../snapshots/<commit>/config.json."""
    parts = Path(path).parts
    return parts[-2] if len(parts) >= 3 and parts[-3] == "snapshots" else None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}
