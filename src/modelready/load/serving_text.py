"""Whether text that could not be read as objects holds serving content: a file that does not parse, a chart
that does not render, an overlay kubectl refuses. Words of the engines, operators and accelerators
modelready knows (data/engines.yaml's images, the CRD kinds normalize reads, device-plugin resources);
a match keeps a finding on it blocking under `scope: serving`, its absence makes it a warning."""

from __future__ import annotations

import re
from itertools import islice
from pathlib import Path

from ..discover import MAX_BYTES, read_inside, refuse

SERVING = re.compile(
    r"vllm|sglang|text-generation-inference|tritonserver|tensorrt|trtllm|lmdeploy|ollama|llama\.?cpp|llm-d|lmcache"
    r"|nvidia\.com/(gpu|mig)|amd\.com/gpu|google\.com/tpu|habana\.ai/gaudi|aws\.amazon\.com/neuron"
    r"|InferenceService|ServingRuntime|LLMInferenceService|InferencePool|InferenceModel|LeaderWorkerSet|RayService"
    r"|serving\.kserve|kaito|kubeai|nim(service|cache)|huggingface|hf_token|--model\b|--served-model-name",
    re.I)
MAX_FILES = 200  # an overlay's or chart's folder is read up to this many files; past it, assumed serving


def mentions_serving(root: Path, place: str) -> bool:
    """`place` (a file, or a folder read one level deep with its templates/ and an overlay's local resources),
    relative to `root`, names an engine, operator or accelerator. Nothing outside `root` is read or listed."""
    files = _files(root / place, root)
    if files is None:
        return True
    for f in files:
        try:
            text = read_inside(f, root, MAX_BYTES)
        except OSError:  # outside the repository (a link), no regular file, too large
            continue
        if SERVING.search(text.decode("utf-8", "replace").replace("\0", "")):
            return True
    return False


def _files(path: Path, root: Path) -> list[Path] | None:
    """The files to read of `path`; None past MAX_FILES. A folder that is a link out of the repository (a chart's
    `templates -> /`) is not listed: globbing through it listed the whole machine before a file's read was refused."""
    if refuse(path, root) is not None:
        return []
    if not path.is_dir():
        return [path] if path.is_file() else []
    templates = path / "templates"
    below = templates.glob("**/*") if refuse(templates, root) is None else iter(())
    files = sorted(p for p in [*path.glob("*"), *islice(below, MAX_FILES + 1)] if p.is_file()) + _resources(path, root)
    return None if len(files) > MAX_FILES else files


def _resources(kdir: Path, root: Path) -> list[Path]:
    """The local files an overlay lists as resources (`../vllm-7b.yaml`), inside the repository's folder tree."""
    from .kustomize import config

    out = []
    for r in config(kdir).get("resources") or []:
        if isinstance(r, str) and "://" not in r and not r.startswith(("/", "github.com/")) and refuse(kdir / r, root) is None:
            p = kdir / r
            out += [p] if p.is_file() else sorted(p.glob("*.y*ml")) if p.is_dir() else []
    return out
