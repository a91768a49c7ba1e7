"""`exclude` patterns (src/modelready/ignore.py): git's gitignore(5) semantics, matched without backtracking."""

from __future__ import annotations

import pytest

from modelready.ignore import Excludes


@pytest.mark.parametrize("patterns, path, excluded", [
    (["*.yaml"], "a/b/c.yaml", True),  # no slash: a name at any depth
    (["/c.yaml"], "a/c.yaml", False),  # a leading slash anchors at the root
    (["a/c.yaml"], "x/a/c.yaml", False),  # so does a slash in the middle
    (["vendor/"], "vendor", False),  # a trailing slash: folders only
    (["vendor/"], "vendor/", True),
    (["vendor/"], "x/vendor/chart/values.yaml", True),  # and everything below one
    (["**/testdata/"], "a/b/testdata/x.yaml", True),
    (["docs/**/draft-*"], "docs/draft-1.md", True),  # `/**/` matches zero folders too
    (["docs/**/draft-*"], "docs/a/b/draft-1.md", True),
    (["charts/**"], "charts/x/values.yaml", True),
    (["*.yaml", "!keep.yaml"], "a/keep.yaml", False),  # the last match wins
    (["a/", "!a/keep.yaml"], "a/keep.yaml", True),  # nothing under an excluded folder comes back
    (["values-[0-9].yaml"], "values-7.yaml", True),
    (["values-[!0-9].yaml"], "values-7.yaml", False),
    (["\\#notes", "# a comment", ""], "#notes", True),
    (["?.yaml"], "ab.yaml", False),
    (["a*b*c"], "aXXbYYc", True),
])
def test_gitignore_semantics(patterns, path, excluded):
    assert Excludes(patterns).match_file(path) is excluded


def test_patterns_that_backtrack_in_a_regular_expression_stay_linear():
    # a gitignore library's regex for this took minutes on such a path; the wildcard walk is len(pattern) x len(path) steps
    path = "/".join(["a" * 250] * 16) + "/" + "a" * 250
    assert Excludes(["*a*a*a*a*a*a*a*a*a*a*a*a*b", "**/a*a*a*a*a*a*a*a*a*c/**"]).match_file(path) is False
