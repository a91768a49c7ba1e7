"""Facts shipped with the package (engines, vLLM flags per release, GPUs), each file naming its sources."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import yaml


def _text(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def load_yaml(text: str):
    """Package data through libyaml: the pure-Python loader costs a fifth of a corpus run."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@cache
def engines() -> dict:
    return load_yaml(_text("engines.yaml"))


@cache
def gpus() -> dict:
    return load_yaml(_text("gpus.yaml"))


def gpu_by_name(text: str | None) -> tuple[str, dict] | None:
    """'A100-80GB', 'a100-80gb', 'nvidia-a100-80gb' or 'NVIDIA-A100-SXM4-80GB' -> the table's entry."""
    if not text:
        return None
    low = str(text).lower()
    for name, spec in gpus().items():
        if low == name.lower() or low in (l.lower() for l in spec["labels"]):
            return name, spec
    return None


@cache
def vllm_flags() -> dict:
    return json.loads(_text("vllm_flags.json"))


@cache
def vllm_aliases() -> dict[str, str]:
    """Short flags of every known release (`-tp` -> `--tensor-parallel-size`)."""
    out: dict[str, str] = {}
    for rel in vllm_flags()["versions"].values():
        out.update(rel["aliases"])
    return out


def vllm_release_for(version: str | None) -> str | None:
    """The newest known release at or before `version` (flags only change at releases we know of)."""
    known = list(vllm_flags()["versions"])
    known.sort(key=version_key)
    if version is None:
        return None
    key = version_key(version)
    if key is None:
        return None
    at_or_before = [k for k in known if version_key(k) <= key]
    return at_or_before[-1] if at_or_before else known[0]


def version_key(text: str) -> tuple[int, int, int] | None:
    import re

    m = re.match(r"v?(\d+)\.(\d+)(?:\.(\d+))?", text)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)) if m else None


@cache
def memory() -> dict:
    return load_yaml(_text("memory.yaml"))


def memory_profile(version: str | None) -> dict:
    """The memory.yaml entry of vLLM's release at or before `version`; the newest when unpinned or unreadable."""
    rows = memory()["vllm"]
    key = version_key(version) if version else None
    if key is None:
        return rows[-1]
    at_or_before = [r for r in rows if (version_key(r["since"]) or (0, 0, 0)) <= key]
    return at_or_before[-1] if at_or_before else rows[0]
