"""Plain files: bytes to text, then the loader for each kind discovery named (YAML, JSON, model card, Dockerfile)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .. import isolate
from ..discover import Discovered, read_inside, read_text_inside, rel
from ..findings import FileRecord, Finding, Loc, Severity
from .artifacts import ArtifactProblem, ModelConfig, ModelSpecDoc, is_model_config, is_modelspec, load_dockerfile, load_json, load_model_card
from .k8s import LoadProblem, objects_from_docs
from .yamlsrc import YamlError, load_all

if TYPE_CHECKING:
    from . import Loaded


def load(found: Discovered, out: Loaded) -> None:
    for path, reason in found.skipped:
        out.files.append(FileRecord(rel(path, out.root), "other", "skipped", reason))
    for path, kind in found.files:
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


def unreadable(out: Loaded, file: str, message: str, line: int) -> None:
    out.findings.append(Finding("input-unreadable", Severity.error, message, Loc(file, line), ("manifests-render",), subject=file))


def _read(path: Path, rec: FileRecord, root: Path) -> str | None:
    try:
        raw = read_inside(path, root)
    except OSError as e:
        rec.status, rec.reason = "skipped", f"cannot be read: {e.strerror}"
        return None
    if b"\0" in raw[:8192]:
        rec.status, rec.reason = "skipped", "binary file"
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        rec.status, rec.reason = "skipped", f"not UTF-8 text (byte {e.start})"
        return None


def _yaml(text: str, path: Path, rec: FileRecord, out: Loaded) -> None:
    try:
        docs = load_all(text)
    except YamlError as e:
        raise LoadProblem(f"YAML does not parse: {e}", e.line) from None
    specs = [d for d, _ in docs if is_modelspec(d)]
    if specs:
        rec.kind = "modelspec"
        out.specs += [ModelSpecDoc(rec.path, d) for d in specs]
    objects, _other = objects_from_docs(docs, rec.path)
    objects = [o for o in objects if not is_modelspec(o.body)]
    rec.objects = len(objects)
    out.objects += objects
    if not objects and not specs:
        rec.status, rec.reason = "skipped", "YAML with no Kubernetes objects (a values or config file?)"
    elif objects and rec.kind == "yaml":
        rec.kind = "kubernetes"


def _json(text: str, path: Path, rec: FileRecord, out: Loaded) -> None:
    data = load_json(text)
    if is_model_config(data):
        rec.kind = "model-config"
        out.configs.append(ModelConfig(rec.path, data))  # type: ignore[arg-type]
    else:
        rec.status, rec.reason = "skipped", "JSON that is not a model config.json"


def _model_card(text: str, path: Path, rec: FileRecord, out: Loaded) -> None:
    card = load_model_card(text, rec.path)
    if not card.metadata and path.name.lower() == "readme.md":
        rec.status, rec.reason = "skipped", "README without model card metadata"
    else:
        out.cards.append(card)


def _dockerfile(text: str, path: Path, rec: FileRecord, out: Loaded) -> None:
    out.dockerfiles.append(load_dockerfile(text, rec.path))


LOADERS = {"yaml": _yaml, "json": _json, "model-card": _model_card, "dockerfile": _dockerfile}


def _index_total(out: Loaded, path: str) -> int | None:
    try:
        data = load_json(read_bounded(out.root / path).decode("utf-8"))
    except (OSError, UnicodeDecodeError, ArtifactProblem):
        return None
    meta = data.get("metadata") if isinstance(data, dict) else None
    total = meta.get("total_size") if isinstance(meta, dict) else None
    return total if isinstance(total, int) and not isinstance(total, bool) and 0 < total < 2**50 else None


def _quantize_configs(out: Loaded) -> None:
    """quantize_config.json sits beside a GPTQ config.json and completes it, model.safetensors.index.json gives
    the checkpoint's stored bytes: both accounted for as part of it."""
    by_dir = {str(Path(c.file).parent): c for c in out.configs}
    for rec in out.files:
        if rec.path.endswith("model.safetensors.index.json") and rec.status == "skipped":
            parent = by_dir.get(str(Path(rec.path).parent))
            total = _index_total(out, rec.path) if parent is not None else None
            if parent is not None and total is not None:
                parent.weights_total = total
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
