"""The floor of a `modelready check` run: the work no checker of these files can skip, done in one process.

Every chart rendered by Helm in-process (helm-python-sdk, each chart loaded once) with every values set
modelready renders (the same discovery: load/values_sets.py, local dependencies assembled by
load/chart_deps.py), plus every YAML and JSON file parsed by libyaml / json. No bounds, no workers, no
checks, no report. bench/corpus_speed.py times it beside modelready: modelready's time over this one is
what the checking, the bounds and the report cost.

`python bench/floor.py PATH` prints what it did on stderr.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import yaml

from modelready.discover import discover
from modelready.load import chart_deps, values_sets

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _values(chart_dir: Path, values_set: list[str]) -> dict:
    from modelready.load.helm import merge_values

    out: dict = {}
    for name in values_set:
        path = Path(name) if Path(name).is_absolute() else chart_dir / name
        try:
            loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if isinstance(loaded, dict):
            merge_values(out, loaded)
    return out


def render_all(root: Path) -> tuple[int, int, int]:
    """(charts, values sets rendered, values sets Helm refused)."""
    import helm_python

    found = discover([root], root, [])
    candidates = [p for p, kind in found.files if kind == "yaml"]
    rendered = refused = 0
    for chart_dir in found.charts:
        sets, _left_out = values_sets.discover(chart_dir, candidates, found.chart_files.get(chart_dir))
        assembled = chart_deps.assemble(chart_dir, root, sets)
        chart = None
        try:
            for values_set in sets:
                # a chart with subcharts is loaded afresh per values set, as the Helm worker does (conditions)
                if chart is None or (assembled.chart_dir / "charts").is_dir():
                    chart = helm_python.Chart.load(str(assembled.chart_dir))
                try:
                    chart.render(_values(chart_dir, values_set) or None, name="release", namespace="default", is_install=True)
                    rendered += 1
                except helm_python.HelmError:
                    refused += 1
        except helm_python.HelmError:
            refused += len(sets)
        finally:
            assembled.cleanup()
    return len(found.charts), rendered, refused


def parse_all(root: Path) -> int:
    parsed = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            try:
                if name.endswith((".yaml", ".yml")):
                    list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=LOADER))
                elif name.endswith(".json"):
                    json.loads(path.read_text(encoding="utf-8"))
                else:
                    continue
            except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError):
                pass
            parsed += 1
    return parsed


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    charts, rendered, refused = render_all(root)
    parsed = parse_all(root)
    print(f"floor: {charts} charts, {rendered + refused} values sets ({refused} refused by Helm), {parsed} files parsed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
