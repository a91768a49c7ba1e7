"""Regenerate src/modelready/catalog/seed_items.json from ../shared/seeds/.

Each seed item keeps its file, ordinal, text, section, and (checklist 002) phase and owner roles, so the
catalog can cite every item it covers without reading ../shared at run time. Run by hand.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from modelready.catalog.seeds import CHECKBOX, PLAIN  # noqa: E402

SEEDS = ROOT.parent / "shared" / "seeds"
OUT = ROOT / "src" / "modelready" / "catalog" / "seed_items.json"
TITLES = {"000": "Model deployment checklist (ModelSpec)", "001": "GenAI Model Deployment Checklist v0.1",
          "002": "LLM Inference Readiness Checklist (Kubernetes + vLLM)", "004": "Machine Learning Model Deployment Checklist"}


def heading_text(line: str) -> str:
    text = re.sub(r"[*`#]", "", line).strip()
    m = re.search(r"(\d+\.\s.*|Phase \d.*|[A-Z][A-Za-z].*)", text)  # drop mis-encoded emoji before the words
    return m.group(1).strip() if m else text


def main() -> int:
    items = []
    for path in sorted(SEEDS.glob("00[0124]_*.txt")):
        key = path.name[:3]
        checkbox = key != "004"
        section, phase, owners, n = TITLES[key], None, [], 0
        for line in path.read_text(encoding="utf-8").splitlines():
            if key == "002" and line.startswith("# Phase"):
                phase = heading_text(line).split(":")[0]
            elif re.match(r"^#{2,3} ", line) and "Table of Contents" not in line and "Goal" not in line:
                section = heading_text(line)
            elif line.startswith("**Owner"):
                owners = [o.strip() for o in re.split(r"\+|/|,", line.split(":", 1)[1].strip(" *")) if o.strip()]
            m = (CHECKBOX if checkbox else PLAIN).match(line)
            if m:
                n += 1
                items.append({"ref": f"{key}:{n:02d}", "file": path.name, "text": m.group(1), "section": section,
                              **({"phase": phase, "owners": owners} if key == "002" else {})})
    OUT.write_text(json.dumps({"checklists": TITLES, "items": items}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(items)} seed items")
    return 0


if __name__ == "__main__":
    sys.exit(main())
