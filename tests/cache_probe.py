"""`python -m tests.cache_probe HADOLINT ASKED ARGS…`: `modelready ARGS…` whose hadolint is HADOLINT and whose
Helm requests are counted: it writes the charts each render asked a worker for to ASKED (tests/test_persistent_cache.py)."""

from __future__ import annotations

import json
import sys

from modelready.app.cli import main
from modelready.load import helm_worker
from modelready.scan import hadolint

if __name__ == "__main__":
    asked: list[str] = []
    real = helm_worker._Pool.render

    def counting(self: helm_worker._Pool, request: dict[str, object]) -> dict[str, object]:
        if "chart" in request:
            asked.append(request["chart"])
        return real(self, request)

    helm_worker._Pool.render = counting
    hadolint.locate = lambda: sys.argv[1]
    try:
        code = main(sys.argv[3:])
    finally:
        with open(sys.argv[2], "w") as f:
            json.dump(asked, f)
    sys.exit(code)
