"""
## What it does
Finds a GPU build of vLLM or SGLang (the CUDA or ROCm image) in a pod that requests no accelerator at
all (`nvidia.com/gpu`, `amd.com/gpu`, ...), and says what CPU and memory it asked instead.

## Why it matters
Without an accelerator resource the device plugin gives the container no GPU: vLLM stops at start-up
with "Failed to infer device type", SGLang with a CUDA error. A 7-8B model on a pod with a few hundred
millicores never serves. A warning, not an error: a node whose container runtime exposes every GPU to
every pod (NVIDIA runtime as default, `NVIDIA_VISIBLE_DEVICES=all`) runs it, unisolated.

## Example
```yaml
image: vllm/vllm-openai:v0.10.2
args: ["--model", "Qwen/Qwen3-8B"]
resources: {requests: {cpu: 500m, memory: 1Gi}}
```

## Instead
```yaml
resources: {limits: {nvidia.com/gpu: 1}, requests: {cpu: "4", memory: 32Gi}}
```

## References
- Kubernetes, schedule GPUs: https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/
- vLLM CPU installation (the separate CPU image): https://docs.vllm.ai/en/latest/getting_started/installation/cpu.html
"""

from __future__ import annotations

from typing import Iterator

from ..normalize.model import Container, Deployment, Engine
from ..normalize.engine import detect_image
from . import Hit, declare, given

# Builds that run without an accelerator resource (CPU images) or get one outside the pod spec.
_NOT_GPU_BUILDS = ("cpu", "openvino", "tpu", "neuron", "xpu", "hpu", "gaudi", "arm64", "macos")


def _applies(d: Deployment) -> bool:
    c = d.engine_container
    return (d.engine is not None and bool(d.engine.capability("exits_without_accelerator")) and c is not None and c.image is not None
            and not d.partial and not d.template_only and d.engine.argv_seen and detect_image(c) == d.engine.name)


@declare("gpu-engine-no-accelerator", "warning", ["gpu-resources-correct"],
         "the GPU engine image gets an accelerator", "a GPU build of the engine runs with no accelerator requested",
         doc=__doc__, applies=_applies)
def check(d: Deployment) -> Iterator[Hit]:
    c, e = given(d.engine_container), given(d.engine)
    image = given(c.image)
    if d.gpus_per_group() > 0 or image.templated or any(t in image.ref.lower() for t in _NOT_GPU_BUILDS) or _on_cpu(c, e):
        return
    asked = ", ".join(f"{k} {v.value}" for k, v in {**c.requests, **c.limits}.items() if k in ("cpu", "memory")) or "no CPU or memory either"
    model = f" to serve {d.model.id}" if d.model.id else ""
    yield Hit(f"{image.ref} is a GPU build of {e.name}{model}, but no container of {d.name} requests an accelerator "
              f"({asked}): the engine finds no device and exits (unless the nodes' container runtime hands GPUs to every pod)",
              c.resources_loc if (c.requests or c.limits) else c.loc)


def _on_cpu(c: Container, e: Engine) -> bool:
    """GPUs exposed by the runtime, or the engine told to run on CPU."""
    if "NVIDIA_VISIBLE_DEVICES" in c.env_map() or str(e.flags.get("--device", "")).lower() == "cpu":
        return True
    device = e.setting("device")
    return device is not None and str(device.value).lower() == "cpu"

CHECKS = [check]
