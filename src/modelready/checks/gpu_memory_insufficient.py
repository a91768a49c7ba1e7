"""
## What it does
Adds up what one engine instance needs on its GPUs — the weights (parameters × bytes for the dtype
or quantization), the KV cache of one full-length sequence (2 × layers × KV heads × head dim × bytes
per element × `--max-model-len`; DeepSeek MLA caches one latent instead), and 2 GiB of overhead per
GPU — and compares it with GPU memory × `--gpu-memory-utilization` × TP × PP. Parameters and shapes
come from the model's config.json (named by the spec, or beside it), else the spec's
`model.parameters`; the GPU from the spec or the node selector.

## Why it matters
A model that does not fit is found only after a GPU node is provisioned, the image pulled and the
weights downloaded: the engine then dies with an out-of-memory error or refuses to start because
one sequence of the configured length no longer fits in the KV cache.

## Example
```yaml
# Llama 3.1 70B in bfloat16 (141 GB of weights)
args: ["--model", "meta-llama/Llama-3.1-70B-Instruct", "--dtype", "bfloat16"]
resources: {limits: {nvidia.com/gpu: 1}}      # one A100-80GB
```

## Instead
```yaml
args: ["--model", "meta-llama/Llama-3.1-70B-Instruct", "--dtype", "bfloat16", "--tensor-parallel-size", "4"]
resources: {limits: {nvidia.com/gpu: 4}}
```

## References
- vLLM memory: https://docs.vllm.ai/en/latest/configuration/conserving_memory.html
"""

from __future__ import annotations

from typing import Any, Iterator

from .. import data
from ..normalize.architecture import ModelArch
from ..normalize.model import Deployment, Engine
from ..normalize.specs import SpecView
from . import Hit, declare
from ._memory import DTYPE_BYTES, fit, weight_bytes_per_param
from ._spec import engines


def gpu_of(v: SpecView, d: Deployment) -> tuple[str, dict[str, Any]] | None:
    return data.gpu_by_name(v.spec.gpu_type) or d.gpu_type()


def _applies(v: SpecView) -> bool:
    return any(e.capability("kv_cache_at_start") for _d, e in engines(v)) and (v.arch is not None or bool(v.spec.parameters))


@declare("gpu-memory-insufficient", "error", ["gpu-memory-fit"],
         "weights and KV cache fit in GPU memory", "the model does not fit in the GPUs given",
         doc=__doc__, subject=SpecView, applies=_applies)
def check(v: SpecView) -> Iterator[Hit]:
    arch = v.arch
    for d, e in engines(v):
        gpu = gpu_of(v, d)
        sizes = _sizes(v, e, arch)
        if gpu is None or sizes is None:
            continue
        (name, spec), (params, bpp, per_token, max_len) = gpu, sizes
        gpus = e.int_setting("tensor_parallel", 1) * e.int_setting("pipeline_parallel", 1)
        util = _utilization(v, e)
        gib = float(v.spec.gpu_memory_gib or spec["memory_gib"])
        f = fit(params, bpp, per_token or 0.0, int(max_len), gpus, gib, util, v.spec.overhead_gib or 2.0)
        if not f.fits:
            where = e.setting("tensor_parallel") or e.setting("max_model_len") or e.setting("model")
            yield Hit(f"needs {f.need_gib:.0f} GiB (weights {f.weights_gib:.0f} + KV cache {f.kv_gib:.1f} for one {max_len}-token sequence + "
                      f"overhead {f.overhead_gib:.0f}), has {f.have_gib:.0f} GiB on {gpus}× {name} at {util:g}", where.loc if where else d.loc)


def _sizes(v: SpecView, e: Engine, arch: ModelArch | None) -> tuple[float, float, float | None, int] | None:
    """(parameters, bytes per parameter, KV bytes per token, max sequence length), None when one is not known."""
    params = (arch.parameters() if arch else None) or v.spec.parameters
    quant_v, dtype_v = e.setting("quantization"), e.setting("dtype")
    quant = quant_v.value if quant_v else v.spec.quantization
    dtype = dtype_v.value if dtype_v else v.spec.dtype or (arch.torch_dtype if arch else None)
    kv_dtype = e.setting("kv_cache_dtype")
    elem = 1 if kv_dtype is not None and str(kv_dtype.value).startswith("fp8") else (4 if DTYPE_BYTES.get(str(dtype)) == 4 else 2)
    per_token = arch.kv_bytes_per_token(elem) if arch else None
    max_len = e.int_setting("max_model_len") or v.spec.max_context or (arch.context_length if arch else None)
    if params is None or per_token is None and arch is not None or max_len is None:
        return None
    return params, weight_bytes_per_param(quant, dtype), per_token, max_len


def _utilization(v: SpecView, e: Engine) -> float:
    util_v = e.setting("gpu_memory_utilization")
    if util_v:
        return float(util_v.value)
    return float(v.spec.gpu_memory_utilization or e.default("gpu_memory_utilization", 0.9))


CHECKS = [check]
