"""References in a chart's templates that no values set can satisfy, read as Helm evaluates them.

`.Release` is a map in Helm: `.Release.Namspace` renders empty, silently (an error: certain from the files).
A `.Values.<key>` whose top-level key no values file of the chart defines, and which the template never tests
(`default`, `if`, `with`, `hasKey`, `required`, `dig`, `empty`, `and`/`or` on any of its lines), renders empty
the same way (a warning: a parent chart or `--set` may supply it). Template comments are not read.
"""

from __future__ import annotations

import re
from pathlib import Path

from .. import linear
from ..discover import read_text_inside, refuse
from ..findings import Finding, Loc, Severity
from .yamlsrc import YamlError, load_shared

RELEASE_FIELDS = {"Name", "Namespace", "Service", "IsUpgrade", "IsInstall", "Revision"}
_RELEASE = re.compile(r"\.Release\.([A-Za-z_]\w*)")
_VALUES = re.compile(r"(?<![\w$])\.Values\.([A-Za-z_][\w-]*)")
_GUARDED = re.compile(r"\b(default|if|with|hasKey|required|dig|empty|and|or|coalesce|ternary|not)\b")
MAX_TEMPLATE_BYTES = 1 << 20


def undefined(chart_dir: Path, rel_chart: str, sets: list[list[str]], root: Path) -> list[Finding]:
    roots = (root.resolve(),)  # every file read here is one of the repository's (confined: discover.read_inside)
    keys = _keys(chart_dir / "values.yaml", roots)
    for files in sets:
        for f in files:
            keys |= _keys(chart_dir / f, roots)
    out = []
    for path in _templates(chart_dir / "templates", roots):
        if path.is_symlink() or not path.is_file() or path.suffix not in (".yaml", ".yml", ".tpl", ".txt") or path.stat().st_size > MAX_TEMPLATE_BYTES:
            continue
        try:
            text = read_text_inside(path, roots)
        except (OSError, UnicodeDecodeError):
            continue
        out += _template(text, f"{rel_chart}/{path.relative_to(chart_dir).as_posix()}", keys, rel_chart)
    return out


def _templates(folder: Path, roots: tuple[Path, ...]) -> list[Path]:
    """The files under the chart's templates/, none when the folder is a link out of the repository: rglob follows
    that one link, and `templates -> /` listed the whole machine (each file's read was refused, but minutes went)."""
    return sorted(folder.rglob("*")) if refuse(folder, roots[0]) is None and folder.is_dir() else []


def _template(text: str, rel: str, keys: set[str], rel_chart: str) -> list[Finding]:
    lines = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), "\n".join(text.splitlines())).split("\n")  # comments keep their lines
    reading = [(n, line) for n, line in enumerate(lines, 1) if ".Values." in line or ".Release." in line]
    # a key the file tests anywhere (`if .Values.x` above the block that reads it) is optional by design
    known = keys | {k for _, line in reading if _GUARDED.search(line) for k in _VALUES.findall(line)}
    return [f for n, line in reading for f in _line(line, rel, n, known, rel_chart)]


# RE2, linear: Python's re tried each `{{/*` of a template without `*/}}` to the file's end (a 1 MB template took minutes)
_COMMENT = linear.compile(r"(?s)\{\{-?\s*/\*.*?\*/\s*-?\}\}")


def _line(line: str, rel: str, n: int, keys: set[str], rel_chart: str) -> list[Finding]:
    out = []
    loc = Loc(rel, n)
    for name in dict.fromkeys(_RELEASE.findall(line)):
        if name not in RELEASE_FIELDS:
            out.append(Finding("helm-value-undefined", Severity.error, f".Release.{name} is no field of .Release ({', '.join(sorted(RELEASE_FIELDS))}): "
                               "Helm renders it empty, without an error", loc, ("manifests-render",), subject=rel_chart))
    if keys and not _GUARDED.search(line):
        for key in dict.fromkeys(_VALUES.findall(line)):
            if key not in keys:
                out.append(Finding("helm-value-undefined", Severity.warning, f".Values.{key} is defined by no values file of the chart and the template "
                                   "never tests or defaults it: Helm renders it empty unless a parent chart or --set gives it", loc,
                                   ("manifests-render",), subject=rel_chart))
    return out


def _keys(path: Path, roots: tuple[Path, ...]) -> set[str]:
    try:
        data = load_shared(read_text_inside(path, roots))
    except (OSError, UnicodeDecodeError, YamlError):
        return set()
    return {str(k) for k in data} if isinstance(data, dict) else set()
