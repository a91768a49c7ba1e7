"""The one serving pod the memory tests and tools/memory_accuracy.py write: a Deployment placed on a GPU by a
node selector (or affinity), the engine's image, command, args and env, its GPUs, and a models volume at /models
for a config.json (and index) in the repository."""

from __future__ import annotations

import json
from collections.abc import Iterable

_POD = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: llm, namespace: serving}}
spec:
  selector: {{matchLabels: {{app: llm}}}}
  template:
    metadata: {{labels: {{app: llm}}}}
    spec:
      {placement}
      containers:
      - name: engine
        image: {image}
        {command}
        args: {args}
        env: {env}
        resources: {{limits: {{nvidia.com/gpu: {gpus}}}}}
        volumeMounts: [{{name: models, mountPath: /models}}]
      volumes: [{{name: models, persistentVolumeClaim: {{claimName: models}}}}]
"""


def pod(args: list[str], image: str = "vllm/vllm-openai:v0.10.2", gpu: str = "NVIDIA-L4", gpus: int = 1,
        env: Iterable[tuple[str, str]] = (), command: list[str] | None = None, placement: str | None = None) -> str:
    """The manifest; `gpu` is the nvidia.com/gpu.product label, `placement` a scheduling line to use instead."""
    return _POD.format(placement=placement or f"nodeSelector: {{nvidia.com/gpu.product: {gpu}}}", image=image, gpus=gpus,
                       command=f"command: {json.dumps(command)}" if command else "", args=json.dumps(args),
                       env=json.dumps([{"name": k, "value": str(v)} for k, v in env]))
