"""Plain files: bytes to text, then the loader for each kind discovery named (YAML, JSON, model card, Dockerfile)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

from .. import isolate
from ..discover import MAX_FILES, MAX_LISTED, Discovered, read_inside, read_text_inside, rel, utf8
from ..findings import FileRecord, Finding, Loc, Severity
from .artifacts import (ArtifactProblem, ModelConfig, ModelSpecDoc, is_model_config, is_modelspec, load_dockerfile, load_json,
                        load_model_card, shape_problems, weight_index)
from .k8s import LoadProblem, objects_from_docs
from .yamlsrc import YamlError, YMap, load_all

if TYPE_CHECKING:
    from . import Loaded
    from .budget import Budget


def load(found: Discovered, out: Loaded, budget: Budget | None = None) -> None:
    for shown, reason in found.skipped:
        out.files.append(FileRecord(shown, "other", "skipped", reason))
    if found.unlisted:
        out.findings.append(Finding("not-analysed", Severity.warning, f"files from {found.unlisted} on were not looked at: the walk stopped "
                                    f"after listing {MAX_LISTED:,} files (ten times MODELREADY_MAX_FILES)", Loc("(run)"), ("manifests-render",),
                                    subject="(run)"))
    for n, (path, kind) in enumerate(found.files):
        why = f"past the run's bound of {MAX_FILES:,} files analysed (MODELREADY_MAX_FILES)" if n >= MAX_FILES else None
        if why := why or (budget.cpu_spent() if budget is not None else None):
            _not_analysed(out, found.files[n:], why)
            break
        rec = FileRecord(rel(path, out.root), kind)
        out.files.append(rec)
        text = _read(path, rec, out.root)
        if text is None:
            continue
        try:
            LOADERS[kind](text, path, rec, out)
        except (LoadProblem, ArtifactProblem) as e:
            rec.status, rec.reason = "error", str(e)
            unreadable(out, rec.path, str(e), e.line)
        except Exception as e:  # noqa: BLE001 - one file's failure is that file's finding
            rec.status, rec.reason = "error", f"internal error: {type(e).__name__}"
            isolate.record(out, "loading", e, rec.path)
    _quantize_configs(out)


def _not_analysed(out: Loaded, left: list[tuple[Path, str]], why: str) -> None:
    """The files a run-wide bound cuts: each listed with why, and one finding saying how many."""
    names = [rel(path, out.root) for path, _kind in left]
    out.files += [FileRecord(name, kind, "skipped", f"not analysed: {why}") for name, (_path, kind) in zip(names, left)]
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5:,} more" if len(names) > 5 else "")
    out.findings.append(Finding("not-analysed", Severity.warning, f"{len(names):,} file{'s' if len(names) > 1 else ''} not analysed ({shown}): {why}",
                                Loc("(run)"), ("manifests-render",), subject="(run)"))


def unreadable(out: Loaded, file: str, message: str, line: int) -> None:
    out.findings.append(Finding("input-unreadable", Severity.error, message, Loc(file, line), ("manifests-render",), subject=file))


def _read(path: Path, rec: FileRecord, root: Path) -> str | None:
    try:
        raw = read_inside(path, root)
    except OSError as e:
        rec.status, rec.reason = "skipped", f"cannot be read: {e.strerror}"
        return None
    codec = codec_of(raw)
    if codec is None and b"\0" in raw[:8192]:
        rec.status, rec.reason = "skipped", "binary file"
        return None
    try:
        text = raw.decode(codec) if codec else utf8(raw)
    except UnicodeDecodeError as e:
        rec.status, rec.reason = "skipped", f"not {codec.upper() if codec else 'UTF-8'} text (byte {e.start})"
        return None
    if codec:
        rec.extra["encoding"] = codec.upper()
    return text


# kubectl reads UTF-16 and UTF-32 text that starts with a byte order mark (PowerShell's `>` writes UTF-16):
# such a file is applied, so it is checked. The 4-byte marks first: UTF-32LE's starts with UTF-16LE's.
_BOMS = ((b"\xff\xfe\0\0", "utf-32"), (b"\0\0\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def codec_of(raw: bytes) -> str | None:
    """The codec a byte order mark names (UTF-16, UTF-32), or None (UTF-8 is read with or without its mark)."""
    if raw[:1] not in _BOM_STARTS:  # nearly every file
        return None
    return next((c for bom, c in _BOMS if raw.startswith(bom)), None)


_BOM_STARTS = frozenset(bom[:1] for bom, _ in _BOMS)


def sniff(raw: bytes) -> str:
    """The start of a file as text, decoded as the loader decodes it (a pull request's scope reads it so)."""
    codec = codec_of(raw)
    if codec is not None:
        raw = raw[: len(raw) - len(raw) % 4]  # whole code units
    return raw.decode(codec or "utf-8-sig", errors="replace")


def _yaml(text: str, path: Path, rec: FileRecord, out: Loaded, what: str = "YAML") -> None:
    duplicates: list[tuple[str, int, int, bool]] = []
    try:
        docs = load_all(text, duplicates)
    except YamlError as e:
        raise LoadProblem(f"{what} does not parse: {e}", e.line) from None
    specs = [d for d, _ in docs if is_modelspec(d)]
    if specs:
        rec.kind = "modelspec"
        out.specs += [ModelSpecDoc(rec.path, cast(YMap, d)) for d in specs]  # load_all reads a mapping as a YMap
    objects, _other = objects_from_docs(docs, rec.path)
    objects = [o for o in objects if not is_modelspec(o.body)]
    rec.objects = len(objects)
    out.objects += objects
    if not objects and not specs:
        rec.status, rec.reason = "skipped", "YAML with no Kubernetes objects (a values or config file?)"
    elif objects and rec.kind in ("yaml", "json"):
        rec.kind = "kubernetes"
    if objects or specs:  # what kubectl would apply: a repeated key is rejected or silently loses a value
        out.findings += [duplicate_key(Loc(rec.path, line), key, first, same, rec.path) for key, line, first, same in duplicates]


def duplicate_key(loc: Loc, key: str, first: int, same: bool, subject: str) -> Finding:
    """Two different values: one is lost whatever kubectl does (an error). The same value twice: only the
    kubectl releases that refuse repeated keys fail on it (a warning)."""
    where = f"line {first} and here" if first and first != loc.line else "in the rendered output"
    if same:
        return Finding("duplicate-key", Severity.warning, f"key {key!r} is given twice in one mapping ({where}), with the same value: "
                       "kubectl releases that check refuse the file (`mapping key already defined`)", loc, ("manifests-render",), subject=subject)
    return Finding("duplicate-key", Severity.error, f"key {key!r} is given twice in one mapping ({where}) with different values: "
                   "kubectl rejects the file (`mapping key already defined`) or, in releases that accept it, keeps only the last value",
                   loc, ("manifests-render",), subject=subject)


def _json(text: str, path: Path, rec: FileRecord, out: Loaded) -> None:
    try:
        data = load_json(text)
    except ArtifactProblem as e:
        # a file named as a model's config is one whatever it holds; other JSON is a manifest or a model config by its words
        if path.name != "config.json" and not any(word in text for word in ('"apiVersion"', '"model_type"', '"architectures"')):
            rec.status, rec.reason = "skipped", f"JSON that does not parse ({e}) and is neither a manifest nor a model config (no apiVersion, model_type or architectures)"
            return
        raise
    if is_model_config(data):
        rec.kind = "model-config"
        problems = shape_problems(data, text)  # type: ignore[arg-type]
        out.findings += [Finding("model-config-invalid", Severity.error, message, Loc(rec.path, line), ("gpu-memory-fit",), subject=rec.path)
                         for message, line in problems]
        if not problems:  # never arithmetic on absurd shapes: the deployment is sized as if there were no config
            out.configs.append(ModelConfig(rec.path, data))  # type: ignore[arg-type]
    elif isinstance(data, dict) and isinstance(data.get("apiVersion"), str) and isinstance(data.get("kind"), str):
        # a manifest kubectl applies as JSON; read again as YAML (a superset) for lines. JSON allows no raw tab
        # inside a string, so every tab is indentation, which YAML refuses: spaces instead.
        _yaml(text.replace("\t", " "), path, rec, out, "JSON")
    else:
        rec.status, rec.reason = "skipped", "JSON that is neither a Kubernetes manifest nor a model config.json"


def _model_card(text: str, path: Path, rec: FileRecord, out: Loaded) -> None:
    card = load_model_card(text, rec.path)
    if not card.metadata and path.name.lower() == "readme.md":
        rec.status, rec.reason = "skipped", "README without model card metadata"
    else:
        out.cards.append(card)


def _dockerfile(text: str, path: Path, rec: FileRecord, out: Loaded) -> None:
    out.dockerfiles.append(load_dockerfile(text, rec.path))


LOADERS = {"yaml": _yaml, "json": _json, "model-card": _model_card, "dockerfile": _dockerfile}


def _index(out: Loaded, path: str) -> tuple[int | None, tuple[str, ...]]:
    try:
        return weight_index(load_json(read_inside(out.root / path, out.root).decode("utf-8")))
    except (OSError, UnicodeDecodeError, ArtifactProblem):
        return None, ()


def _quantize_configs(out: Loaded) -> None:
    """quantize_config.json sits beside a GPTQ config.json and completes it, model.safetensors.index.json gives
    the checkpoint's stored bytes: both accounted for as part of it."""
    by_dir = {str(Path(c.file).parent): c for c in out.configs}
    for rec in out.files:
        if rec.path.endswith("model.safetensors.index.json") and rec.status == "skipped":
            parent = by_dir.get(str(Path(rec.path).parent))
            total, names = _index(out, rec.path) if parent is not None else (None, ())
            if parent is not None and total is not None:
                parent.weights_total, parent.tensor_names = total, names
                rec.status, rec.kind, rec.reason = "checked", "model-config", f"stored weights of {parent.file}"
            continue
        if rec.path.endswith("quantize_config.json") and rec.status == "skipped":
            parent = by_dir.get(str(Path(rec.path).parent))
            if parent is not None:
                try:
                    data = load_json(read_text_inside(out.root / rec.path, out.root))
                except (OSError, UnicodeDecodeError, ArtifactProblem):
                    continue  # left as skipped: the config.json stands without it
                parent.quantize_config = data if isinstance(data, dict) else None
                rec.status, rec.kind, rec.reason = "checked", "model-config", f"quantization of {parent.file}"
