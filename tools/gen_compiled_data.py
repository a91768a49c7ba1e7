"""Write src/modelready/data/compiled.marshal: the value of every YAML data file the package ships, keyed by the
sha256 of its text, so a run reads them without parsing YAML (modelready.data.load_yaml). The YAML files stay
the facts; an edited one is parsed until this runs again (`make docs`), and tests/test_data_compiled.py fails
while it is stale.
"""

from __future__ import annotations

import hashlib
import marshal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "modelready"


def sources() -> list[Path]:
    """Every YAML file of the package read through load_yaml: the facts, the catalog, the settings checks' table."""
    return sorted(PACKAGE.rglob("*.yaml"))


def tables() -> dict[str, object]:
    sys.path.insert(0, str(ROOT / "src"))
    from modelready.data import parse_yaml

    texts = [p.read_text(encoding="utf-8") for p in sources()]  # as the package reads them: newlines universal
    return {hashlib.sha256(t.encode("utf-8")).hexdigest(): parse_yaml(t) for t in texts}


def main() -> int:
    (PACKAGE / "data" / "compiled.marshal").write_bytes(marshal.dumps(tables()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
