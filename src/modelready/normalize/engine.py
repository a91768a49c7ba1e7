"""Find the serving engine in a container and parse its arguments once, in every form seen in the wild:
`args` lists, `vllm serve MODEL --flag v`, `python3 -m vllm.entrypoints.openai.api_server --model M`,
`--flag=value`, shell strings under `sh -c`, and env twins such as TGI's MODEL_ID."""

from __future__ import annotations

import re
import shlex

from typing import Any

from .. import data
from ..findings import Loc
from .model import Container, Engine, Value, as_int

_SHELLS = {"sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/env", "/usr/bin/bash", "ash", "/bin/ash"}
_SEPARATORS = {"&&", "||", ";", "|", "&"}
_VERSION_TAG = re.compile(r"v?(\d+\.\d+(?:\.\d+)?(?:\.post\d+)?)")
_NAMED_VERSION = re.compile(r"(?:vllm|tgi|sglang)[_-]v?(\d+\.\d+(?:\.\d+)?)")  # rocm/vllm:rocm7.0.0_vllm_0.11.1_20251103


def detect_engine(c: Container) -> str | None:
    argv_text = " ".join(c.command + c.args)
    image = (c.image.ref if c.image else "").lower()
    for name, spec in data.engines().items():
        if any(ep in argv_text for ep in spec["detect"]["entrypoints"]):
            return str(name)
    for name, spec in data.engines().items():
        if any(pat in image for pat in spec["detect"]["images"]):
            return str(name)
    return None


def flag(engine: str, setting: str) -> str:
    """How `engine` spells `setting` on its command line: the first flag its settings table reads back
    (advice in a finding names it, so what a user pastes is what the parser reads)."""
    engines = data.engines()
    names = (engines.get(engine) or {}).get("settings", {}).get(setting) or engines["vllm"]["settings"][setting]
    return next(str(n) for n in names if str(n).startswith("--"))


def detect_image(c: Container) -> str | None:
    """The engine an image is a build of, from its name alone."""
    image = (c.image.ref if c.image else "").lower()
    return next((name for name, spec in data.engines().items() if any(p in image for p in spec["detect"]["images"])), None)


def build_engine(c: Container, name: str) -> Engine:
    spec = data.engines()[name]
    version, vloc = _version(c, name)
    eng = Engine(name=name, version=version, version_loc=vloc)
    tokens = _argv_tokens(c)
    entry = _entry_index(tokens, spec["detect"]["entrypoints"])
    if entry is not None:
        flag_tokens = tokens[entry[1]:]
        eng.argv_seen = True
    elif c.command == [] and c.args:
        flag_tokens = tokens  # the image's ENTRYPOINT is the engine; args are its flags
        eng.argv_seen = True
    else:
        flag_tokens = []
    _parse_flags(eng, flag_tokens, spec, _vllm_flags(version) if spec.get("flag_table") == "vllm" else None)
    if any("$" in str(t.value) for t in flag_tokens) or re.search(r"\$\{?\w*ARGS", " ".join(c.command + c.args)):
        eng.dynamic_args = True
    if spec.get("env_twins"):
        _env_twins(eng, c, spec)
    _env_args(eng, c, spec)
    _settings(eng, spec, c)
    eng.port = as_int(eng.settings["port"].value) if "port" in eng.settings else spec.get("default_port")
    return eng


def _version(c: Container, name: str) -> tuple[str | None, Loc | None]:
    package = data.engines()[name].get("pip_package")
    m = re.search(rf"\b{re.escape(package)}==(\d+\.\d+(?:\.\d+)?)", " ".join(c.command + c.args)) if package else None
    if m:
        return m.group(1), c.loc
    image = c.image
    if image is None:
        return None, c.loc
    if any(p in image.ref.lower() for p in data.engines()[name]["detect"]["images"]) and image.tag:
        tm = _VERSION_TAG.match(image.tag) or _NAMED_VERSION.search(image.tag)
        if tm and not image.templated:
            return tm.group(1), image.loc
    return None, image.loc


def _argv_tokens(c: Container) -> list[Value]:
    """command + args as tokens with locations; a `sh -c` script is split like a shell would."""
    out: list[Value] = []
    env = {e.name: e.value for e in c.env if e.value is not None}
    items = [(expand(t, env), c.loc_of_arg("command", i)) for i, t in enumerate(c.command)]
    items += [(expand(t, env), c.loc_of_arg("args", i)) for i, t in enumerate(c.args)]
    i = 0
    while i < len(items):
        text, loc = items[i]
        base = text.rsplit("/", 1)[-1]
        if (text in _SHELLS or base in ("sh", "bash")) and i + 1 < len(items) and items[i + 1][0] in ("-c", "-ec", "-xc", "-lc", "-exc", "-euc", "-ceu"):
            for script, sloc in items[i + 2 :]:
                out += _split_script(script, sloc)
            return out
        out.append(Value(text, loc, text))
        i += 1
    return out


_K8S_REF = re.compile(r"\$\$|\$\((\w+)\)")


def expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' own expansion of command and args: $(VAR) from the container's literal env, $$ escapes."""
    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1), m.group(0))
    return _K8S_REF.sub(sub, text)


def _split_script(script: str, loc: Loc) -> list[Value]:
    script = script.replace("\\\n", " ")
    block = 1 if "\n" in script else 0
    out: list[Value] = []
    offset_line = 0
    for raw_line in script.split("\n"):
        try:
            lex = shlex.shlex(raw_line, posix=True, punctuation_chars=";&|")
            lex.whitespace_split = True
            lex.commenters = "#"
            words = list(lex)
        except ValueError:
            words = raw_line.split()
        line = loc.line + block + offset_line if loc.line else 0
        for w in words:
            out.append(Value(w, Loc(loc.file, line, loc.values_key), w))
        out.append(Value(";", Loc(loc.file, line), ";"))
        offset_line += 1
    return out


def _entry_index(tokens: list[Value], entrypoints: list[str]) -> tuple[int, int] | None:
    """(start, first-flag index) of the engine invocation among tokens."""
    words = [str(t.value) for t in tokens]
    for ep in entrypoints:
        parts = ep.split()
        n = len(parts)
        for i in range(len(words) - n + 1):
            window = [w.rsplit("/", 1)[-1] if j == 0 else w for j, w in enumerate(words[i : i + n])]
            if window == parts or (n == 1 and words[i].endswith(parts[0])):
                end = i + n
                return i, end
    return None


def _vllm_flags(version: str | None) -> set[str]:
    """The flags of the pinned vLLM release; every known release's when the version cannot be told."""
    versions = data.vllm_flags()["versions"]
    release = data.vllm_release_for(version)
    return set(versions[release]["flags"]) if release else {f for v in versions.values() for f in v["flags"]}


def expand_prefix(flag: str, known: set[str]) -> str:
    """argparse's prefix matching (allow_abbrev, on in vLLM's parser): `--max-num-seq` is `--max-num-seqs`
    when exactly one flag starts with it. An ambiguous or unknown prefix stays as written."""
    if not flag.startswith("--") or flag in known:
        return flag
    matches = [f for f in known if f.startswith(flag)]
    return matches[0] if len(matches) == 1 else flag


def _parse_flags(eng: Engine, tokens: list[Value], spec: dict[str, Any], known: set[str] | None = None) -> None:
    aliases = data.vllm_aliases() if spec.get("flag_table") == "vllm" else {}
    i = 0
    positional_taken = False
    while i < len(tokens):
        tok = tokens[i]
        word = str(tok.value)
        if word in _SEPARATORS:
            break  # the engine's command ends here
        if word.startswith("-") and len(word) > 1 and not _is_number(word):
            flag, eq, val = word.partition("=")
            flag = aliases.get(flag, flag)
            if flag.startswith("--"):
                flag = "--" + flag[2:].replace("_", "-")  # vLLM and SGLang accept underscores
                if known:
                    flag = expand_prefix(flag, known)
            loc = tok.loc
            if eq:
                value: object = val
            elif i + 1 < len(tokens) and not _looks_like_flag(str(tokens[i + 1].value)) and str(tokens[i + 1].value) not in _SEPARATORS:
                value = str(tokens[i + 1].value)
                i += 1
                loc = tokens[i].loc  # the value's line: in a chart it names the values key
            else:
                value = True
            eng.flags[flag] = Value(value, loc, word)
        elif not positional_taken and spec.get("positional_model") and not eng.flags:
            eng.flags["<model>"] = Value(word, tok.loc, word)  # `vllm serve MODEL`
            positional_taken = True
        else:
            eng.unknown_tokens.append(tok)
        i += 1


def _is_number(word: str) -> bool:
    try:
        float(word)
        return True
    except ValueError:
        return False


def _looks_like_flag(word: str) -> bool:
    return word.startswith("-") and len(word) > 1 and not _is_number(word)


def _env_args(eng: Engine, c: Container, spec: dict[str, Any]) -> None:
    """Flags from the env variables a launch script splices into the command line (the engine row's
    env_args). Only where a shell expands the reference: exec-form $(VAR) would hand the engine one
    unsplit argument. Flags on the command line itself win."""
    argv = " ".join(c.command + c.args)
    shell = bool(c.command) and c.command[0].rsplit("/", 1)[-1] in ("sh", "bash")
    names = spec.get("env_args") or []
    if not names or not shell:
        return
    for ev in c.env:
        if ev.name in names and ev.value and re.search(rf"\$\{{?{ev.name}\b", argv):
            before = dict(eng.flags)
            _parse_flags(eng, _split_script(ev.value, ev.loc), spec)
            eng.flags = {**eng.flags, **before}  # what the argv says stays
            if "<model>" not in before:
                eng.flags.pop("<model>", None)


def _env_twins(eng: Engine, c: Container, spec: dict[str, Any]) -> None:
    """TGI: MODEL_ID=x is --model-id x, unless the flag itself is given."""
    flags = {f for names in spec["settings"].values() for f in names if f.startswith("--")}
    for ev in c.env:
        flag = "--" + ev.name.lower().replace("_", "-")
        if flag in flags and flag not in eng.flags and ev.value is not None:
            eng.flags[flag] = Value(ev.value, ev.loc, f"{ev.name}={ev.value}")


def _settings(eng: Engine, spec: dict[str, Any], c: Container) -> None:
    for setting, names in spec["settings"].items():
        for n in names:
            if n in eng.flags:
                eng.settings[setting] = eng.flags[n]
                break
    if "model" not in eng.settings and "<model>" in eng.flags:
        eng.settings["model"] = eng.flags["<model>"]
    env = c.env_map()
    for setting, var in (spec.get("env_settings") or {}).items():
        if setting not in eng.settings and var in env:
            ev = env[var]
            eng.settings[setting] = Value(ev.value if ev.value is not None else "(from secret)", ev.loc, ev.name)
