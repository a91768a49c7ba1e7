"""Generate the JSON schemas modelready validates custom resources with, from operators' published CRDs.

Reads each CRD listed in tools/crd_sources.yaml from a local git mirror (no network), takes every served
version's `openAPIV3Schema`, and makes it strict the way the API server's field validation is: an object
schema with `properties` and without `x-kubernetes-preserve-unknown-fields` refuses other fields. Subtrees
repeated across the schema (a PodSpec in every component) are stored once under `$defs`. Writes
src/modelready/data/crd_schemas/<kind>-<group>-<version>.json.gz and SOURCES.json (repository, commit,
path, licence, release of each).

    .venv/bin/python tools/gen_crd_schemas.py --mirror /work/.mirror
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "modelready" / "data" / "crd_schemas"
MAPS = ("properties", "patternProperties")  # maps of names to schemas
MIN_SHARED = 2048  # bytes of JSON: smaller repeated subtrees stay inline


def strict(node: object) -> object:
    if isinstance(node, dict):
        out = {k: strict(v) for k, v in node.items() if k != "description"}  # descriptions: most of the bytes, none of the rules
        # The API server prunes a null where `nullable` is not set and keeps it where it is: a null is never refused.
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        if "object" in out.get("type", []) and "properties" in out and "additionalProperties" not in out \
                and not out.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [strict(v) for v in node]
    return node


def shared(schema: dict) -> dict:
    """Repeated large subtrees moved to $defs and referenced."""
    counts: dict[str, int] = {}

    def key(node: object) -> str:
        return hashlib.sha256(json.dumps(node, sort_keys=True).encode()).hexdigest()[:16]

    # a `properties` map names schemas; it is not one itself, so never a $ref
    def count(node: object, schema: bool = True) -> None:
        if isinstance(node, dict):
            if schema and len(json.dumps(node, sort_keys=True)) >= MIN_SHARED:
                counts[key(node)] = counts.get(key(node), 0) + 1
            for k, v in node.items():
                count(v, schema=k not in MAPS)
        elif isinstance(node, list):
            for v in node:
                count(v)

    defs: dict[str, object] = {}

    def replace(node: object, top: bool = False, schema: bool = True) -> object:
        if isinstance(node, dict):
            if schema and not top and len(json.dumps(node, sort_keys=True)) >= MIN_SHARED and counts.get(key(node), 0) > 1:
                k = key(node)
                if k not in defs:
                    defs[k] = None
                    defs[k] = {kk: replace(v, schema=kk not in MAPS) for kk, v in node.items()}
                return {"$ref": f"#/$defs/{k}"}
            return {k: replace(v, schema=k not in MAPS) for k, v in node.items()}
        if isinstance(node, list):
            return [replace(v) for v in node]
        return node

    count(schema)
    out = replace(schema, top=True)
    assert isinstance(out, dict)
    if defs:
        out["$defs"] = defs
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirror", required=True, help="folder of <owner>+<name>/repo git directories")
    args = ap.parse_args()
    sources = yaml.safe_load((Path(__file__).parent / "crd_sources.yaml").read_text())
    OUT.mkdir(parents=True, exist_ok=True)
    record = {}
    for src in sources:
        git = Path(args.mirror) / src["repo"].replace("/", "+") / "repo"
        text = subprocess.run(["git", "--git-dir", str(git), "show", f"{src['commit']}:{src['path']}"], check=True,
                              capture_output=True, text=True).stdout
        for crd in yaml.safe_load_all(text):
            if not isinstance(crd, dict) or crd.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for v in crd["spec"]["versions"]:
                schema = (v.get("schema") or {}).get("openAPIV3Schema")
                if not schema or not v.get("served", True):
                    continue
                schema = strict(schema)
                props = schema.setdefault("properties", {})
                props["metadata"] = {"type": "object"}  # the API server's ObjectMeta, not the CRD's to describe
                name = f"{kind.lower()}-{group}-{v['name']}.json.gz"
                data = json.dumps(shared(schema), sort_keys=True, separators=(",", ":")).encode()
                (OUT / name).write_bytes(gzip.compress(data, mtime=0))
                record[name] = {k: src[k] for k in ("repo", "commit", "path", "licence", "version")}
    (OUT / "SOURCES.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    print(f"wrote {len(record)} schemas to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
