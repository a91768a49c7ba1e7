"""Kubernetes objects from YAML text: any apiVersion/kind, CRDs included, each able to say where a field is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from ..findings import Loc
from . import openshift
from .yamlsrc import YamlError, YMap, line_of, load_all_shared


@dataclass(slots=True)
class K8sObject:
    api_version: str
    kind: str
    name: str
    namespace: str
    body: YMap
    file: str
    origin: str = ""  # "" for a plain file; "chart@values-set" for a rendered chart
    # Maps a line of the text the body was parsed from to a Loc in the repository (Helm: template lines).
    locator: Callable[[int], Loc] | None = None
    hook: str = ""
    problems: list[Any] = field(default_factory=list)  # (message, Loc): fields of the wrong type, found by normalize
    # why the object may not be whole ("" when it is): a kustomize patch, or a resource kustomize transforms before
    # applying (a selector from `labels`, an image from `images`); its missing required fields are not said
    partial: str = ""

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}"

    @property
    def subject(self) -> str:
        """Its id in every output: the id of the deployment it becomes (normalize.model.Deployment.id)."""
        return subject_id(self.ref, self.origin or self.file)

    def loc(self, *path: object, at: object = None) -> Loc:
        """Where `path` (keys and list indexes under `at`, or under the body) is."""
        line = line_of(self.body if at is None else at, *path)
        return self.locator(line) if self.locator else Loc(self.file, line)

    @property
    def annotations(self) -> dict[str, Any]:
        meta = self.body.get("metadata")
        ann = meta.get("annotations") if isinstance(meta, dict) else None
        return ann if isinstance(ann, dict) else {}

    @property
    def labels(self) -> dict[str, Any]:
        meta = self.body.get("metadata")
        lab = meta.get("labels") if isinstance(meta, dict) else None
        return lab if isinstance(lab, dict) else {}


class LoadProblem(Exception):
    def __init__(self, message: str, line: int = 0):
        super().__init__(message)
        self.line = line


def subject_id(ref: str, origin: str) -> str:
    """kind/namespace/name@origin (origin: the file, or chart@values-set): the one way an id is made."""
    return f"{ref}@{origin}"


def parse_objects(text: str, file: str, origin: str = "", locator: Callable[[int], Loc] | None = None,
                  duplicates: list[tuple[str, int, int, bool]] | None = None) -> tuple[list[K8sObject], int]:
    """Objects in a YAML stream, and the count of documents that were not Kubernetes objects.
    `duplicates` collects the keys a mapping repeats (yamlsrc.load_all). Raises LoadProblem for YAML that does not parse.
    The documents of a text are parsed once for the process (a chart's renders repeat most templates' texts): shared."""
    try:
        docs, repeated = load_all_shared(text)
    except YamlError as e:
        raise LoadProblem(f"YAML does not parse: {e}", e.line) from None
    if duplicates is not None:
        duplicates += repeated
    return objects_from_docs(docs, file, origin, locator)


def objects_from_docs(docs: list[Any], file: str, origin: str = "", locator: Callable[[int], Loc] | None = None) -> tuple[list[K8sObject], int]:
    """The Kubernetes objects among already-parsed documents (see parse_objects)."""
    objects, other = [], 0
    for doc, _line in docs:
        for item in _flatten(doc):
            if not (isinstance(item, YMap) and isinstance(item.get("kind"), str) and isinstance(item.get("apiVersion"), str)):
                if item is not None:
                    other += 1
                continue
            meta = m if isinstance(m := item.get("metadata"), dict) else {}
            ann = a if isinstance(a := meta.get("annotations"), dict) else {}
            objects.append(
                K8sObject(
                    api_version=item["apiVersion"],
                    kind=item["kind"],
                    name=str(meta.get("name") or meta.get("generateName") or "(unnamed)"),
                    namespace=str(meta.get("namespace") or "default"),
                    body=item,
                    file=file,
                    origin=origin,
                    locator=locator,
                    hook=str(ann.get("helm.sh/hook", "")),
                )
            )
    return objects, other


def _flatten(doc: object) -> Iterator[Any]:
    """A `kind: List` holds its objects under items; anything else is itself."""
    if isinstance(doc, YMap) and doc.get("kind") == "List" and isinstance(doc.get("items"), list):
        yield from doc["items"]
    elif openshift.is_template(doc):  # analysed as `oc process` would create them, with parameter defaults
        yield from openshift.unwrap(doc)
    else:
        yield doc
