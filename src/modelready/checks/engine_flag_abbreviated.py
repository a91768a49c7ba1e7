"""
## What it does
Finds vLLM flags written as an abbreviation that the pinned release accepts only through argparse's
prefix matching (`--max-num-seq` for `--max-num-seqs`), and names the full flag.

## Why it matters
vLLM's parser accepts a unique prefix of a flag, so the pod starts today. The day a release adds
another flag sharing the prefix, the same manifest exits with "ambiguous option" on rollout. Writing
the full flag costs nothing and keeps the manifest valid across upgrades.

## Example
```yaml
image: vllm/vllm-openai:v0.8.5
args: ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--max-num-seq", "64"]
```

## Instead
```yaml
args: ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--max-num-seqs", "64"]
```

## References
- Python argparse prefix matching (allow_abbrev): https://docs.python.org/3/library/argparse.html#prefix-matching
- vLLM engine arguments: https://docs.vllm.ai/en/latest/configuration/engine_args.html
"""

from __future__ import annotations

from typing import Iterator


from ..normalize.model import Deployment
from . import Hit, declare, has_vllm_flags


def written(raw: str) -> str:
    """The flag as written, normalized the way vLLM's parser does (underscores to dashes)."""
    flag = raw.split("=", 1)[0]
    return "--" + flag[2:].replace("_", "-") if flag.startswith("--") else flag


@declare("engine-flag-abbreviated", "warning", ["engine-args-valid"],
         "every vLLM flag is written in full", "a vLLM flag is an abbreviation the parser only accepts by prefix",
         doc=__doc__, applies=has_vllm_flags)
def check(d: Deployment) -> Iterator[Hit]:
    if d.engine is None:
        return
    release = d.engine.release
    where = f"vLLM {release}" if release else "vLLM (release unknown: every known release checked)"
    for flag, val in d.engine.flags.items():
        raw = written(val.raw)
        if flag.startswith("--") and raw.startswith("--") and raw != flag and flag.startswith(raw):
            yield Hit(f"{raw} is an abbreviation of {flag}: {where} accepts it only by argparse prefix matching; write {flag}", val.loc)


CHECKS = [check]
