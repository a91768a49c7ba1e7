"""
## What it does
Checks every vLLM flag in the container's arguments against the flag set of the vLLM release the
image pins (from its tag, or a `vllm==X` install), and suggests the nearest real flag. SGLang's flags
are checked per release the same way, and llama.cpp's server and `trtllm-serve` against the flags of
their packages (data/engine_flags.json); where their release cannot be told, only a near typo of a real
flag is reported. A keyword of `LLM(...)`/`AsyncEngineArgs(...)` in a Python start script is a flag too, and
so is each key of the YAML that `trtllm-serve --extra_llm_api_options FILE` reads (a ConfigMap mounted at that
path, or a repository file the image copies there), checked against the LLM API options of the pinned
TensorRT-LLM release and backend, at the key's line.

## Why it matters
vLLM's argument parser exits on an unknown flag, so the pod crash-loops on rollout. Flags come and go
between releases (`--use-v2-block-manager`, `--swap-space`, `--task` were removed), and a typo such as
`--max-model-length` is only found when the pod starts on a GPU node.

## Example
```yaml
image: vllm/vllm-openai:v0.10.2
args: ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--max-model-length", "8192"]
```

## Instead
```yaml
args: ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--max-model-len", "8192"]
```

## References
- vLLM engine arguments: https://docs.vllm.ai/en/latest/configuration/engine_args.html
"""

from __future__ import annotations

import difflib
import functools
from typing import Any, Iterator

from .. import data
from ..normalize.engine import starting_with
from ..normalize.model import Deployment, Engine
from . import MAX_PER_FILE, Hit, declare, has_flag_table


def known_flags(release: str | None) -> set[str]:
    versions = data.vllm_flags()["versions"]
    if release:
        return set(versions[release]["flags"])
    return {f for v in versions.values() for f in v["flags"]}


def where_else(flag: str) -> list[str]:
    return list(_releases_by_flag().get(flag, ()))


@functools.lru_cache(maxsize=1)
def _releases_by_flag() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for version, rel in data.vllm_flags()["versions"].items():
        for flag in rel["flags"]:
            out.setdefault(flag, []).append(version)
    return out


@functools.lru_cache(maxsize=4096)
def nearest(flag: str, flags: frozenset[str], cutoff: float = 0.75) -> str | None:
    """The closest real flag, once per distinct flag and flag set (difflib costs ~4 ms against vLLM's flags)."""
    close = difflib.get_close_matches(flag, sorted(flags), n=1, cutoff=cutoff)
    return close[0] if close else None


@declare("engine-flag-unknown", "error", ["engine-args-valid"],
         "every engine flag exists in the pinned vLLM release",
         "an engine flag does not exist in the pinned vLLM release",
         doc=__doc__, applies=has_flag_table)
def check(d: Deployment) -> Iterator[Hit]:
    e = d.engine
    if e is None:
        return
    yield from (_vllm(e) if e.capability("flag_table") == "vllm" else _other_engine(e))
    yield from _options(e)


@functools.lru_cache(maxsize=256)
def _flag_table(release: str | None, hosted: frozenset[str]) -> tuple[frozenset[str], list[str], str]:
    """(the flags, sorted, the releases they are of): once per release and host server, not per deployment (a set
    and two sorts of ~400 flags, for every vLLM deployment, that nearly always has none unknown)."""
    flags = frozenset(known_flags(release) | hosted)
    known = sorted(data.vllm_flags()["versions"], key=lambda v: data.version_key(v) or (0, 0, 0))
    return flags, sorted(flags), f"vLLM {release}" if release else f"any vLLM release from {known[0]} to {known[-1]}"


def _vllm(e: Engine) -> Iterator[Hit]:
    flags, ordered, where = _flag_table(e.release, e.hosted_flags)
    listed = 0  # past what the report lists of one check on one file (checks.runner.cap), a suggestion is never read
    for flag, val in e.flags.items():
        if not flag.startswith("-") or flag in flags:
            continue
        msg = _vllm_message(flag, val.raw.split("=")[0], (flags, ordered), where, listed < MAX_PER_FILE)
        listed += 1
        if e.drops_unknown_flags:  # no exit: the setting is dropped and the engine runs on its default
            msg = msg.replace("vLLM exits at start", "").rstrip("; ") + f"; {e.drops_unknown_flags} and drops it without a word: the setting never applies"
        yield Hit(msg, val.loc)


def _vllm_message(flag: str, written: str, known: tuple[frozenset[str], list[str]], where: str, suggest: bool) -> str:
    flags, ordered = known
    other = where_else(flag)
    prefixed = starting_with(flag, ordered, limit=5) if flag.startswith("--") else []
    if len(prefixed) > 1:  # argparse exits: "ambiguous option: --x could match --x-a, --x-b"
        return f"{written} is ambiguous in {where}: it abbreviates {', '.join(prefixed[:4])}; vLLM exits at start"
    if other:
        return f"{written} is not a flag of {where}; it exists in vLLM {', '.join(sorted(other, key=lambda v: data.version_key(v) or (0, 0, 0)))}"
    close = nearest(flag, flags) if suggest else None
    return f"{written} is not a flag of {where}" + (f"; did you mean {close}?" if close else "")


def _other_engine(e: Engine) -> Iterator[Hit]:
    """SGLang, llama.cpp's server, trtllm-serve (data/engine_flags.json). Where the release cannot be told,
    only a flag that no release read has and that is one typo from a real one: an older release's flag
    that was since removed is not a certainty."""
    table = data.engine_flags().get(str(e.capability("flag_table")), {}).get("versions", {})
    release = data.flag_release(str(e.capability("flag_table")), e.version)
    literal = bool(e.capability("literal_flags"))
    flags = frozenset(_table_flags([table[release]] if release else list(table.values()), literal) | e.hosted_flags)
    where = f"{e.capability('release_name', e.name)} {release}" if release else \
        f"any {e.capability('release_name', e.name)} release read ({', '.join(sorted(table))})"
    for flag, val in e.flags.items():
        if flag.startswith("-") and flag not in flags:
            msg = _other_message(e, flag, flags, table, release, literal)
            if msg:
                yield Hit(f"{val.raw.split('=')[0]} {msg.format(where=where)}", val.loc)


def _other_message(e: Engine, flag: str, flags: frozenset[str], table: dict[str, Any], release: str | None, literal: bool) -> str | None:
    prefixed = sorted(f for f in flags if f.startswith(flag)) if not literal else []
    if release is not None and len(prefixed) > 1:  # argparse exits: "ambiguous option"
        return f"is ambiguous in {{where}}: it abbreviates {', '.join(prefixed[:4])}; the server exits at start"
    close = nearest(flag, flags, 0.8)
    if release is None and not close:
        return None
    other = sorted((v for v, row in table.items() if flag in _table_flags([row], literal)), key=lambda v: data.version_key(v) or (0, 0, 0))
    name = e.capability("release_name", e.name)
    hint = f"; it exists in {name} {', '.join(other)}" if other else (f"; did you mean {close}?" if close else "")
    return "is not a flag of {where}: the server exits at start" + hint


def _options(e: Engine) -> Iterator[Hit]:
    """The keys of TensorRT-LLM's --extra_llm_api_options file: LlmArgs forbids any key it has no field for (and so
    does each nested config read as closed), and trtllm-serve exits. Judged by the pinned release's keys for
    the backend it runs; where the release was not read, only a near typo of a key no release read has."""
    judged = _option_rows(e) if e.options else None
    if judged is None:
        return
    rows, release, backend = judged
    name = e.capability("release_name", e.name)
    read = sorted(v for v, r in data.engine_flags()[str(e.capability("flag_table"))]["versions"].items() if "llm_api_options" in r)
    where = f"{name} {release}'s LLM API options ({backend} backend)" if release else f"the LLM API options of any {name} release read ({', '.join(read)})"
    for key, val in e.options.items():
        msg = _option_message(key, rows, backend, release is not None)
        if msg is not None:
            yield Hit(f"{key} (extra_llm_api_options) is not a key of {where}: trtllm-serve exits at start{msg}", val.loc)


def _option_rows(e: Engine) -> tuple[list[dict[str, Any]], str | None, str] | None:
    """(the option tables that judge, the release read or None, the backend) of a TensorRT-LLM start; None when none judges."""
    table = data.engine_flags().get(str(e.capability("flag_table")), {}).get("versions", {})
    release = data.flag_release(str(e.capability("flag_table")), e.version)
    rows = [r["llm_api_options"] for v, r in table.items() if "llm_api_options" in r and (release is None or v == release)]
    if not rows:
        return None
    backend = str(e.flags["--backend"].value) if "--backend" in e.flags else str(rows[0]["default_backend"])
    backend = {"trt": "tensorrt"}.get(backend, backend)
    if any(backend not in r["backends"] for r in rows):
        return None  # _autodeploy: its own args class, not read
    return rows, release, backend


def _option_message(key: str, rows: list[dict[str, Any]], backend: str, certain: bool) -> str | None:
    """'' or a did-you-mean hint for an unknown key; None for a known key, one under an open config, or an
    uncertain one that is no near typo."""
    head, _, sub = key.partition(".")
    if sub and head not in rows[0]["nested"]:
        return None
    known = {k for r in rows for k in (r["nested"].get(head, []) if sub else r["backends"][backend])}
    if (sub or key) in known:
        return None
    close = nearest(sub or key, frozenset(known), 0.8)
    if not certain and not close:
        return None
    return f"; did you mean {head + '.' if sub else ''}{close}?" if close else ""


def _table_flags(rows: list[dict[str, list[str]]], literal: bool) -> set[str]:
    """The flags the server's parser takes; underscores read as dashes where the parser reads them so."""
    return {f if literal or not f.startswith("--") else "--" + f[2:].replace("_", "-") for row in rows for f in row.get("server", row["flags"])}


CHECKS = [check]
