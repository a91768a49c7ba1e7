"""Regenerate src/modelready/data/vllm_flags.json from ../shared/reference/vllm-flags.yaml.

The reference holds full flag catalogs for four vLLM releases and the added/removed sets between all
eleven; the flag set of every release is rebuilt by walking those changes, and cross-checked against
each full catalog. Run by hand: `python tools/gen_engine_data.py`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT.parent / "shared" / "reference" / "vllm-flags.yaml"
OUT = ROOT / "src" / "modelready" / "data" / "vllm_flags.json"
CHOICE_FLAGS = ("--dtype", "--quantization", "--kv-cache-dtype", "--load-format", "--block-size")


def boolean_optional(spec: dict) -> bool:
    return "BooleanOptional" in str(spec.get("action", ""))


def main() -> int:
    ref = yaml.safe_load(REF.read_text())
    versions = [str(v) for v in ref["meta"]["versions"]]
    catalogs = {str(v): c for v, c in ref["catalog"].items()}
    flags: dict[str, set[str]] = {versions[0]: set(catalogs[versions[0]])}
    for change in ref["flag_set_changes"]:
        prev, cur = str(change["from"]), str(change["to"])
        flags[cur] = (flags[prev] - set(change["removed"])) | set(change["added"])
    for v, cat in catalogs.items():
        if flags[v] != set(cat):
            print(f"{v}: rebuilt set differs from the full catalog", sorted(flags[v] ^ set(cat)))
            return 1
    # Booleans with --X/--no-X, aliases and choices come from the nearest full catalog at or before a release.
    full = [v for v in versions if v in catalogs]
    out = {"source": "vLLM sdists on PyPI, parsed by AST (see shared/reference/SOURCES.md)", "versions": {}}
    for v in versions:
        nearest = catalogs[[f for f in full if versions.index(f) <= versions.index(v)][-1]]
        names = set(flags[v])
        for name in list(names):
            spec = nearest.get(name) or {}
            if boolean_optional(spec):
                names.add("--no-" + name[2:])
            for alias in spec.get("aliases") or []:
                names.add(alias)
        aliases = {a: name for name in flags[v] for a in ((nearest.get(name) or {}).get("aliases") or [])}
        choices = {}
        for name in CHOICE_FLAGS:
            kf = ref["key_flags"].get(name, {}).get(v) or {}
            if kf.get("choices"):
                choices[name] = list(kf["choices"])
        out["versions"][v] = {"flags": sorted(names), "choices": choices, "aliases": aliases}
    out["deprecated"] = {str(v): d for v, d in ref["deprecated_by_version"].items()}
    out["gpu_memory_utilization_default"] = {v: (0.9 if versions.index(v) <= versions.index("0.11.2") else 0.92) for v in versions}
    OUT.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(versions)} releases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
