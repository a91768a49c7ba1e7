"""GPU memory arithmetic: bytes per parameter and the fit (parameters and KV cache per token: normalize/architecture.py).

Stated assumptions: weights are split evenly over TP × PP GPUs; the engine must hold the weights and
the KV cache of one full-length sequence to start (vLLM refuses to start otherwise and pages the
cache for the rest); each GPU also needs a fixed overhead (CUDA context, activations, CUDA graphs).
"""

from __future__ import annotations

from dataclasses import dataclass

GIB = 2**30
OVERHEAD_GIB_PER_GPU = 2.0
QUANT_BYTES = {"awq": 0.5, "gptq": 0.5, "awq_marlin": 0.5, "gptq_marlin": 0.5, "marlin": 0.5, "bitsandbytes": 0.5, "fp8": 1, "fbgemm_fp8": 1,
               "int8": 1, "w8a8_int8": 1, "w8a8_fp8": 1, "compressed-tensors": 1, "mxfp4": 0.5, "nvfp4": 0.5625, "modelopt_fp4": 0.5625}
DTYPE_BYTES = {"float32": 4, "float": 4, "float16": 2, "half": 2, "bfloat16": 2, "auto": 2, "fp8": 1, "int8": 1, "int4": 0.5}


def weight_bytes_per_param(quantization: str | None, dtype: str | None) -> float:
    if quantization and str(quantization).lower() in QUANT_BYTES:
        return QUANT_BYTES[str(quantization).lower()]
    return DTYPE_BYTES.get(str(dtype).lower(), 2) if dtype else 2


@dataclass
class Fit:
    weights_gib: float
    kv_gib: float
    overhead_gib: float
    need_gib: float
    have_gib: float

    @property
    def fits(self) -> bool:
        return self.need_gib <= self.have_gib


def fit(params: float, bytes_per_param: float, kv_per_token: float, max_len: int, gpus: int, gpu_gib: float, util: float,
        overhead_gib: float = OVERHEAD_GIB_PER_GPU) -> Fit:
    weights = params * bytes_per_param / GIB
    kv = kv_per_token * max_len / GIB
    overhead = overhead_gib * gpus
    have = gpu_gib * util * gpus
    return Fit(weights, kv, overhead, weights + kv + overhead, have)
