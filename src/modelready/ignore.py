""".gitignore-style exclude patterns, matched in time linear in the pattern times the path.

The patterns come from `.modelready.yaml`, which a pull request can change: a regular expression built
from them (as gitignore libraries and fnmatch build) backtracks, and `*a*a*a*a*b` against a long name took minutes. Here a
`*` only ever resumes from the last star seen (the classic wildcard walk), in a segment and for `**`
across segments, so no pattern costs more than len(pattern) x len(path) steps.

Semantics are git's (gitignore(5)): blank lines and `#` comments ignored, `!` re-includes, the last
matching pattern wins, a trailing `/` matches folders only, a pattern with a `/` before its end is
anchored at the root and one without matches a name at any depth, `**` matches any number of folders,
and nothing under an excluded folder can be re-included.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

# A token of one path segment's pattern: "*", "?", a literal character, or a bracket class.
_Class = tuple[bool, tuple[tuple[str, str], ...]]  # (negated, ranges)
_Token = str | _Class
_STAR, _ANY, _GLOBSTAR = "*", "?", "**"
T = TypeVar("T")
I = TypeVar("I")


@dataclass(frozen=True)
class _Pattern:
    segments: tuple[tuple[_Token, ...] | str, ...]  # a segment's tokens, or "**"
    negated: bool
    folders_only: bool


def _bracket(text: str, i: int) -> tuple[_Class, int] | None:
    """The class starting at text[i] == "[" and the index after it; None when it never closes."""
    j = i + 1
    negated = j < len(text) and text[j] in "!^"
    j += negated
    ranges: list[tuple[str, str]] = []
    first = True
    while j < len(text) and (text[j] != "]" or first):
        first = False
        c = text[j]
        if c == "\\" and j + 1 < len(text):
            j += 1
            c = text[j]
        if j + 2 < len(text) and text[j + 1] == "-" and text[j + 2] != "]":
            ranges.append((c, text[j + 2]))
            j += 3
        else:
            ranges.append((c, c))
            j += 1
    if j >= len(text):
        return None
    return (negated, tuple(ranges)), j + 1


def _tokens(segment: str) -> tuple[_Token, ...]:
    out: list[_Token] = []
    i = 0
    while i < len(segment):
        c = segment[i]
        if c == "*":
            if not out or out[-1] != _STAR:  # runs of stars are one star
                out.append(_STAR)
            i += 1
        elif c == "?":
            out.append(_ANY)
            i += 1
        elif c == "[" and (cls := _bracket(segment, i)) is not None:
            out.append(cls[0])
            i = cls[1]
        else:
            if c == "\\" and i + 1 < len(segment):
                i += 1
            out.append("\\" + segment[i])  # a literal, marked so it is never "*" or "?"
            i += 1
    return tuple(out)


def _one(token: _Token, c: str) -> bool:
    if isinstance(token, tuple):
        negated, ranges = token
        return any(lo <= c <= hi for lo, hi in ranges) != negated
    return token == _ANY or token[1] == c


def _walk(pattern: Sequence[T], items: Sequence[I], star: T, one: Callable[[T, I], bool]) -> bool:
    """Does `pattern` match all of `items`? `star` matches any run of items; every other token one item,
    as `one(token, item)` says. Backtracks only to the last star: O(len(pattern) * len(items))."""
    p = i = 0
    resume_p, resume_i = -1, 0
    while i < len(items):
        if p < len(pattern) and pattern[p] == star:
            resume_p, resume_i = p, i
            p += 1
        elif p < len(pattern) and one(pattern[p], items[i]):
            p += 1
            i += 1
        elif resume_p >= 0:
            resume_i += 1
            p, i = resume_p + 1, resume_i
        else:
            return False
    return all(t == star for t in pattern[p:])


def _segment(tokens: tuple[_Token, ...] | str, name: str) -> bool:
    return isinstance(tokens, tuple) and _walk(tokens, name, _STAR, _one)


def parse(line: str) -> _Pattern | None:
    """One line of patterns; None for a blank line or a comment."""
    text = line.rstrip("\n")
    while text.endswith(" ") and not text.endswith("\\ "):
        text = text[:-1]
    if not text or text.startswith("#"):
        return None
    negated = text.startswith("!")
    if negated or text.startswith(("\\!", "\\#")):
        text = text[1:]
    folders_only = text.endswith("/")
    text = text.rstrip("/")
    if not text:
        return None
    anchored = "/" in text
    parts = text.lstrip("/").split("/")
    if not anchored:
        parts = [_GLOBSTAR, *parts]
    if parts[-1] == _GLOBSTAR:  # `dir/**`: everything inside, not the folder itself
        parts.append("*")
    # an empty segment (`a//b`) has no tokens: it matches no name, so neither does the pattern
    segments = tuple(_GLOBSTAR if p == _GLOBSTAR else _tokens(p) for p in parts)
    return _Pattern(segments, negated, folders_only)


def _matches(pattern: _Pattern, parts: tuple[str, ...], is_folder: bool) -> bool:
    if pattern.folders_only and not is_folder:
        return False
    last = pattern.segments[-1]
    if last != _GLOBSTAR and not _segment(last, parts[-1]):  # the last segment must match the name: most paths end here
        return False
    return _walk(pattern.segments, parts, _GLOBSTAR, _segment)


class Excludes:
    """Compiled exclude patterns. `match_file("a/b/")` asks about a folder, `match_file("a/b.yaml")` a file."""

    def __init__(self, lines: list[str]):
        self.patterns = [p for p in map(parse, lines) if p is not None]
        self._folders: dict[tuple[str, ...], bool] = {}  # a folder's verdict, asked again for each file below it

    def _excluded(self, parts: tuple[str, ...], is_folder: bool) -> bool:
        verdict = False
        for pattern in self.patterns:
            if pattern.negated == verdict and _matches(pattern, parts, is_folder):
                verdict = not pattern.negated
        return verdict

    def match_file(self, path: str) -> bool:
        if not self.patterns:
            return False
        is_folder = path.endswith("/")
        parts = tuple(p for p in path.split("/") if p not in ("", "."))
        # a folder above that is excluded excludes everything below it, whatever a later `!` says
        for n in range(1, len(parts)):
            folder = parts[:n]
            if folder not in self._folders:
                self._folders[folder] = self._excluded(folder, True)
            if self._folders[folder]:
                return True
        return bool(parts) and self._excluded(parts, is_folder)
