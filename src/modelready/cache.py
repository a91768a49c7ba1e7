"""A cache of outside engines' results across runs, content-addressed, as Ruff's is: what an engine said about
some inputs is kept under the sha256 of a key that names every input (the file's bytes, the config's, the
engine's build), so a changed input is a miss and nothing needs invalidating.

Where: $MODELREADY_CACHE_DIR, else $XDG_CACHE_HOME/modelready, else ~/.cache/modelready, made 0700. Never inside
the repository being checked: a pull request could commit entries forged to hide findings, so a cache folder
there is refused and the run says so. Entries are JSON files written whole (a temporary file, then a rename);
one that is too big, not a regular file, does not parse, is of another schema or answers another key is a
miss. The folder is kept under MAX_BYTES by removing the entries least recently used.

It knows nothing of any engine: callers give a kind ("hadolint", "helm"), a key and a JSON value, and check the
value's shape when they read it back.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from . import __version__

SCHEMA = 1  # an entry's layout; with modelready's version, part of every key: an upgrade starts afresh
MAX_BYTES = 256 * 1024 * 1024  # the folder's entries together; beyond it the least recently used go
ENTRY_BYTES = 32 * 1024 * 1024  # one entry, read or written
FOLDER = "entries-v1"
T = TypeVar("T")
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# modelready's cache (https://bford.info/cachedir/)\n"


class Store:
    """One run's view of the cache folder: what it read, and what it wrote (thread-safe)."""

    def __init__(self, path: Path, limit: int = MAX_BYTES) -> None:
        self.path, self.limit = path, limit
        self.asked: Counter[str] = Counter()  # kind -> lookups
        self.hits: Counter[str] = Counter()  # kind -> lookups answered
        self.written = 0
        self._lock = threading.Lock()

    def get(self, kind: str, key: object, valid: Callable[[object], T]) -> T | None:
        """The value kept for `key` as `valid` takes it (None: not of the shape the caller keeps), None when there is
        none that may be trusted."""
        name = _name(kind, key)
        kept = _read(self.path / FOLDER / name, name)
        value = valid(kept) if kept is not None else None
        with self._lock:
            self.asked[kind] += 1
            self.hits[kind] += value is not None
        return value

    def put(self, kind: str, key: object, value: object) -> None:
        """Keep `value` (JSON) for `key`; a value too big, or a folder that cannot be written, keeps nothing."""
        name = _name(kind, key)
        data = json.dumps({"schema": SCHEMA, "key": name, "kind": kind, "value": value}, separators=(",", ":")).encode()
        if len(data) > ENTRY_BYTES:
            return
        folder = self.path / FOLDER
        try:
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, folder / name)  # whole or not at all, for a reader in another process too
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError:
            return
        with self._lock:
            self.written += len(data)

    def said(self, kind: str, noun: str) -> str:
        """' (5 of 8 Dockerfiles from the cache)', or '' when none came from it."""
        hits, asked = self.hits[kind], self.asked[kind]
        return f" ({hits} of {asked} {noun} from the cache)" if hits else ""

    def trim(self) -> None:
        """The least recently used entries removed until the folder is under its limit (after a run that wrote)."""
        if not self.written:
            return
        entries = []
        try:
            with os.scandir(self.path / FOLDER) as it:
                for e in it:
                    try:
                        st = e.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    entries.append((st.st_mtime, st.st_size, e.path))
        except OSError:
            return
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.limit:
                break
            try:
                os.unlink(path)
                total -= size
            except OSError:
                pass


_active: Store | None = None  # the running pipeline's, for the engines it does not call directly (load/helm.py, scan/hadolint.py)


def active() -> Store | None:
    return _active


@contextmanager
def using(store: Store | None) -> Iterator[None]:
    """`store` active for the run inside; trimmed after it."""
    global _active
    before, _active = _active, store
    try:
        yield
    finally:
        _active = before
        if store is not None:
            store.trim()


def locate(env: Mapping[str, str] = os.environ) -> Path:
    """The cache folder the environment names."""
    if env.get("MODELREADY_CACHE_DIR"):
        return Path(env["MODELREADY_CACHE_DIR"]).expanduser()
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]).expanduser() / "modelready"
    return Path.home() / ".cache" / "modelready"


def where(root: Path, wanted: bool, env: Mapping[str, str] = os.environ) -> tuple[Path | None, str]:
    """(the cache folder a run at `root` would use, None when none; what to say of it). Makes nothing."""
    if not wanted:
        return None, "not used (--no-cache)"
    if env.get("MODELREADY_NO_CACHE", "").lower() in ("1", "true", "yes", "on"):
        return None, "not used (MODELREADY_NO_CACHE is set)"
    try:
        path = locate(env)
        if not path.is_absolute():  # a relative name, or `~` with no home folder to expand it to
            return None, f"not used: {path} is not an absolute path"
        path = path.resolve()
    except (OSError, RuntimeError) as e:  # RuntimeError: no home folder to find
        return None, f"not used: no folder for it ({type(e).__name__})"
    if path.is_relative_to(root.resolve()):
        return None, f"not used: {path} is inside the repository (a pull request could commit its entries)"
    return path, str(path)


def open_store(root: Path, wanted: bool, env: Mapping[str, str] = os.environ) -> tuple[Store | None, str]:
    """(the store, the report's line about it). None: not used, and the line says why."""
    path, line = where(root, wanted, env)
    if path is None:
        return None, line
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        (path / FOLDER).mkdir(mode=0o700, exist_ok=True)
        st = path.stat()
        if st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return None, f"not used: {path} may be written by another user"
        tag = path / "CACHEDIR.TAG"
        if not tag.exists():
            tag.write_text(_TAG, encoding="utf-8")
    except OSError as e:
        return None, f"not used: {path} cannot be made ({type(e).__name__})"
    return Store(path), line


def identity(path: str | Path) -> list[object]:
    """A program or library as a key knows it without running it: its real path, size and time (an upgrade changes
    them); the path alone when it cannot be read."""
    try:
        real = os.path.realpath(path)
        st = os.stat(real)
        return [real, st.st_size, st.st_mtime_ns]
    except OSError:
        return [str(path)]


def _name(kind: str, key: object) -> str:
    text = json.dumps([SCHEMA, __version__, kind, key], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _read(path: Path, name: str) -> object | None:
    """The value of the entry at `path` when it is one (a regular file of ENTRY_BYTES at most, of this schema,
    for this key); its time is renewed, so that it is kept as recently used."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > ENTRY_BYTES:
            return None
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(ENTRY_BYTES + 1)
        entry = json.loads(data) if len(data) <= ENTRY_BYTES else None
        if not isinstance(entry, dict) or entry.get("schema") != SCHEMA or entry.get("key") != name or "value" not in entry:
            return None
        try:
            os.utime(fd)
        except OSError:
            pass
        value: object = entry["value"]
        return value
    except (OSError, ValueError, RecursionError):
        return None
    finally:
        os.close(fd)
