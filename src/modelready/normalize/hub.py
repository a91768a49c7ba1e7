"""The model's config.json and exact parameter counts from the Hugging Face Hub, through huggingface_hub.

Only when the run may go online (the Action's default; `--offline` turns it off). The Hub is reached at
`HF_ENDPOINT` (a mirror, or a test's local server), with `HF_TOKEN` for gated models; config.json lands in
huggingface_hub's own cache and the parameter counts in a small JSON file beside it, both keyed by the
resolved commit, so a rerun at a pinned revision asks nothing. Every failure (offline, 404, gated, slow,
not a safetensors repository) comes back as a note and the resolver moves to its next source.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[\w.-]{1,96}$")
TIMEOUT_S = 10.0  # each request
BUDGET_S = 60.0  # the whole run: a slow Hub must not stall the gate
# (config.json, parameters per dtype or None, the source text, a note when it failed)
Fetched = tuple[dict[str, Any] | None, dict[str, int] | None, str, str | None]


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

    def fetch(self, repo_id: str, revision: str | None) -> Fetched:
        """(config.json, parameters per dtype or None, the source text, a note when it failed)."""
        key = (repo_id, revision)
        if key not in self._memo:
            self._memo[key] = self._fetch(repo_id, revision)
        return self._memo[key]

    def _fetch(self, repo_id: str, revision: str | None) -> Fetched:
        rev = revision or "main"
        where = f"Hugging Face Hub {repo_id}@{rev}"
        if not _REPO_ID.match(repo_id) or ".." in repo_id:
            return None, None, where, f"{repo_id!r} is not a Hub repository id"
        if self._down:
            return None, None, where, f"{where}: not asked, the Hub was unreachable earlier in this run"
        if self._spent >= self.budget:
            return None, None, where, f"{where}: not asked, {self.budget:.0f} s spent on the Hub already in this run"
        # huggingface_hub retries a timed-out request with a 60 s timeout: the wall clock is bounded here
        box: list[Fetched] = []
        worker = threading.Thread(target=lambda: box.append(self._ask(repo_id, rev, where)), daemon=True)
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

    def _ask(self, repo_id: str, rev: str, where: str) -> Fetched:
        try:
            import huggingface_hub as hf
            from huggingface_hub import errors
        except ImportError:
            return None, None, where, "huggingface_hub is not installed (pip install 'modelready[hub]')"
        endpoint = self.endpoint or os.environ.get("HF_ENDPOINT") or None
        token = self.token if self.token is not None else (os.environ.get("HF_TOKEN") or None)
        try:
            path = hf.hf_hub_download(repo_id, "config.json", revision=rev, token=token or False, cache_dir=self.cache_dir,
                                      endpoint=endpoint, etag_timeout=self.timeout)
            config = json.loads(Path(path).read_text(encoding="utf-8"))
            commit = _commit_of(path)
            if commit and commit != rev:
                where += f" (commit {commit[:12]})"
            counts, note = self._counts(hf, errors, repo_id, rev, commit, token, endpoint)
            return config, counts, where, note
        except errors.GatedRepoError:
            why = "gated: HF_TOKEN was refused" if token else "gated: set HF_TOKEN (the Action's hf-token input) to read it"
        except errors.RevisionNotFoundError:
            why = f"revision {rev} not found"
        except errors.RepositoryNotFoundError:
            why = "not found (or private without a token)"
        except errors.LocalEntryNotFoundError:
            why = ("HF_HUB_OFFLINE is set and nothing is cached" if hf.constants.HF_HUB_OFFLINE
                   else "unreachable and not in the cache")
        except errors.EntryNotFoundError:
            why = "has no config.json"
        except errors.OfflineModeIsEnabled:
            why = "HF_HUB_OFFLINE is set and nothing is cached"
        except json.JSONDecodeError as e:
            why = f"config.json does not parse: {e.msg}"
        except Exception as e:  # noqa: BLE001 - timeouts, refused connections, 5xx: all degrade to the next source
            why = f"unreachable ({type(e).__name__})"
        return None, None, where, f"{where}: {why}"

    def _counts(self, hf: Any, errors: Any, repo_id: str, rev: str, commit: str | None, token: str | None,
                endpoint: str | None) -> tuple[dict[str, int] | None, str | None]:
        cache = Path(self.cache_dir or hf.constants.HF_HUB_CACHE) / "modelready-params.json"
        key = f"{endpoint or ''}|{repo_id}@{commit or rev}"
        known = _read_json(cache)
        if commit and key in known:
            return known[key], None
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
