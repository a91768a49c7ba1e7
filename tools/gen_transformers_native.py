"""Regenerate src/modelready/data/transformers_native.json: the model types transformers supports
natively (no `trust_remote_code`), read by AST from a released transformers wheel or sdist.

    pip download --no-deps --only-binary :all: transformers -d /tmp/tf
    python tools/gen_transformers_native.py /tmp/tf/transformers-*.whl

Read: CONFIG_MAPPING_NAMES in transformers/models/auto/auto_mappings.py (5.x) or configuration_auto.py
(4.x), and the keys configuration_auto.py adds to it. The source file and the date are recorded.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "modelready" / "data" / "transformers_native.json"
MODULES = ("transformers/models/auto/auto_mappings.py", "transformers/models/auto/configuration_auto.py")


def model_types(texts: dict[str, str]) -> set[str]:
    out: set[str] = set()
    for path in MODULES:
        for node in ast.walk(ast.parse(texts.get(path, ""))):
            call = node.value if isinstance(node, (ast.Assign, ast.Expr)) else None
            target = node.targets[0] if isinstance(node, ast.Assign) else None
            if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "OrderedDict" and getattr(target, "id", "") == "CONFIG_MAPPING_NAMES":
                out |= {e.elts[0].value for arg in call.args if isinstance(arg, ast.List) for e in arg.elts
                        if isinstance(e, ast.Tuple) and isinstance(e.elts[0], ast.Constant)}
            if isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "update" and getattr(call.func.value, "id", "") == "CONFIG_MAPPING_NAMES":
                out |= {k.value for arg in call.args if isinstance(arg, ast.Dict) for k in arg.keys if isinstance(k, ast.Constant)}
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    package = Path(argv[0])
    with zipfile.ZipFile(package) as z:
        texts = {m: z.read(m).decode("utf-8", "replace") for m in MODULES if m in z.namelist()}
    found = model_types(texts)
    version = re.search(r"transformers-([\d.]+)", package.name)
    if not found or not version:
        print(f"no model types found in {package.name}")
        return 1
    OUT.write_text(json.dumps({"source": f"{package.name}, read {dt.date.today().isoformat()} by tools/gen_transformers_native.py",
                               "version": version.group(1).rstrip("."), "model_types": sorted(found)}, indent=1) + "\n")
    print(f"transformers {version.group(1)}: {len(found)} native model types")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
