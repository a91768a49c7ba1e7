"""Non-Kubernetes inputs: model cards, model config.json, Dockerfiles, ModelSpec documents."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from .yamlsrc import YamlError, YMap, load_one


class ArtifactProblem(Exception):
    def __init__(self, message: str, line: int = 0):
        super().__init__(message)
        self.line = line


@dataclass
class ModelCard:
    file: str
    metadata: dict[str, Any]  # YAML front matter; {} when the card has none
    metadata_line: int
    body: str


def load_model_card(text: str, file: str) -> ModelCard:
    if not text.startswith("---"):
        return ModelCard(file, {}, 0, text)
    end = re.search(r"^---\s*$", text[3:], re.M)
    if not end:
        raise ArtifactProblem("front matter starts with --- but never ends", 1)
    front = text[3 : 3 + end.start()]
    try:
        meta = load_one(front)
    except YamlError as e:
        raise ArtifactProblem(f"front matter does not parse: {e}", e.line) from None
    if meta is not None and not isinstance(meta, dict):
        raise ArtifactProblem("front matter is not a mapping", 2)
    return ModelCard(file, meta or {}, 2, text[3 + end.end() :])


@dataclass
class ModelConfig:
    """A Hugging Face config.json: what the model is, for KV-cache and context arithmetic."""

    file: str
    data: dict[str, Any]
    quantize_config: dict[str, Any] | None = None  # a GPTQ checkpoint's quantize_config.json beside it
    weights_total: int | None = None  # model.safetensors.index.json beside it: metadata.total_size, the stored bytes
    tensor_names: tuple[str, ...] = ()  # and its weight_map's tensor names


MAX_TENSORS = 1_000_000  # a 671B MoE checkpoint names about 200,000 tensors (scales included)


def weight_index(data: object) -> tuple[int | None, tuple[str, ...]]:
    """A parsed model.safetensors.index.json: (metadata.total_size, the weight_map's tensor names), each absent when
    it is not of the type the format writes."""
    if not isinstance(data, dict):
        return None, ()
    meta, names = data.get("metadata"), data.get("weight_map")
    total = meta.get("total_size") if isinstance(meta, dict) else None
    listed = tuple(k for k in list(names)[:MAX_TENSORS] if isinstance(k, str)) if isinstance(names, dict) else ()
    if isinstance(total, int) and not isinstance(total, bool) and 0 < total < 2**50:
        return total, listed
    return None, listed


def is_model_config(data: object) -> bool:
    return isinstance(data, dict) and ("model_type" in data or "architectures" in data)


# A model's shapes, the largest any model has by far more than a factor of ten (the bundled table's largest:
# 126 layers, 128 heads, hidden 16,384, vocabulary 262,208, 10,485,760 positions). Every one that is given
# must be a positive integer within these: memory and context arithmetic on 0, -32, 31.5 or 1e12 layers gives
# advice such as "set --max-model-len to -5 or less".
SHAPES = {**dict.fromkeys(("num_hidden_layers", "n_layer", "num_layers"), 10_000),
          **dict.fromkeys(("hidden_size", "n_embd", "d_model"), 1_000_000),
          **dict.fromkeys(("num_attention_heads", "n_head", "num_key_value_heads"), 100_000),
          "head_dim": 100_000, "intermediate_size": 10_000_000, "vocab_size": 100_000_000, "max_position_embeddings": 10**12}


def shape_problems(data: dict[str, Any], text: str = "") -> list[tuple[str, int]]:
    """(message, line) for each shape of a config.json (and its text_config) that is not a positive integer in
    range; the line is found in `text`, the file as written (0 when not)."""
    out = []
    for prefix, c in (("", data), ("text_config.", data.get("text_config"))):
        if not isinstance(c, dict):
            continue
        start = text.find('"text_config"') if prefix else 0
        for key, most in SHAPES.items():
            value = c.get(key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                shown = json.dumps(value)[:40] if isinstance(value, (int, float, str, bool)) else type(value).__name__
                out.append((f"{prefix}{key} must be a positive integer (it is {shown}): the model's shapes are not used for "
                            "memory or context arithmetic", _line_of(text, key, max(start, 0))))
            elif value > most:
                out.append((f"{prefix}{key} is {value:,}, more than any model has (at most {most:,} here): the model's shapes "
                            "are not used for memory or context arithmetic", _line_of(text, key, max(start, 0))))
    return out


def _line_of(text: str, key: str, start: int) -> int:
    m = re.compile(r'"%s"\s*:' % re.escape(key)).search(text, start)
    return text.count("\n", 0, m.start()) + 1 if m else 0


MAX_JSON_DIGITS = 100  # no model setting needs more; Python refuses past 4,300 and slows long before


def _json_int(text: str) -> int:
    if len(text) > MAX_JSON_DIGITS:
        raise ArtifactProblem(f"JSON holds an integer of {len(text)} digits (more than {MAX_JSON_DIGITS})", 0)
    return int(text)


def _json_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 parses as infinity; no model setting is one, and arithmetic on it fails
        raise ArtifactProblem(f"JSON holds a number out of range ({text[:40]})", 0)
    return value


def _json_constant(name: str) -> float:
    raise ArtifactProblem(f"JSON holds {name}, which is not JSON (RFC 8259) and no model setting", 0)


def load_json(text: str) -> object:
    """Parsed JSON; ArtifactProblem for JSON that does not parse, nests past the parser's depth or holds huge integers."""
    try:
        return json.loads(text, parse_int=_json_int, parse_float=_json_float, parse_constant=_json_constant)
    except json.JSONDecodeError as e:
        raise ArtifactProblem(f"JSON does not parse: {e.msg}", e.lineno) from None
    except RecursionError:
        raise ArtifactProblem("JSON nests deeper than the parser allows", 1) from None
    except ValueError as e:  # a float or constant the parser refuses
        raise ArtifactProblem(f"JSON does not parse: {e}", 1) from None


@dataclass
class Instruction:
    cmd: str
    value: str
    line: int


@dataclass
class Dockerfile:
    file: str
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, cmd: str) -> list[Instruction]:
        return [i for i in self.instructions if i.cmd == cmd]


def load_dockerfile(text: str, file: str) -> Dockerfile:
    """Instructions with their first line; continuation lines and heredoc bodies are folded in."""
    out = Dockerfile(file)
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i].strip()
        start = i + 1
        i += 1
        if not raw or raw.startswith("#"):
            continue
        parts = [raw]
        while parts[-1].endswith("\\") and i < len(lines):
            parts[-1] = parts[-1][:-1]
            nxt = lines[i].strip()
            i += 1
            if not nxt.startswith("#"):
                parts.append(nxt)
        heredoc = re.search(r"<<-?\s*['\"]?(\w+)['\"]?", parts[0])
        if heredoc:
            while i < len(lines) and lines[i].strip() != heredoc.group(1):
                parts.append(lines[i])
                i += 1
            i += 1
        joined = " ".join(parts)
        cmd, _, value = joined.partition(" ")
        if re.fullmatch(r"[A-Za-z]+", cmd):
            out.instructions.append(Instruction(cmd.upper(), value.strip(), start))
    if not out.instructions:
        raise ArtifactProblem("no Dockerfile instructions found", 1)
    return out


MODELSPEC_API = "modelready.io/v1alpha1"


def is_modelspec(doc: object) -> bool:
    return isinstance(doc, dict) and doc.get("kind") == "ModelSpec" and str(doc.get("apiVersion", "")).startswith("modelready.io/")


@dataclass
class ModelSpecDoc:
    file: str
    body: YMap
