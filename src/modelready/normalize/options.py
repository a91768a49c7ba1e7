"""An engine's options file, read where the repository holds it: TensorRT-LLM's `--extra_llm_api_options FILE`
(the LLM API options as YAML), from a ConfigMap mounted at that path or a repository file the image copies
there. Each key becomes a Value at its own line; the keys the engine row maps to settings replace the
command line's (trtllm-serve merges the file over its flags: update_llm_args_with_extra_dict)."""

from __future__ import annotations

from typing import Callable

from ..findings import Loc
from ..load.yamlsrc import YamlError, YMap, load_one
from .model import Engine, Value

# a path -> (the file's text, the line before its first line); None where the repository does not hold it
Opener = Callable[[str], "tuple[str, Loc] | None"]
_MAX_TEXT = 256 * 1024


def options_path(e: Engine) -> tuple[str, Value] | None:
    """(flag as written, its value) of the engine's options-file flag, when the command line gives one."""
    for name in e.capability("options_file_flags") or []:
        v = e.flags.get(str(name))
        if v is not None and isinstance(v.value, str):
            return str(name), v
    return None


def read(e: Engine, open_file: Opener) -> None:
    given = options_path(e)
    if given is None:
        return
    name, v = given
    path = str(v.value)
    found = open_file(path) if "$" not in path else None
    if found is None or len(found[0]) > _MAX_TEXT:
        _unread(e, f"{name} {path} is not a file the repository holds (a ConfigMap mounted there or a file the image copies): "
                   "its options were not read")
        return
    text, at = found
    try:
        doc = load_one(text)
    except YamlError as err:
        _unread(e, f"{name} {path} is not valid YAML (line {at.line + err.line}): its options were not read")
        return
    if not isinstance(doc, YMap):
        if doc is not None:
            _unread(e, f"{name} {path} is not a mapping of options: they were not read")
        return
    e.options_file = Loc(at.file, at.line + 1, at.values_key)
    e.options = _flatten(doc, at)
    for setting, key in (e.capability("options_settings") or {}).items():
        if key in e.options:
            e.settings[str(setting)] = e.options[key]


def _unread(e: Engine, why: str) -> None:
    e.dynamic_args = True  # what the file sets is unknown: an absent setting proves nothing
    e.unparsed = f"{e.unparsed}; {why}" if e.unparsed else why


def _flatten(doc: YMap, at: Loc) -> dict[str, Value]:
    """Top-level keys and the keys of each mapping under one (kv_cache_config.free_gpu_memory_fraction), each at its line."""
    out: dict[str, Value] = {}
    for key, val in doc.items():
        line = at.line + doc.lines.get(key, 0)
        out[str(key)] = Value(val, Loc(at.file, line, at.values_key), f"{key}")
        if isinstance(val, YMap):
            for sub, inner in val.items():
                out[f"{key}.{sub}"] = Value(inner, Loc(at.file, at.line + val.lines.get(sub, 0), at.values_key), f"{key}.{sub}")
    return out
