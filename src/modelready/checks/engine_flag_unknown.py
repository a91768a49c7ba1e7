"""
## What it does
Checks every vLLM flag in the container's arguments against the flag set of the vLLM release the
image pins (from its tag, or a `vllm==X` install), and suggests the nearest real flag.

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
from typing import Iterator

from .. import data
from ..normalize.engine import starting_with
from ..normalize.model import Deployment
from . import MAX_PER_FILE, Hit, declare, has_flag_table


def known_flags(release: str | None) -> set[str]:
    versions = data.vllm_flags()["versions"]
    if release:
        return set(versions[release]["flags"])
    return {f for v in versions.values() for f in v["flags"]}


@functools.lru_cache(maxsize=4096)
def nearest(flag: str, flags: frozenset[str]) -> str | None:
    """The closest real flag, once per distinct flag and flag set (difflib costs ~4 ms against vLLM's flags)."""
    close = difflib.get_close_matches(flag, sorted(flags), n=1, cutoff=0.75)
    return close[0] if close else None


def where_else(flag: str) -> list[str]:
    return list(_releases_by_flag().get(flag, ()))


@functools.lru_cache(maxsize=1)
def _releases_by_flag() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for version, rel in data.vllm_flags()["versions"].items():
        for flag in rel["flags"]:
            out.setdefault(flag, []).append(version)
    return out


@declare("engine-flag-unknown", "error", ["engine-args-valid"],
         "every engine flag exists in the pinned vLLM release",
         "an engine flag does not exist in the pinned vLLM release",
         doc=__doc__, applies=has_flag_table)
def check(d: Deployment) -> Iterator[Hit]:
    e = d.engine
    if e is None:
        return
    release = e.release
    flags = frozenset(known_flags(release) | e.hosted_flags)
    ordered = sorted(flags)
    suggested = 0
    known = sorted(data.vllm_flags()["versions"], key=lambda v: data.version_key(v) or (0, 0, 0))
    where = f"vLLM {release}" if release else f"any vLLM release from {known[0]} to {known[-1]}"
    for flag, val in e.flags.items():
        if not flag.startswith("-") or flag in flags:
            continue
        other = where_else(flag)
        prefixed = starting_with(flag, ordered, limit=5) if flag.startswith("--") else []
        if len(prefixed) > 1:  # argparse exits: "ambiguous option: --x could match --x-a, --x-b"
            msg = f"{val.raw.split('=')[0]} is ambiguous in {where}: it abbreviates {', '.join(prefixed[:4])}; vLLM exits at start"
        elif other:
            msg = f"{val.raw.split('=')[0]} is not a flag of {where}; it exists in vLLM {', '.join(sorted(other, key=lambda v: data.version_key(v) or (0, 0, 0)))}"
        else:
            # past what the report lists of one check on one file, a suggestion would never be read
            close = nearest(flag, flags) if suggested < MAX_PER_FILE else None
            suggested += 1
            msg = f"{val.raw.split('=')[0]} is not a flag of {where}" + (f"; did you mean {close}?" if close else "")
        if e.drops_unknown_flags:  # no exit: the setting is dropped and the engine runs on its default
            msg = msg.replace("vLLM exits at start", "").rstrip("; ") + f"; {e.drops_unknown_flags} and drops it without a word: the setting never applies"
        yield Hit(msg, val.loc)


CHECKS = [check]
