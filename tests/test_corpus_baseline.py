"""The reviewed corpus baseline: every error-level finding on ../shared/corpus has been read against its
file and marked true in tests/corpus/errors.yaml. A new error (a regression or a false alarm) fails here
until someone reads it; so does a listed error that no longer appears (the list stays exact)."""

from __future__ import annotations

from pathlib import Path

import yaml

BASELINE = Path(__file__).parent / "corpus"


def _key(check: str, file: str, line: int, subject: str) -> tuple:
    return check, file, line, subject


def test_every_error_on_the_corpus_is_reviewed_and_true(corpus_result):
    result = corpus_result
    reviewed = yaml.safe_load((BASELINE / "errors.yaml").read_text(encoding="utf-8"))["errors"]
    assert all(r["verdict"] is True and r["reason"].strip() for r in reviewed), "the baseline holds only true errors, each with its reason"
    listed = {_key(r["check"], r["file"], r["line"], r["subject"]) for r in reviewed}
    found = {_key(f.check, f.loc.file, f.loc.line, f.subject) for f in result.findings if f.severity.name == "error" and not f.suppressed}
    unreviewed = sorted(found - listed)
    assert not unreviewed, "errors nobody has reviewed (read the file; add them to tests/corpus/errors.yaml or fix the check):\n" + \
        "\n".join(f"  {c} {f}:{ln} [{s}]" for c, f, ln, s in unreviewed)
    gone = sorted(listed - found)
    assert not gone, "reviewed errors that no longer appear (remove them from tests/corpus/errors.yaml):\n" + \
        "\n".join(f"  {c} {f}:{ln} [{s}]" for c, f, ln, s in gone)


def test_the_warning_sample_is_reviewed():
    sample = yaml.safe_load((BASELINE / "warnings-sample.yaml").read_text(encoding="utf-8"))["warnings"]
    assert len(sample) >= 60
    assert all(w["verdict"] in ("true", "debatable", "false") and w["reason"].strip() for w in sample)
