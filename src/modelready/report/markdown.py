"""`--format markdown`: the pull request comment's story (report/comment.py, the one Markdown builder) as a
file: the same headline, new errors never dropped, the checklist per section; at GitHub's comment limit
unless a caller gives another budget (the job summary has its own)."""

from __future__ import annotations

from typing import Callable

from .comment import COMMENT_LIMIT as GITHUB_LIMIT, build
from .document import Report


def render(doc: Report, link: Callable[[str, int], str | None] = lambda f, l: None, ticked: dict[str, str] | None = None,
           limit: int = GITHUB_LIMIT) -> str:
    """`ticked`: attested item id -> who attested it and when; those items show as ticked boxes."""
    return build(doc, link, ticked=ticked, limit=limit)
