"""Model cards and Dockerfiles as the checks see them: what the card states, which base images a build pulls."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..findings import Loc
from ..load.artifacts import Dockerfile, ModelCard

# a "License:" field or a "## License" section with words after it, in a card without YAML metadata. A line's own
# indent ([^\S\n]), not \s: that spans lines, and each line of a run of blank lines was tried to the run's end
# (quadratic: a card of a million newlines took hours)
_PROSE_LICENSE = re.compile(r"^[^\S\n]*(?:\*\*|__)?Licen[cs]e(?:\*\*|__)?\s*:?(?:\*\*|__)?\s*\S.{8,}|^#+\s*Licen[cs]e\s*$\n+\s*\S", re.I | re.M)


@dataclass(frozen=True)
class Card:
    file: str
    has_metadata: bool  # a YAML front matter block with something in it
    license: str | None
    license_name: str | None
    license_link: str | None
    metadata_loc: Loc
    license_in_text: bool = False  # a "License:" field or "## License" section in the prose (Meta's MODEL_CARD.md)

    @classmethod
    def of(cls, card: ModelCard) -> Card:
        meta = card.metadata

        def text(key: str) -> str | None:
            return str(meta[key]) if meta.get(key) else None

        return cls(card.file, bool(meta), text("license"), text("license_name"), text("license_link"), Loc(card.file, card.metadata_line),
                   bool(_PROSE_LICENSE.search(card.body)))


@dataclass(frozen=True)
class BaseImage:
    """An image a `FROM` pulls from a registry (not an earlier stage, `scratch` or a build argument)."""

    ref: str  # as written
    tag: str | None
    digest: str | None
    loc: Loc


@dataclass(frozen=True)
class Build:
    file: str
    bases: tuple[BaseImage, ...]
    runs: tuple[tuple[str, Loc], ...] = ()  # each RUN's command (continuations folded), where it starts

    @classmethod
    def of(cls, dockerfile: Dockerfile) -> Build:
        stages: set[str] = set()
        bases = []
        for ins in dockerfile.all("FROM"):
            words = [w for w in ins.value.split() if not w.startswith("--")]
            if not words:
                continue
            image = words[0]
            if len(words) >= 3 and words[1].lower() == "as":
                stages.add(words[2].lower())
            if image.lower() in stages or image == "scratch" or "$" in image:
                continue
            name, _, digest = image.partition("@")
            tag = name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else None
            bases.append(BaseImage(image, tag, digest or None, Loc(dockerfile.file, ins.line)))
        return cls(dockerfile.file, tuple(bases), tuple((i.value, Loc(dockerfile.file, i.line)) for i in dockerfile.all("RUN")))
