"""Find the serving engine in a container and parse its arguments once, in every form seen in the wild:
`args` lists, `vllm serve MODEL --flag v`, `python3 -m vllm.entrypoints.openai.api_server --model M`,
`--flag=value`, shell strings under `sh -c`, and env twins such as TGI's MODEL_ID."""

from __future__ import annotations

import bisect
import functools
import re
import shlex
from functools import lru_cache
from typing import AbstractSet, Any

from .. import data
from ..findings import Loc
from . import pyscript
from .model import Container, Engine, Invocation, Value, as_int

_SHELLS = {"sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/env", "/usr/bin/bash", "ash", "/bin/ash"}
_SEPARATORS = {"&&", "||", ";", "|", "&"}
_OPT_LEVEL = re.compile(r"-O=?(\w+)")
_VERSION_TAG = re.compile(r"v?(\d+\.\d+(?:\.\d+)?(?:\.post\d+)?)")
_RC_TAG = re.compile(r"v?(\d+\.\d+(?:\.\d+)?(?:rc\d+|\.post\d+)?)")
_NAMED_VERSION = re.compile(r"(?:vllm|tgi|sglang)[_-]v?(\d+\.\d+(?:\.\d+)?)")  # rocm/vllm:rocm7.0.0_vllm_0.11.1_20251103


def host_of(c: Container) -> tuple[str, dict[str, Any]] | None:
    """(engine, host row) when the container runs a server that hosts the engine in-process (KServe's
    huggingface server with --backend=vllm): the engine's flags go on the host's command line."""
    image = (c.image.ref if c.image else "").lower()
    argv = " ".join(c.command + c.args).replace("--backend ", "--backend=")
    for name, spec in data.engines().items():
        for host in spec.get("hosts") or []:
            if (any(p in image for p in host["images"]) or c.model_format == host.get("model_format")) and any(s in argv for s in host["select"]):
                return str(name), host
    return None


def script_engine(c: Container) -> pyscript.PyEngine | None:
    """The engine a Python start script of the container builds (LLM(...), AsyncEngineArgs(...))."""
    if c.py_script is None:
        return None
    text, at, env_closed = c.py_script
    return pyscript.read(text, at, c.env, env_closed)


def detect_engine(c: Container) -> str | None:
    py = script_engine(c)
    if py is not None:
        return py.engine
    hosted = host_of(c)
    if hosted:
        return hosted[0]
    argv_text = " ".join(c.command + c.args)
    image = (c.image.ref if c.image else "").lower()
    for name, spec in data.engines().items():
        if any(ep in argv_text for ep in spec["detect"]["entrypoints"]):
            return str(name)
    for name, spec in data.engines().items():
        if any(pat in image for pat in spec["detect"]["images"]):
            return str(name)
    return named_by_image(c)


def named_by_image(c: Container) -> str | None:
    """An engine a custom image names (`opea/vllm`, `…/vllm-mistral-7b`): a word of its repository path
    (detect.name_words), not an official image; recognised on that assumption, said as such."""
    if c.image is None or c.image.templated:
        return None
    words = set(re.split(r"[/_.:-]+", c.image.repository.lower()))
    return next((str(name) for name, spec in data.engines().items() if words & set(spec["detect"].get("name_words") or [])), None)


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
    py = script_engine(c)
    if py is not None and py.engine == name:
        version, vloc = _version(c, name)
        return _script_built(Engine(name=name, version=version, version_loc=vloc), c, py, data.engines()[name])
    return _argv_engine(c, name)


def _argv_engine(c: Container, name: str) -> Engine:
    spec = data.engines()[name]
    version, vloc = _version(c, name)
    eng = Engine(name=name, version=version, version_loc=vloc)
    tokens = _argv_tokens(c)
    entry = _entry_index(tokens, spec["detect"]["entrypoints"])
    hosted = host_of(c)
    known = _known_flags(name, version, spec)
    if hosted is not None:
        flag_tokens, known = tokens, _hosted(eng, hosted[1], known)
    elif entry is not None:
        flag_tokens, eng.argv_seen = tokens[entry[1]:], True
    elif c.command == [] and c.args:
        flag_tokens, eng.argv_seen = tokens, True  # the image's ENTRYPOINT is the engine; args are its flags
    else:
        flag_tokens = []
    if spec.get("flag_table") == "vllm":
        flag_tokens = _optimization_levels(flag_tokens, known)
    _parse_flags(eng, flag_tokens, spec, known)
    if any("$" in str(t.value) for t in flag_tokens) or re.search(r"\$\{?\w*ARGS", " ".join(c.command + c.args)):
        eng.dynamic_args = True
    if spec.get("env_twins"):
        _env_twins(eng, c, spec)
    _env_args(eng, c, spec)
    _settings(eng, spec, c)
    if hosted is not None:
        _hosted_settings(eng, c)
    eng.invocation = Invocation(f"container {c.name}", tokens, c.env, c.loc)
    if entry is None and hosted is None:
        _assumed(eng, c, spec)
    eng.port = as_int(eng.settings["port"].value) if "port" in eng.settings else spec.get("default_port")
    return eng


def _script_built(eng: Engine, c: Container, py: pyscript.PyEngine, spec: dict[str, Any]) -> Engine:
    """An engine a Python script builds: its keywords are the flags (never abbreviated: a keyword is
    matched whole), each at its line; an open call (**kwargs, from_cli_args) proves nothing by absence."""
    eng.flags = dict(py.flags)
    if py.script_flags or (py.open_args and "from_cli_args" in py.open_args):
        tokens = _argv_tokens(c)
        at = next((i for i, t in enumerate(tokens) if str(t.value).endswith(".py")), None)
        known = _vllm_flags(eng.version) if spec.get("flag_table") == "vllm" else None
        if at is not None:
            _parse_flags(eng, tokens[at + 1:], spec, (known or set()) | py.script_flags)
        eng.hosted_flags = py.script_flags
    eng.argv_seen, eng.dynamic_args, eng.unparsed = py.open_args is None, py.open_args is not None, py.open_args
    eng.in_process = f"{py.call}(...) in a Python script builds {spec.get('release_name', eng.name)} in-process"
    _settings(eng, spec, c)
    eng.invocation = Invocation(f"{py.call}(...) in a Python script", [Value(f"{f}={v.value}", v.loc, v.raw) for f, v in eng.flags.items()],
                                c.env, py.loc)
    return eng


def _hosted(eng: Engine, host: dict[str, Any], known: AbstractSet[str] | None) -> AbstractSet[str]:
    """A host server's own entrypoint: every argument is a flag of it or of the engine it runs in-process."""
    eng.argv_seen, eng.version, eng.version_loc = True, None, None  # the image tag is the host's release
    eng.drops_unknown_flags = f"{host['name']} parses with parse_known_args" if host.get("drops_unknown_flags") else None
    eng.hosted_flags = frozenset(host["flags"])
    return (known or set()) | set(host["flags"])


def _hosted_settings(eng: Engine, c: Container) -> None:
    for flag, setting in (("--model-id", "model"), ("--model-revision", "revision")):
        if flag in eng.flags and setting not in eng.settings:
            eng.settings[setting] = eng.flags[flag]
    eng.settings["port"] = eng.flags.get("--http-port") or Value(8080, c.loc, "KServe's default --http_port")


def _assumed(eng: Engine, c: Container, spec: dict[str, Any]) -> None:
    """A custom image recognised by its name alone: said as assumed; a wrapper command's arguments unread."""
    if detect_image(c) is not None or named_by_image(c) != eng.name:
        return
    eng.assumed = f"image {c.image.ref if c.image else '?'} is read as a {spec.get('release_name', eng.name)} build from its name (not an official image)"
    if c.command:  # a wrapper starts it: what it passes on is not in the files
        eng.unparsed = f"command {c.command[0]} is not {eng.name}'s entrypoint: the engine's arguments it passes were not read"
        eng.argv_seen = False


def _version(c: Container, name: str) -> tuple[str | None, Loc | None]:
    package = data.engines()[name].get("pip_package")
    m = re.search(rf"\b{re.escape(package)}==(\d+\.\d+(?:\.\d+)?)", " ".join(c.command + c.args)) if package else None
    if m:
        return m.group(1), c.loc
    image = c.image
    if image is None:
        return None, c.loc
    if any(p in image.ref.lower() for p in data.engines()[name]["detect"]["images"]) and image.tag:
        pattern = _RC_TAG if data.engines()[name].get("exact_release") else _VERSION_TAG  # 1.3.0rc1 is not 1.3.0rc3
        tm = pattern.match(image.tag) or _NAMED_VERSION.search(image.tag)
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
                out += _split_script(script, sloc, c.script_first_line)
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


def _split_script(script: str, loc: Loc, first_line: int | None = None) -> list[Value]:
    """Shell words, each at the line it is written on: a YAML block scalar's first line is the line after
    its key (`loc`); a script file's is `first_line`. A line ending in a backslash continues the command
    (one command, one separator after it); a quoted word may span lines."""
    block = 1 if "\n" in script.rstrip("\n") else 0
    if first_line is not None:
        loc, block = Loc(loc.file, first_line), 0
    out: list[Value] = []
    for text, starts in _commands(script):
        cursor, offset = 0, starts[0][1]
        for w in _words(text):
            at = text.find(w[:24], cursor)
            if at >= 0:
                cursor = at + len(w[:24])
                offset = next(o for pos, o in reversed(starts) if pos <= at)
            line = loc.line + block + offset if loc.line else 0
            out.append(Value(w, Loc(loc.file, line, loc.values_key), w))
        out.append(Value(";", Loc(loc.file, loc.line + block + offset if loc.line else 0), ";"))
    return out


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    """One logical line's shell words. Kept per text: a chart's values sets render the same scripts, and shlex reads a
    character at a time (3 ms for a long script)."""
    try:
        lex = shlex.shlex(text, posix=True, punctuation_chars=";&|")
        lex.whitespace_split = True
        lex.commenters = "#"
        return tuple(lex)
    except ValueError:
        return tuple(text.split())


def _commands(script: str) -> list[tuple[str, list[tuple[int, int]]]]:
    """Logical lines of a script (continuations joined) with (position in it, physical line offset) of
    each physical line they join."""
    out: list[tuple[str, list[tuple[int, int]]]] = []
    text, starts = "", []
    for offset, raw in enumerate(script.split("\n")):
        starts.append((len(text), offset))
        stripped = raw.rstrip()
        if stripped.endswith("\\"):
            text += stripped[:-1] + " "
            continue
        out.append((text + raw, starts))
        text, starts = "", []
    if starts:
        out.append((text, starts))
    return out


def _entry_index(tokens: list[Value], entrypoints: list[str]) -> tuple[int, int] | None:
    """(start, first-flag index) of the engine invocation among tokens: the first entrypoint found, at its first
    place; a one-word entrypoint ends a word (`/opt/venv/bin/vllm`), a longer one starts at a word's base name."""
    words = [str(t.value) for t in tokens]
    for ep in entrypoints:
        parts = _split(ep)
        if not parts:  # an empty entrypoint is found before any word
            return 0, 0
        first, *rest = parts
        n = len(parts)
        for i in range(len(words) - n + 1):
            if (words[i].endswith(first) if not rest else words[i].rsplit("/", 1)[-1] == first and words[i + 1:i + n] == rest):
                return i, i + n
    return None


@functools.lru_cache(maxsize=256)
def _split(entrypoint: str) -> tuple[str, ...]:
    return tuple(entrypoint.split())


def _known_flags(name: str, version: str | None, spec: dict[str, Any]) -> AbstractSet[str] | None:
    """The flags argparse matches prefixes against (vLLM's, SGLang's): the pinned release's, else every release's.
    None for a parser that matches whole flags only (llama.cpp's, click's)."""
    table = spec.get("flag_table")
    if table == "vllm":
        return _vllm_flags(version)
    if not table or spec.get("literal_flags"):
        return None
    return _table_flags(table, data.flag_release(table, version))


@lru_cache(maxsize=256)  # per engine table and release: what every container of that engine asks
def _table_flags(table: str, release: str | None) -> frozenset[str] | None:
    rows = data.engine_flags().get(table, {}).get("versions", {})
    chosen = [rows[release]] if release else list(rows.values())
    return frozenset("--" + f[2:].replace("_", "-") if f.startswith("--") else f for row in chosen for f in row["flags"]) or None


def _vllm_flags(version: str | None) -> frozenset[str]:
    """The flags of the pinned vLLM release; every known release's when the version cannot be told."""
    return _release_flags(data.vllm_release_for(version))


@lru_cache(maxsize=None)  # one per release of the bundled table, and None
def _release_flags(release: str | None) -> frozenset[str]:
    versions = data.vllm_flags()["versions"]
    return frozenset(versions[release]["flags"]) if release else frozenset(f for v in versions.values() for f in v["flags"])


def _ordered(known: AbstractSet[str] | None) -> list[str]:
    """`known` sorted, for prefix matching: once per flag table (a frozenset), not per container."""
    if not known:
        return []
    return _sorted_table(known) if isinstance(known, frozenset) else sorted(known)


@lru_cache(maxsize=64)
def _sorted_table(known: frozenset[str]) -> list[str]:  # shared: never changed by a caller
    return sorted(known)


def starting_with(prefix: str, ordered: list[str], limit: int | None = None) -> list[str]:
    """The names in `ordered` (sorted) that start with `prefix`, at most `limit` of them: a binary search, not
    a scan of every flag for every argument (20,000 arguments met 400 flags 8 million times)."""
    i = bisect.bisect_left(ordered, prefix)
    out: list[str] = []
    while i < len(ordered) and ordered[i].startswith(prefix) and (limit is None or len(out) < limit):
        out.append(ordered[i])
        i += 1
    return out


def expand_prefix(flag: str, known: AbstractSet[str], ordered: list[str] | None = None) -> str:
    """argparse's prefix matching (allow_abbrev, on in vLLM's parser): `--max-num-seq` is `--max-num-seqs`
    when exactly one flag starts with it. An ambiguous or unknown prefix stays as written. `ordered`: `known` sorted."""
    if not flag.startswith("--") or flag in known:
        return flag
    matches = starting_with(flag, ordered if ordered is not None else sorted(known), limit=2)
    return matches[0] if len(matches) == 1 else flag


def _flag_name(flag: str, spec: dict[str, Any], known: AbstractSet[str] | None, ordered: list[str]) -> str:
    if flag.startswith("--") and not spec.get("literal_flags"):
        flag = "--" + flag[2:].replace("_", "-")  # vLLM and SGLang accept underscores
        if known:
            flag = expand_prefix(flag, known, ordered)
    return flag


def _parse_flags(eng: Engine, tokens: list[Value], spec: dict[str, Any], known: AbstractSet[str] | None = None) -> None:
    aliases = data.vllm_aliases() if spec.get("flag_table") == "vllm" else {}
    ordered = _ordered(known)
    i = 0
    positional_taken = False
    while i < len(tokens):
        tok = tokens[i]
        word = str(tok.value)
        if word in _SEPARATORS:
            break  # the engine's command ends here
        if word.startswith("-") and len(word) > 1 and not _is_number(word):
            flag, eq, val = word.partition("=")
            flag = _flag_name(aliases.get(flag, flag), spec, known, ordered)
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


def _optimization_levels(tokens: list[Value], known: AbstractSet[str] | None) -> list[Value]:
    """vLLM's -O3 / -O=3 as the flag and value they stand for: the optimization level (the compilation
    level before --optimization-level existed)."""
    flag = "--optimization-level" if known is None or "--optimization-level" in known else "--compilation-config"
    out: list[Value] = []
    for tok in tokens:
        opt = _OPT_LEVEL.fullmatch(str(tok.value))
        out += [Value(f"{flag}={opt.group(1)}", tok.loc, str(tok.value))] if opt else [tok]
    return out


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
