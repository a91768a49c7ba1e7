"""Parse the seed checklists' text: `- [ ]` items (000, 001, 002) and `- ` items (004).

Used by tools/gen_catalog_seeds.py to refresh the shipped seed texts, and by the tests, which parse the
seed files themselves and prove each item maps to a catalog item.
"""

from __future__ import annotations

import re

CHECKBOX = re.compile(r"^\s*- \[ \] (.*?)\s*$")
PLAIN = re.compile(r"^- (.*?)\s*$")


def parse_seed(text: str, checkbox: bool) -> list[str]:
    pattern = CHECKBOX if checkbox else PLAIN
    out = []
    for line in text.splitlines():
        m = pattern.match(line)
        if m:
            out.append(m.group(1))
    return out
