"""Add one vLLM release to src/modelready/data/vllm_flags.json, read from its released package.

    pip download --no-deps --only-binary :all: --python-version 3.12 --implementation cp --abi abi3 \
        --platform manylinux_2_28_x86_64 vllm==0.34.0 -d /tmp/vllm
    python tools/gen_vllm_release.py /tmp/vllm/vllm-0.34.0-*.whl   (a wheel or an sdist)

What is read, by AST and never by importing vLLM:
- the flags: every field of `EngineArgs`/`AsyncEngineArgs` (vllm/engine/arg_utils.py) and of the
  frontend's `BaseFrontendArgs`/`FrontendArgs` (vllm/entrypoints/common/cli_args.py, else
  entrypoints/openai/cli_args.py) as `--field-name`, a `bool` field also as `--no-field-name`
  (argparse's BooleanOptionalAction), plus every literal `add_argument("--x", "-y")` in those modules;
- the choices of --dtype, --quantization, --kv-cache-dtype and --load-format: the `Literal[...]` types
  ModelDType, QuantizationMethods, CacheDType and LoadFormats;
- the defaults that changed by release: CacheConfig's gpu_memory_utilization (its docstring when the
  field defaults to None and is resolved at start) and DEFAULT_BLOCK_SIZE.
Short aliases (-tp, -pp, -O<level>) are carried from the newest earlier release whose target flag still
exists. The source file and the date are recorded in the data.
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
OUT = ROOT / "src" / "modelready" / "data" / "vllm_flags.json"
ARG_CLASSES = {"EngineArgs", "AsyncEngineArgs", "BaseFrontendArgs", "FrontendArgs"}
FLAG_MODULES = ("vllm/engine/arg_utils.py", "vllm/entrypoints/common/cli_args.py", "vllm/entrypoints/openai/cli_args.py",
                "vllm/entrypoints/cli/serve.py")
CHOICES = {"--dtype": "ModelDType", "--quantization": "QuantizationMethods", "--kv-cache-dtype": "CacheDType", "--load-format": "LoadFormats"}


def sources(package: Path) -> tuple[str, dict[str, str]]:
    """(version, {path inside vllm/: text}) of the package's Python files."""
    texts: dict[str, str] = {}
    if package.suffix == ".whl":
        with zipfile.ZipFile(package) as z:
            for name in z.namelist():
                if name.startswith("vllm/") and name.endswith(".py"):
                    texts[name] = z.read(name).decode("utf-8", "replace")
    else:
        with tarfile.open(package) as t:
            for m in t.getmembers():
                rel = m.name.split("/", 1)[-1]
                if rel.startswith("vllm/") and rel.endswith(".py") and m.isfile():
                    f = t.extractfile(m)
                    texts[rel] = f.read().decode("utf-8", "replace") if f else ""
    version = re.search(r"vllm-(\d+\.\d+\.\d+(?:\.post\d+)?)", package.name)
    if not version:
        raise SystemExit(f"cannot tell the release from {package.name}")
    return version.group(1), texts


def flags(texts: dict[str, str]) -> set[str]:
    out: set[str] = set()
    for path in FLAG_MODULES:
        text = texts.get(path)
        if text is None:
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.name in ARG_CLASSES:
                for stmt in node.body:
                    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and not stmt.target.id.startswith("_"):
                        name = "--" + stmt.target.id.replace("_", "-")
                        out.add(name)
                        if re.search(r"\bbool\b", ast.unparse(stmt.annotation)):  # bool, bool | None, bool | str
                            out.add("--no-" + name[2:])
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument":
                out |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value.startswith("--")}
    return out


def literal(texts: dict[str, str], name: str) -> list[str] | None:
    for text in texts.values():
        m = re.search(rf"^{name}\s*=\s*Literal\[(.*?)\]", text, re.M | re.S)
        if m:
            return re.findall(r"[\"']([^\"']+)[\"']", m.group(1))
    return None


def defaults(texts: dict[str, str]) -> dict[str, object]:
    cache = texts.get("vllm/config/cache.py", "")
    out: dict[str, object] = {}
    m = re.search(r"^\s+gpu_memory_utilization:[^=\n]*=\s*(?:Field\(default=)?([0-9.]+|None)", cache, re.M)
    if m and m.group(1) != "None":
        out["gpu_memory_utilization"] = float(m.group(1))
    elif m:  # resolved at start: the docstring states the value ("1.0 with the extensible KV cache ... and 0.92 otherwise")
        doc = cache[m.end(): m.end() + 1500]
        found = re.search(r"unspecified,\s*([0-9.]+)", doc)
        if found:
            out["gpu_memory_utilization"] = float(found.group(1))
            note = re.search(r"If unspecified,.*?\.(?=\s|$)", " ".join(doc.split()))
            out["gpu_memory_utilization_note"] = note.group(0) if note else ""
    b = re.search(r"DEFAULT_BLOCK_SIZE\s*:\s*ClassVar\[int\]\s*=\s*(\d+)", cache) or re.search(r"^\s+block_size:\s*int\s*=\s*(\d+)", cache, re.M)
    if b:
        out["block_size"] = int(b.group(1))
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    package = Path(argv[0])
    version, texts = sources(package)
    found = flags(texts)
    if not found:
        print(f"no flags found in {package.name}")
        return 1
    data = json.loads(OUT.read_text())
    versions = data["versions"]
    earlier = sorted((v for v in versions if v != version), key=lambda v: tuple(int(p) for p in re.findall(r"\d+", v)[:3]))
    prev = versions[earlier[-1]]
    aliases = {a: t for a, t in prev.get("aliases", {}).items() if t in found}
    if "-O" in texts.get("vllm/utils/argparse_utils.py", "") and "--optimization-level" in found:
        aliases["-O"] = "--optimization-level"  # -O3, -O=3 and -O 3 (FlexibleArgumentParser)
    choices = {flag: values for flag, name in CHOICES.items() if (values := literal(texts, name))}
    versions[version] = {"flags": sorted(found | set(aliases)), "choices": choices, "aliases": aliases,
                         "source": f"{package.name}, read {dt.date.today().isoformat()} by tools/gen_vllm_release.py"}
    d = defaults(texts)
    if "gpu_memory_utilization" in d:
        data["gpu_memory_utilization_default"][version] = d["gpu_memory_utilization"]
    if d.get("gpu_memory_utilization_note"):
        data.setdefault("gpu_memory_utilization_note", {})[version] = d["gpu_memory_utilization_note"]
    if "block_size" in d:
        data.setdefault("block_size_default", {})[version] = d["block_size"]
    data.setdefault("deprecated", {}).setdefault(version, data["deprecated"].get(earlier[-1], []))
    OUT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    added, removed = sorted(found - set(prev["flags"])), sorted(set(prev["flags"]) - found - set(aliases))
    print(f"vLLM {version}: {len(found)} flags ({len(added)} new since {earlier[-1]}, {len(removed)} gone); defaults {d}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
