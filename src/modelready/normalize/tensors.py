"""Which of a checkpoint's weights its quantization keeps in 16 bit: `modules_to_not_convert` (or `ignore`,
`ignored_layers`) matched module by module.

The modules are those `model.safetensors.index.json` names (its weight_map, from the repository or the Hub),
else the ones the model's family names in transformers (model.layers.N.self_attn.q_proj, ...mlp.experts.E.
down_proj, ...), each sized from the config's shapes. A pattern matches a module as vLLM's quantization configs
skip a layer: `re:` and a regular expression (compressed-tensors' `ignore`) matched from the start, else the
pattern's dotted parts appearing whole in the module's name ("lm_head", "model.layers.0", "self_attn",
"mlp.gate" but not mlp.gate_proj). The expressions come from the repository under review, so they are not run:
those of literals, `.*` (and `\\d+`) and `$`, the forms llm-compressor writes, are matched in linear time; others
keep nothing (the weights then count as quantized: smaller, so an error stays certain).
"""

from __future__ import annotations

import itertools
from typing import Callable, Iterable, Iterator, Protocol


class ModelArch(Protocol):
    """The shapes of normalize.architecture.ModelArch this module sizes modules from."""

    @property
    def model_type(self) -> str: ...
    @property
    def layers(self) -> int: ...
    @property
    def heads(self) -> int: ...
    @property
    def kv_heads(self) -> int: ...
    @property
    def head_dim(self) -> int: ...
    @property
    def hidden(self) -> int: ...
    @property
    def intermediate(self) -> int: ...
    @property
    def experts(self) -> int: ...
    @property
    def moe_intermediate(self) -> int | None: ...
    @property
    def shared_intermediate(self) -> int: ...
    @property
    def dense_layers(self) -> int: ...
    @property
    def mla(self) -> bool: ...
    @property
    def qk_nope_head_dim(self) -> int | None: ...
    @property
    def qk_rope_head_dim(self) -> int | None: ...
    @property
    def v_head_dim(self) -> int | None: ...
    @property
    def q_lora_rank(self) -> int | None: ...
    @property
    def kv_lora_rank(self) -> int | None: ...

MAX_MODULES = 200_000  # a 671B MoE names about 45,000 weight modules
MAX_REGEXES = 64
_REGEX_SYNTAX = set("()[]{}+?|^\\*")  # what a linear wildcard match cannot honour
_SUFFIXES = {"weight", "qweight", "qzeros", "scales", "g_idx", "bias", "weight_scale", "weight_scale_inv", "input_scale",
             "weight_packed", "weight_shape", "weight_zero_point", "weight_global_scale", "input_global_scale", "k_scale", "v_scale",
             "blocks", "weight_blocks", "weight_scales", "absmax", "quant_map", "quant_state", "nested_absmax", "nested_quant_map"}
_TOWER = ("visual", "vision", "audio", "multi_modal_projector", "mm_projector", "image_newline")


def module_names(tensor_names: Iterable[str]) -> list[str]:
    """The modules a weight_map's tensor names belong to (their last part a weight, scale or quantization field)."""
    seen: dict[str, None] = {}
    for name in tensor_names:
        module, _, last = name.rpartition(".")
        if module and last in _SUFFIXES:
            seen.setdefault(module, None)
            if len(seen) >= MAX_MODULES:
                break
    return list(seen)


def kept(arch: ModelArch, patterns: tuple[str, ...], tensor_names: tuple[str, ...] = ()) -> tuple[int, int]:
    """(dense, expert) parameters of the modules the patterns keep unquantized; embeddings and lm_head are not
    counted (quantization formats keep them in 16 bit already), nor vision or audio towers (counted apart)."""
    if not patterns:
        return 0, 0
    match = _matcher(patterns)
    names = module_names(tensor_names) if tensor_names else list(itertools.islice(_family_modules(arch), MAX_MODULES))
    dense = experts = 0
    for module in names:
        sized = _size(arch, module)
        if sized is None or not match(module):
            continue
        part, n = sized
        if part == "experts":
            experts += n
        else:
            dense += n
    return dense, experts


def _matcher(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    """One function telling whether a module name is matched by any pattern."""
    whole = {p.strip(".") for p in patterns if p and not p.startswith("re:")}
    longest = max((w.count(".") + 1 for w in whole), default=0)
    wildcards = [w for w in (_wildcard(p[3:]) for p in patterns if p.startswith("re:")) if w is not None][:MAX_REGEXES]

    def match(module: str) -> bool:
        parts = module.split(".")
        if any(".".join(parts[i:j]) in whole for i in range(len(parts)) for j in range(i + 1, min(len(parts), i + longest) + 1)):
            return True
        return any(_wildcard_match(w, module) for w in wildcards)

    return match


Wildcard = tuple[tuple[str, ...], bool]  # (literal pieces between `.*`, anchored at the end)


def _wildcard(expr: str) -> Wildcard | None:
    """A regular expression of literals, `.*`, `\\d+` and a final `$` as literal pieces; None for any other."""
    expr = expr.removeprefix("^")  # re.match anchors at the start anyway
    end = expr.endswith("$") and not expr.endswith("\\$")
    body = (expr[:-1] if end else expr).replace("\\d+", ".*")
    pieces = tuple(piece.replace("\\.", ".") for piece in body.split(".*"))
    if any(c in _REGEX_SYNTAX for piece in pieces for c in piece.replace("\\.", "")):
        return None
    return pieces, end


def _wildcard_match(w: Wildcard, name: str) -> bool:
    """re.match of the wildcard against the name, leftmost pieces first (linear: no backtracking)."""
    pieces, end = w
    if not name.startswith(pieces[0]):
        return False
    if len(pieces) == 1:
        return name == pieces[0] if end else True
    at = len(pieces[0])
    for piece in pieces[1:-1]:
        found = name.find(piece, at)
        if found < 0:
            return False
        at = found + len(piece)
    last = pieces[-1]
    return name.endswith(last) and len(name) - len(last) >= at if end else name.find(last, at) >= 0


def _size(arch: ModelArch, module: str) -> tuple[str, int] | None:
    """(part, parameters) of one weight module, from the config's shapes; None for what is not sized here."""
    if any(t in module for t in _TOWER) or module.endswith(("embed_tokens", "lm_head", "wte", "embed_in", "embed_out")):
        return None
    last = module.rsplit(".", 1)[-1]
    h = arch.hidden
    if ".experts." in module or module.endswith(".experts"):
        inter = arch.moe_intermediate or arch.intermediate
        per = {"gate_proj": h * inter, "up_proj": h * inter, "down_proj": h * inter, "w1": h * inter, "w2": h * inter, "w3": h * inter,
               "gate_up_proj": 2 * h * inter * arch.experts}
        n = per.get(last, 0) if not module.endswith(".experts") else 3 * h * inter * arch.experts
        return ("experts", n) if n else None
    if "shared_expert" in module:
        return ("experts", h * arch.shared_intermediate) if last in ("gate_proj", "up_proj", "down_proj") else None
    dense = _attention(arch).get(last) or _mlp(arch, module).get(last) or 0
    return ("dense", dense) if dense else None


def _attention(arch: ModelArch) -> dict[str, int]:
    h, hd = arch.hidden, arch.head_dim
    q, kv = arch.heads * hd, arch.kv_heads * hd
    sizes = {"q_proj": h * q, "k_proj": h * kv, "v_proj": h * kv, "o_proj": q * h, "qkv_proj": h * (q + 2 * kv), "dense": q * h,
             "query_key_value": h * (q + 2 * kv), "c_attn": h * (q + 2 * kv), "c_proj": q * h, "out_proj": q * h}
    if arch.mla:
        nope, rope, v = arch.qk_nope_head_dim or 0, arch.qk_rope_head_dim or 0, arch.v_head_dim or hd
        qr, kr = arch.q_lora_rank or 0, arch.kv_lora_rank or 0
        sizes.update(q_a_proj=h * qr, q_b_proj=qr * arch.heads * (nope + rope), q_proj=h * arch.heads * (nope + rope),
                     kv_a_proj_with_mqa=h * (kr + rope), kv_b_proj=kr * arch.heads * (nope + v), o_proj=arch.heads * v * h)
    return sizes


def _mlp(arch: ModelArch, module: str) -> dict[str, int]:
    h, inter = arch.hidden, arch.intermediate
    if module.endswith("mlp.gate") or module.endswith("block_sparse_moe.gate") or _last_is(module, "router"):
        return {"gate": h * arch.experts, "router": h * arch.experts}
    return {"gate_proj": h * inter, "up_proj": h * inter, "down_proj": h * inter, "gate_up_proj": 2 * h * inter, "fc1": h * inter,
            "fc2": h * inter, "c_fc": h * inter, "dense_h_to_4h": h * inter, "dense_4h_to_h": h * inter, "w1": h * inter, "w2": h * inter,
            "w3": h * inter}


def _last_is(module: str, name: str) -> bool:
    return module.rsplit(".", 1)[-1] == name


def _family_modules(arch: ModelArch) -> Iterator[str]:
    """The weight modules transformers names for the model's family, when no index names them."""
    attn = ("q_a_proj", "q_b_proj", "kv_a_proj_with_mqa", "kv_b_proj", "o_proj") if arch.mla else ("q_proj", "k_proj", "v_proj", "o_proj")
    mixtral = arch.model_type.startswith("mixtral")
    moe, (w_gate, w_up, w_down) = ("block_sparse_moe", ("w1", "w3", "w2")) if mixtral else ("mlp", ("gate_proj", "up_proj", "down_proj"))
    count = 0
    for i in range(arch.layers):
        yield from (f"model.layers.{i}.self_attn.{a}" for a in attn)
        if arch.experts and i >= arch.dense_layers:
            yield f"model.layers.{i}.{moe}.gate"
            for e in range(arch.experts):
                yield from (f"model.layers.{i}.{moe}.experts.{e}.{w}" for w in (w_gate, w_up, w_down))
            if arch.shared_intermediate:
                yield from (f"model.layers.{i}.mlp.shared_expert.{w}" for w in ("gate_proj", "up_proj", "down_proj"))
        else:
            yield from (f"model.layers.{i}.mlp.{w}" for w in ("gate_proj", "up_proj", "down_proj"))
        count += 3 + 3 * arch.experts
        if count > MAX_MODULES:
            return
