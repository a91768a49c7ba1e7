"""Patterns matched over what a pull request wrote, in time linear in the text: RE2 (google-re2), the engine of Go's
regexp, which kustomize uses. Python's backtracking `re` took exponential or quadratic time on some patterns and
texts an author can choose (the gate never reported)."""

from __future__ import annotations

from typing import Any

import re2

error = re2.error  # what RE2 raises on a pattern it refuses


def compile(pattern: str) -> Any:  # noqa: A001 - re's name, as re2's own
    """`pattern` compiled by RE2, its errors kept off stderr (RE2 logs them there quoting the pattern, newlines and all:
    a pattern from the repository could write a workflow command). Raises `error` where RE2 refuses it."""
    options = re2.Options()
    options.log_errors = False
    return re2.compile(pattern, options)
