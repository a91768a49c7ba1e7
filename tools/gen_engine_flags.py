"""Regenerate src/modelready/data/engine_flags.json: the command-line flags (and env variables) of the
engines other than vLLM, read from their released packages, never by importing them.

    pip download --no-deps --only-binary :all: sglang==0.5.23 -d /tmp/w      (any number of releases)
    pip download --no-deps --no-binary :all: llama-cpp-python==0.3.36 -d /tmp/w
    python tools/gen_engine_flags.py /tmp/w/sglang-*.whl /tmp/w/llama_cpp_python-*.tar.gz [serve.py@<source>] [ollama-src@<version>]
    python tools/gen_engine_flags.py "/tmp/trt/tensorrt_llm-src@NVIDIA/TensorRT-LLM <release> at <repository>@<commit>"
      (a checkout, or `git archive` of tensorrt_llm/{version.py,commands/serve.py,llmapi/llm_args.py} and LICENSE)

- SGLang (a wheel): every literal `add_argument("--x", ...)` of sglang/srt/server_args.py and, from the
  releases that declare fields as `A[T, help]` / `A[T, Arg(...)]` (sglang/srt/arg_groups/fields/*.py),
  each field as `--field-name` (or its `cli_name`) with its `aliases`, as add_cli_args_from_dataclass does.
- llama.cpp's server (the llama-cpp-python sdist vendors llama.cpp): each `common_arg({"-c", "--ctx-size"}, ...)`
  of vendor/llama.cpp/common/arg.cpp with its `set_env("LLAMA_ARG_...")`; `server` holds those the
  server's parser takes (examples COMMON or SERVER, not excluded from SERVER).
- TensorRT-LLM's `trtllm-serve serve` (tensorrt_llm/commands/serve.py from its wheel, or that file given as
  `path@source`: the wheel is over 2 GB and not on PyPI): the names of the click options of the `serve` command.
  A source checkout given as `DIR@source` (DIR holds tensorrt_llm/ and LICENSE; the release is its
  tensorrt_llm/version.py) adds the keys `--extra_llm_api_options FILE` takes: the pydantic fields of
  BaseLlmArgs with TorchLlmArgs (the pytorch backend) or TrtLlmArgs (tensorrt), which forbid any other key,
  the keys serve.py pops before building them, and the fields of each nested config that forbids extras
  (kv_cache_config: KvCacheConfig, ...). A config chosen by a `decoding_type` among subclasses is left open.
- Ollama (Go, no Python package: a source tree or its envconfig/config.go given as `path@version`, e.g. from
  `git archive` of a tag): every `"OLLAMA_..."` name its Go files read; an Ollama server ignores any other.
The source of each release and the date are recorded in the data. Run by hand.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "modelready" / "data" / "engine_flags.json"


def _wheel_texts(path: Path, prefix: str) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.startswith(prefix) and n.endswith(".py")}


def _literal_flags(tree: ast.AST) -> set[str]:
    return {a.value for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "add_argument"
            for a in n.args if isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value.startswith("-")}


def _field_flags(tree: ast.AST) -> set[str]:
    """Fields annotated `A[T, "help"]` or `A[T, Arg(cli_name=..., aliases=[...], no_cli=...)]`."""
    out: set[str] = set()
    for n in ast.walk(tree):
        if not (isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name) and isinstance(n.annotation, ast.Subscript)):
            continue
        if not (isinstance(n.annotation.value, ast.Name) and n.annotation.value.id == "A"):
            continue
        parts = n.annotation.slice.elts if isinstance(n.annotation.slice, ast.Tuple) else []
        meta = parts[1] if len(parts) > 1 else None
        kw = {k.arg: k.value for k in meta.keywords} if isinstance(meta, ast.Call) else {}
        if isinstance(kw.get("no_cli"), ast.Constant) and kw["no_cli"].value is True:
            continue
        name = kw.get("cli_name")
        out.add(name.value if isinstance(name, ast.Constant) else "--" + n.target.id.replace("_", "-"))
        aliases = kw.get("aliases")
        if isinstance(aliases, ast.List):
            out |= {a.value for a in aliases.elts if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return out


def sglang(path: Path) -> tuple[str, dict[str, object]]:
    version = re.search(r"sglang-([0-9][^-]*)-", path.name)
    if not version:
        raise SystemExit(f"cannot tell the release from {path.name}")
    texts = _wheel_texts(path, "sglang/srt/")
    flags: set[str] = set()
    for name, text in texts.items():
        if name == "sglang/srt/server_args.py" or name.startswith("sglang/srt/arg_groups/"):
            tree = ast.parse(text)
            flags |= _literal_flags(tree) | (_field_flags(tree) if "/fields/" in name else set())
    return version.group(1), {"flags": sorted(flags | {"--help"}), "source": f"{path.name} (sglang/srt/server_args.py, arg_groups)"}


_ARG = re.compile(r"common_arg\(\s*\{([^}]*)\}")


def llamacpp(path: Path) -> tuple[str, dict[str, object]]:
    with tarfile.open(path) as t:
        member = next(m for m in t.getmembers() if m.name.endswith("vendor/llama.cpp/common/arg.cpp"))
        f = t.extractfile(member)
        text = f.read().decode("utf-8", "replace") if f else ""
    flags, server, env = set(), set(), {}
    starts = [m.start() for m in re.finditer(r"add_opt\(", text)] + [len(text)]
    for a, b in zip(starts, starts[1:]):
        chunk = text[a:b]
        m = _ARG.search(chunk)
        if not m:
            continue
        names = re.findall(r'"(-[^"]+)"', m.group(1))
        flags |= set(names)
        examples = re.search(r"set_examples\(\{([^}]*)\}", chunk)
        excluded = re.search(r"set_excludes\(\{([^}]*)\}", chunk)
        if (examples is None or re.search(r"LLAMA_EXAMPLE_(SERVER|COMMON)\b", examples.group(1))) and not (
                excluded and "LLAMA_EXAMPLE_SERVER" in excluded.group(1)):
            server |= set(names)
        e = re.search(r'set_env\("(\w+)"\)', chunk)
        if e:
            for n in names:
                env[n] = e.group(1)
    version = re.search(r"llama_cpp_python-([0-9.]+)\.tar", path.name)
    return (version.group(1) if version else "?"), {
        "flags": sorted(flags | {"-h", "--help"}), "server": sorted(server | {"-h", "--help"}), "env": dict(sorted(env.items())),
        "source": f"{path.name} (vendor/llama.cpp/common/arg.cpp)"}


def trtllm(text: str, source: str) -> tuple[str, dict[str, object]]:
    tree = ast.parse(text)
    serve = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "serve")
    flags = {a.value for d in serve.decorator_list if isinstance(d, ast.Call) and getattr(d.func, "attr", "") == "option"
             for a in d.args if isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value.startswith("-")}
    version = re.search(r"tensorrt_llm-([0-9][^-]*)-", source)
    return (version.group(1) if version else "main@" + source.rsplit("@", 1)[-1][:12]), {
        "flags": sorted(flags | {"--help"}), "source": f"{source} (tensorrt_llm/commands/serve.py, the serve command's click options)"}


_LLM_ARGS = {"pytorch": "TorchLlmArgs", "tensorrt": "TrtLlmArgs"}


def _classes(tree: ast.Module) -> dict[str, tuple[list[str], dict[str, ast.expr], set[str]]]:
    """class -> (its bases' names, its own fields' annotations, the aliases its fields accept)."""
    out: dict[str, tuple[list[str], dict[str, ast.expr], set[str]]] = {}
    for c in tree.body:
        if not isinstance(c, ast.ClassDef):
            continue
        fields: dict[str, ast.expr] = {}
        aliases: set[str] = set()
        for n in c.body:
            if not (isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)) or n.target.id.startswith("_"):
                continue
            if n.target.id == "model_config" or "ClassVar" in ast.unparse(n.annotation):
                continue
            fields[n.target.id] = n.annotation
            for kw in n.value.keywords if isinstance(n.value, ast.Call) else []:
                if kw.arg in ("alias", "validation_alias"):
                    aliases |= {a.value for a in ast.walk(kw.value) if isinstance(a, ast.Constant) and isinstance(a.value, str)}
        out[c.name] = ([ast.unparse(b) for b in c.bases], fields, aliases)
    return out


def _all_fields(classes: dict[str, tuple[list[str], dict[str, ast.expr], set[str]]], name: str, depth: int = 0) -> dict[str, ast.expr]:
    bases, own, _ = classes.get(name, ([], {}, set()))
    out: dict[str, ast.expr] = {}
    for b in bases if depth < 10 else []:
        out.update(_all_fields(classes, b, depth + 1))
    return {**out, **own}


def _strict(classes: dict[str, tuple[list[str], dict[str, ast.expr], set[str]]], name: str, depth: int = 0) -> bool:
    return name == "StrictBaseModel" or (depth < 10 and any(_strict(classes, b, depth + 1) for b in classes.get(name, ([], {}, set()))[0]))


def _nested_class(classes: dict[str, tuple[list[str], dict[str, ast.expr], set[str]]], annotation: ast.expr) -> str | None:
    """`Optional[KvCacheConfig]` -> KvCacheConfig when that class forbids extras and no class of the file derives
    from it (a base whose subclass is chosen by a key, as speculative_config's, is left open)."""
    names = [n.id for n in ast.walk(annotation) if isinstance(n, ast.Name) and n.id in classes]
    if len(names) != 1 or not _strict(classes, names[0]):
        return None
    return None if any(names[0] in bases for bases, _, _ in classes.values()) else names[0]


def trtllm_options(llm_args: str, serve: str) -> dict[str, object]:
    classes = _classes(ast.parse(llm_args))
    popped = {a.value for n in ast.walk(ast.parse(serve)) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "pop"
              and ast.unparse(n.func.value) == "llm_args" for a in n.args[:1] if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    backends: dict[str, list[str]] = {}
    nested: dict[str, list[str]] = {}
    for backend, cls in _LLM_ARGS.items():
        fields = _all_fields(classes, cls)
        aliases = {a for c in [cls, *classes[cls][0], "BaseLlmArgs"] for a in classes.get(c, ([], {}, set()))[2]}
        backends[backend] = sorted(set(fields) | aliases | popped)
        for key, annotation in fields.items():
            inner = _nested_class(classes, annotation)
            if inner:
                nested[key] = sorted(_all_fields(classes, inner))
    serve_tree = ast.parse(serve)
    default = next((ast.literal_eval(k.value) for d in ast.walk(serve_tree) if isinstance(d, ast.Call) and getattr(d.func, "attr", "") == "option"
                    and any(isinstance(a, ast.Constant) and a.value == "--backend" for a in d.args)
                    for k in d.keywords if k.arg == "default"), "pytorch")
    return {"backends": backends, "nested": dict(sorted(nested.items())), "default_backend": default}


def trtllm_checkout(root: Path, source: str) -> tuple[str, dict[str, object]]:
    serve = (root / "tensorrt_llm/commands/serve.py").read_text()
    llm_args = (root / "tensorrt_llm/llmapi/llm_args.py").read_text()
    version = re.search(r'__version__\s*=\s*"([^"]+)"', (root / "tensorrt_llm/version.py").read_text())
    licence = (root / "LICENSE").read_text(errors="replace")
    if "Apache License" not in licence:
        raise SystemExit(f"{root}/LICENSE is not the Apache License 2.0 TensorRT-LLM ships under")
    release, row = trtllm(serve, source)
    row["release"] = version.group(1) if version else release
    row["llm_api_options"] = trtllm_options(llm_args, serve)
    row["source"] = (f"{source} (tensorrt_llm/commands/serve.py, the serve command's click options; tensorrt_llm/llmapi/llm_args.py, "
                     "the LLM API options of --extra_llm_api_options)")
    row["licence"] = "Apache-2.0"
    return (version.group(1) if version else release), row


def ollama(path: Path, version: str) -> tuple[str, dict[str, object]]:
    files = [path] if path.is_file() else sorted(path.rglob("*.go"))
    names = {n for f in files if not f.name.endswith("_test.go") for n in re.findall(r'"(OLLAMA_[A-Z0-9_]+)"', f.read_text(errors="replace"))}
    where = "envconfig/config.go" if path.is_file() else "its Go files"
    return version, {"flags": [], "env": sorted(names), "source": f"ollama/ollama {version} ({where})"}


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    data = json.loads(OUT.read_text()) if OUT.exists() else {}
    today = dt.date.today().isoformat()
    for arg in argv:
        path = Path(arg.split("@", 1)[0])
        if path.name.startswith("sglang-"):
            engine, (version, row) = "sglang", sglang(path)
        elif path.name.startswith("llama_cpp_python-"):
            engine, (version, row) = "llamacpp", llamacpp(path)
        elif path.name.startswith("tensorrt_llm-"):
            engine, (version, row) = "trtllm", trtllm(_wheel_texts(path, "tensorrt_llm/commands/")["tensorrt_llm/commands/serve.py"], path.name)
        elif "ollama" in str(path) and "@" in arg:
            engine, (version, row) = "ollama", ollama(path, arg.split("@", 1)[1])
        elif path.is_dir() and (path / "tensorrt_llm/commands/serve.py").is_file() and "@" in arg:
            engine, (version, row) = "trtllm", trtllm_checkout(path, arg.split("@", 1)[1])
        elif path.name == "serve.py" and "@" in arg:
            engine, (version, row) = "trtllm", trtllm(path.read_text(), arg.split("@", 1)[1])
        else:
            raise SystemExit(f"not a known package: {path.name}")
        row["source"] = f"{row['source']}, read {today} by tools/gen_engine_flags.py"
        data.setdefault(engine, {}).setdefault("versions", {})[version] = row
        print(f"{engine} {version}: {len(row['flags'])} flags, {len(row.get('env') or [])} env")  # type: ignore[arg-type]
    OUT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
