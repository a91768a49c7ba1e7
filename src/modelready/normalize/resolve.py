"""Model resolution, a stage of normalize: what model each serving deployment runs, as a ModelArch,
and where that knowledge came from. Sources, first found wins:

1. a config.json in the repository the deployment refers to: the ModelSpec's, one in a folder named
   like the served path or Hub name (`/models/llama-3.1-70b-instruct` -> `…/llama-3.1-70b-instruct/config.json`),
   or the one model folder bundled in the deployment's chart;
2. the Hugging Face Hub at the pinned revision, when the run may go online (hub.py);
3. the bundled table of widely deployed architectures (data/architectures.json, generated with sources);
4. the name alone ("70B", "8x7B"): a size and nothing more, so only warnings rest on it.

The GPU is resolved beside it (accelerator.py), the ModelSpec's hardware.gpu.type filling a gap.
"""

from __future__ import annotations

import json
import math
import posixpath
import re
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import PurePosixPath
from typing import Any

from ..load.artifacts import ModelConfig
from .accelerator import from_table, gpu_of
from .architecture import ModelArch, Quant
from .hub import INDEX, Hub
from .link import Guard
from .model import Deployment, Gpu, ResolvedModel as ResolvedModel  # re-exported: its home is model.py
from .specs import SpecView

_SIZE = re.compile(r"(?:(\d+)x)?(\d+(?:\.\d+)?)[bB](?![a-zA-Z])")
MAX_NAME = 255  # a file name's limit (NAME_MAX); a Hub repository's name is at most 96
_EXPERTS_IN_NAME = re.compile(r"\d+E(?![a-zA-Z])")  # "17B-128E": active size, not total: the name cannot size it
_GENERIC_DIRS = {"models", "model", "mnt", "data", "weights", "checkpoints", "hf", "huggingface", "cache", ""}
_NAME_QUANT = (("awq", Quant("awq", 4, 128)), ("gptq", Quant("gptq", 4, 128)), ("int4", Quant("gptq", 4, 128)),
               ("mxfp4", Quant("mxfp4", 4)), ("nvfp4", Quant("nvfp4", 4)), ("fp8", Quant("fp8", 8)), ("int8", Quant("int8", 8)))


@cache
def table() -> dict[str, tuple[str, dict[str, Any]]]:
    raw = json.loads(resources.files("modelready.data").joinpath("architectures.json").read_text(encoding="utf-8"))
    return {k.lower(): (k, v) for k, v in raw["models"].items()}


def resolve_all(deployments: list[Deployment], configs: list[ModelConfig], spec_views: list[SpecView], hub: Hub | None = None,
                guard: Guard | None = None, objects: Any = ()) -> None:
    """Set `d.resolved` and `d.gpu` on every deployment with an engine or accelerators.

    `guard(deployment)` gives a context in which one deployment's resolution may fail alone; `objects`, the
    files' Kubernetes objects, hold the Karpenter NodePools whose requirements name a GPU."""
    from .accelerator import pooled
    from .karpenter import pools

    known = pools(objects)
    spec_of = {id(d): v for v in spec_views for d in v.deployments}
    for d in deployments:
        if not d.serving:
            continue
        with (guard(d) if guard else nullcontext()):
            spec = spec_of.get(id(d))
            d.resolved = resolve(d, configs, spec, hub)
            d.gpu = gpu_of(d) or pooled(d, known) or _spec_gpu(spec)
            d.typical_tokens = _typical(spec)


def _typical(spec: SpecView | None) -> int | None:
    """p50 prompt + p50 response tokens from the spec's slo.loadProfile: the request the KV cache is sized for."""
    if spec is None:
        return None
    p, r = spec.get("slo", "loadProfile", "promptTokens", "p50"), spec.get("slo", "loadProfile", "responseTokens", "p50")
    ok = all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in (p, r))
    return int(p) + int(r) if ok else None  # a `.inf` from YAML is no token count


def _spec_gpu(spec: SpecView | None) -> Gpu | None:
    if spec is None:
        return None
    name, mem = spec.spec.gpu_type, spec.spec.gpu_memory_gib
    g = from_table(name, f"{spec.file}: hardware.gpu.type {name}") if name else None
    if g and mem:
        return Gpu(g.name, mem, f"{spec.file}: hardware.gpu.memoryGiB {mem:g}")
    return g


def names_of(d: Deployment) -> tuple[str | None, str | None]:
    """(Hub repository id or None, served path's last folder or None) for the deployment's model."""
    m = d.model
    hub_id = None
    for text in (m.uri, m.id):
        if not text:
            continue
        text = str(text).strip().rstrip("/")
        if text.startswith("hf://"):
            hub_id = text[5:]
            break
        if "://" not in text and not text.startswith(("/", ".", "$", "{")) and text.count("/") == 1:
            hub_id = text
            break
    folder = None
    for text in (m.id, m.uri):
        if text and ("/" in str(text)) and (str(text).startswith("/") or "://" in str(text)):
            last = PurePosixPath(str(text).split("://", 1)[-1].rstrip("/")).name
            if last.lower() not in _GENERIC_DIRS:
                folder = last
                break
    return hub_id, folder


@dataclass
class _Ask:
    """What one deployment's model resolution works from."""

    d: Deployment
    configs: list[ModelConfig]
    spec: SpecView | None
    hub: Hub | None
    hub_id: str | None
    folder: str | None
    name: str | None
    notes: list[str]


def resolve(d: Deployment, configs: list[ModelConfig], spec: SpecView | None = None, hub: Hub | None = None) -> ResolvedModel | None:
    hub_id, folder = names_of(d)
    ask = _Ask(d, configs, spec, hub, hub_id, folder, str(d.model.uri or d.model.id or "") or None, [])
    for source in (_from_repository, _from_hub, _from_table, _from_spec, _from_name):
        found = source(ask)
        if found is not None:
            return found
    shown = hub_id or folder or ask.name
    if shown and ask.notes:  # nothing known, but what was tried is worth saying
        return ResolvedModel(ask.name or shown, None, "not resolved", "unknown", False, notes=tuple(ask.notes))
    return None


def _from_repository(ask: _Ask) -> ResolvedModel | None:
    if ask.spec is not None and ask.spec.arch_file:  # the spec's own config.json (specs.py read it)
        arch, file, why = ask.spec.arch, ask.spec.arch_file, f" (named by {ask.spec.file})"
    else:
        found = _repo_config(ask.d, ask.configs, ask.hub_id, ask.folder)
        if found is None:
            return None
        cfg, why = found
        arch = ModelArch.from_config(cfg.data, cfg.quantize_config, stored_bytes=cfg.weights_total, tensor_names=cfg.tensor_names)
        file = cfg.file
        why += "; stored weights from model.safetensors.index.json" if cfg.weights_total else ""
    return ResolvedModel(ask.name or file, arch, f"config.json at {file}{why}", "repo", True) if arch else None


def _from_hub(ask: _Ask) -> ResolvedModel | None:
    if ask.hub is None or not ask.hub_id:
        return None
    data, counts, where, note = ask.hub.fetch(ask.hub_id, ask.d.model.revision)
    total, names = ask.hub.index(ask.hub_id, ask.d.model.revision)
    arch = ModelArch.from_config(data, None, counts, stored_bytes=total, tensor_names=names) if data is not None else None
    if arch is None:
        ask.notes += [note] if note else []
        return None
    exact = "; exact parameters from safetensors headers" if counts else ""
    exact += f"; {len(names)} tensors and the stored size from {INDEX}" if total else ""
    return ResolvedModel(ask.name or ask.hub_id, arch, f"config.json from {where}{exact}", "hub", True, notes=(note,) if note else ())


_TABLE_ARCHS: dict[str, ModelArch | None] = {}


def _from_table(ask: _Ask) -> ResolvedModel | None:
    entry = _table_entry(ask.hub_id, ask.folder)
    if entry is None:
        return None
    key, row, by_folder = entry
    if key not in _TABLE_ARCHS:  # one (frozen) architecture per entry, shared: the fits of alike deployments are one
        _TABLE_ARCHS[key] = ModelArch.from_config(row["config"])
    arch = _TABLE_ARCHS[key]
    confirmed = row["status"] == "corroborated"
    how = f"bundled table entry {key}" + (", matched by the folder name" if by_folder else "")
    how += "" if confirmed else ", not confirmed from a real config.json"
    return ResolvedModel(ask.name or key, arch, how, "table", confirmed and not by_folder, notes=tuple(ask.notes)) if arch else None


def _from_spec(ask: _Ask) -> ResolvedModel | None:
    stated = _spec_params(ask.spec)
    if stated is None or ask.spec is None:
        return None
    return ResolvedModel(ask.name or ask.spec.file, None, f"{stated:g}B parameters as {ask.spec.file} states (model.parameters)", "spec",
                         False, params_b=stated, name_quant=quant_from_name(ask.name or ""), notes=tuple(ask.notes))


def _from_name(ask: _Ask) -> ResolvedModel | None:
    shown = ask.hub_id or ask.folder or ask.name
    size = params_from_name(shown) if shown else None
    if size is None or shown is None:
        return None
    return ResolvedModel(ask.name or shown, None, f"assumed {size:g}B parameters from the name {shown!r}", "name", False,
                         params_b=size, name_quant=quant_from_name(shown), notes=tuple(ask.notes))


def _spec_params(spec: SpecView | None) -> float | None:
    """model.parameters in billions: a count ("8B", 8030000000), or a bare small number taken as billions."""
    count = spec.spec.parameters if spec is not None else None
    if count is None:
        return None
    return count / 1e9 if count > 1e6 else count


def params_from_name(name: str) -> float | None:
    """'Llama-3.1-70B-Instruct' -> 70; 'Mixtral-8x7B' -> 56 (an upper bound: experts share attention)."""
    last = name.rsplit("/", 1)[-1]
    if len(last) > MAX_NAME:  # no repository or file has that name; the PR's text: _SIZE is quadratic in a run of digits
        return None
    if _EXPERTS_IN_NAME.search(last):
        return None
    matches = list(_SIZE.finditer(last))
    if not matches:
        return None
    m = matches[-1]
    return (int(m.group(1)) if m.group(1) else 1) * float(m.group(2))


def quant_from_name(name: str) -> Quant | None:
    low = name.lower()
    return next((q for key, q in _NAME_QUANT if key in low), None)


def _repo_config(d: Deployment, configs: list[ModelConfig], hub_id: str | None, folder: str | None) -> tuple[ModelConfig, str] | None:
    wanted = {x.lower() for x in (folder, hub_id.rsplit("/", 1)[-1] if hub_id else None) if x}
    for c in configs:
        parent = posixpath.dirname(c.file).lower()
        if posixpath.basename(parent) in wanted or (hub_id and parent.endswith(hub_id.lower())):
            return c, ""
    chart = d.origin.split("@", 1)[0] if "@" in d.origin else None
    if chart:
        inside = [c for c in configs if c.file.startswith(chart.rstrip("/") + "/")]
        if len(inside) == 1:
            return inside[0], f" (the model folder bundled in chart {chart})"
    return None


def _table_entry(hub_id: str | None, folder: str | None) -> tuple[str, dict[str, Any], bool] | None:
    rows = table()
    if hub_id and hub_id.lower() in rows:
        key, row = rows[hub_id.lower()]
        return key, row, False
    tail = (hub_id.rsplit("/", 1)[-1] if hub_id else folder or "").lower()
    if tail:
        hits = [(k, r) for low, (k, r) in rows.items() if low.rsplit("/", 1)[-1] == tail]
        if len(hits) == 1:
            return hits[0][0], hits[0][1], True
    return None
