"""Facts shipped with the package (engines, vLLM flags per release, GPUs), each file naming its sources."""

from __future__ import annotations

import hashlib
import json
import marshal
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml


def _text(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def load_yaml(text: str) -> Any:
    """Package data: the YAML files are the facts (with their sources in comments), and `compiled.marshal` holds each
    one's value under the sha256 of its text (tools/gen_compiled_data.py; a test holds it current). A text it does
    not hold, an edited one, is parsed: never a stale fact, only a slower one. Parsing them all cost about 90 ms of
    a run (the price table alone 45), reading them from it about 2. Each value is handed out once, so no caller
    shares another's."""
    held = _compiled().pop(hashlib.sha256(text.encode("utf-8")).hexdigest(), None)
    return held if held is not None else parse_yaml(text)


def parse_yaml(text: str) -> Any:
    """Package data through libyaml (the pure-Python loader costs a fifth of a corpus run)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


COMPILED = "compiled.marshal"


@cache
def _compiled() -> dict[str, Any]:
    """sha256 of a data file's text -> its value; empty when the file is missing or from another marshal format."""
    try:
        held = marshal.loads(resources.files(__name__).joinpath(COMPILED).read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    return held if isinstance(held, dict) else {}


@cache
def engines() -> dict[str, Any]:
    return _table("engines.yaml")


def _table(name: str) -> dict[str, Any]:
    table: dict[str, Any] = load_yaml(_text(name))
    return table


@cache
def gpus() -> dict[str, Any]:
    return _table("gpus.yaml")


def gpu_by_name(text: str | None) -> tuple[str, dict[str, Any]] | None:
    """'A100-80GB', 'a100-80gb', 'nvidia-a100-80gb' or 'NVIDIA-A100-SXM4-80GB' -> the table's entry."""
    return _gpu_names().get(str(text).lower()) if text else None


@cache
def _gpu_names() -> dict[str, tuple[str, dict[str, Any]]]:
    """Every lower-cased name and label of the GPU table -> its entry (the first entry naming it wins)."""
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for name, spec in gpus().items():
        for label in [name, *spec["labels"]]:
            out.setdefault(str(label).lower(), (name, spec))
    return out


@cache
def vllm_flags() -> dict[str, Any]:
    flags: dict[str, Any] = json.loads(_text("vllm_flags.json"))
    return flags


@cache
def transformers_native() -> dict[str, Any]:
    """The model types transformers loads without remote code (tools/gen_transformers_native.py)."""
    native: dict[str, Any] = json.loads(_text("transformers_native.json"))
    return native


@cache
def vllm_aliases() -> dict[str, str]:
    """Short flags of every known release (`-tp` -> `--tensor-parallel-size`)."""
    out: dict[str, str] = {}
    for rel in vllm_flags()["versions"].values():
        out.update(rel["aliases"])
    return out


@cache
def vllm_release_for(version: str | None) -> str | None:
    """The newest known release at or before `version` (flags only change at releases we know of)."""
    known: list[str] = list(vllm_flags()["versions"])
    known.sort(key=lambda k: version_key(k) or (0, 0, 0))  # every release the table names parses
    if version is None:
        return None
    key = version_key(version)
    if key is None:
        return None
    at_or_before = [k for k in known if (version_key(k) or (0, 0, 0)) <= key]
    return at_or_before[-1] if at_or_before else known[0]


@cache
def version_key(text: str) -> tuple[int, int, int] | None:
    import re

    m = re.match(r"v?(\d+)\.(\d+)(?:\.(\d+))?", text)
    try:
        return (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)) if m else None
    except ValueError:  # a tag of over 4,300 digits: int() refuses it, and it is no version
        return None


@cache
def gated_models() -> list[dict[str, Any]]:
    """Hub repositories gated behind a licence (gated_models.yaml, each with its sources)."""
    rows: list[dict[str, Any]] = load_yaml(_text("gated_models.yaml"))
    return rows


@lru_cache(maxsize=4096)  # two checks ask it of every deployment; a run names a few models
def gated(repo_id: str | None) -> dict[str, Any] | None:
    """The gated_models.yaml entry that covers `repo_id` (a Hub id, compared case-insensitively), or None."""
    if not repo_id or repo_id.startswith(("/", ".")) or "://" in repo_id:
        return None
    low = repo_id.lower()
    return next((g for g in gated_models() if ("repo" in g and low == g["repo"].lower())
                 or ("prefix" in g and low.startswith(g["prefix"].lower()))), None)


@cache
def engine_flags() -> dict[str, Any]:
    """Flags per release of the engines other than vLLM (tools/gen_engine_flags.py, from their packages)."""
    flags: dict[str, Any] = json.loads(_text("engine_flags.json"))
    return flags


@cache
def flag_release(engine: str, version: str | None) -> str | None:
    """The newest release of `engine` in engine_flags.json at or before `version`; None when unpinned,
    unreadable or older than every release read (then no one release's flags are certain)."""
    key = version_key(version) if version else None
    if key is None:
        return None
    known = sorted((v for v in engine_flags().get(engine, {}).get("versions", {}) if version_key(v)), key=lambda v: version_key(v) or (0, 0, 0))
    at_or_before = [k for k in known if (version_key(k) or (0, 0, 0)) <= key]  # a source tree read at a commit is no release
    if engines().get(engine, {}).get("exact_release"):  # only the release read is certain (TensorRT-LLM)
        at_or_before = [k for k in at_or_before if k.lstrip("v") == str(version).lstrip("v")]
    return at_or_before[-1] if at_or_before else None


@cache
def memory() -> dict[str, Any]:
    return _table("memory.yaml")


@cache
def memory_profile(version: str | None) -> dict[str, Any]:
    """The memory.yaml entry of vLLM's release at or before `version`; the newest when unpinned or unreadable."""
    rows: list[dict[str, Any]] = memory()["vllm"]
    key = version_key(version) if version else None
    if key is None:
        return rows[-1]
    at_or_before = [r for r in rows if (version_key(r["since"]) or (0, 0, 0)) <= key]
    return at_or_before[-1] if at_or_before else rows[0]


@cache
def mig_profiles() -> dict[str, Any]:
    """GPU -> the MIG profiles it offers (mig_profiles.yaml, from NVIDIA's MIG user guide)."""
    return _table("mig_profiles.yaml")


@cache
def gpu_prices() -> dict[str, Any]:
    """USD per GPU-hour by GPU, cloud and region class (gpu_prices.yaml, generated by tools/gen_prices.py)."""
    return _table("gpu_prices.yaml")


@cache
def k8s_required() -> dict[str, frozenset[str]]:
    """Definition short name -> the required fields the Kubernetes API server refuses an object without
    (k8s_required.yaml, from its validation code)."""
    return {name: frozenset(fields) for name, fields in _table("k8s_required.yaml")["required"].items()}
