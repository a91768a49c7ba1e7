"""
## What it does
Compares the context the spec promises (`model.maxContextTokens`) with what the model supports
(`max_position_embeddings` of its config.json, extended by YaRN or dynamic rope scaling as vLLM
does), and the spec's maximum context with the engine's.

## Why it matters
vLLM refuses to start when `--max-model-len` exceeds the model's derived maximum (unless
`VLLM_ALLOW_LONG_MAX_MODEL_LEN` is set, and then quality degrades past the trained length).
A spec that promises a longer context than the engine serves breaks clients that rely on it.

## Example
```yaml
# config.json: max_position_embeddings: 32768, no rope scaling
args: ["--model", "Qwen/Qwen2.5-7B-Instruct", "--max-model-len", "131072"]
```

## Instead
```yaml
args: ["--model", "Qwen/Qwen2.5-7B-Instruct", "--max-model-len", "32768"]
```

## References
- vLLM `--max-model-len`: https://docs.vllm.ai/en/latest/configuration/engine_args.html
"""

from __future__ import annotations

from typing import Iterator

from ..findings import Severity
from ..normalize.specs import SpecView
from . import Check, Hit
from ._spec import engines


def beyond_model(v: SpecView) -> Iterator[Hit]:
    limit = v.arch.context_length if v.arch else None
    spec_len = v.spec.max_context
    if spec_len is not None and limit is not None and spec_len > limit:
        yield Hit(f"spec model.maxContextTokens {spec_len} exceeds the model's {limit} tokens ({v.arch_file})", v.loc("model", "maxContextTokens"))
    # what the engine serves against the model is max-model-len-exceeds-model's, for every deployment


def spec_vs_engine(v: SpecView) -> Iterator[Hit]:
    want = v.spec.max_context
    for d, e in engines(v):
        got, where = e.int_setting("max_model_len"), e.setting("max_model_len")
        if got is not None and where is not None and got != want:
            yield Hit(f"spec model.maxContextTokens is {want} but {d.name} runs with {got}", where.loc)


CHECKS = [
    Check[SpecView]("context-exceeds-model", Severity.error, ("max-context-defined",), __doc__, "the context fits what the model supports",
          "the context is longer than the model supports", beyond_model, applies=lambda v: v.arch is not None, scope="spec"),
    Check[SpecView]("spec-context-mismatch", Severity.error, ("max-context-defined", "config-matches-intent"), __doc__, "the engine serves the spec's context",
          "the engine's context differs from the spec's", spec_vs_engine,
          applies=lambda v: v.spec.max_context is not None and bool(engines(v)), scope="spec"),
]
