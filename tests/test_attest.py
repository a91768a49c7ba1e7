"""Attestation reconciliation as a pure function over comment bodies."""

from modelready.publish.attest import attested, reconcile

OLD = ("- [ ] Rollback was tested end to end <!-- modelready:attest:rollback-tested --> <sub>a person with write access confirms it</sub>\n"
       "- [x] Restart behaviour was validated <!-- modelready:attest:restart-behavior --> <sub>attested by @ana on 2026-11-20T10:00:00Z</sub>\n")


def test_writer_ticks_and_unticks():
    new = OLD.replace("- [ ] Rollback", "- [x] Rollback").replace("- [x] Restart", "- [ ] Restart")
    body, accepted, reverted = reconcile(OLD, new, "bo", "maintain", "2026-11-23T11:00:00Z")
    assert (accepted, reverted) == (["rollback-tested", "restart-behavior"], [])
    assert attested(body) == {"rollback-tested": "attested by @bo on 2026-11-23T11:00:00Z"}


def test_reader_changes_are_reverted_both_ways():
    new = OLD.replace("- [ ] Rollback", "- [x] Rollback").replace("- [x] Restart", "- [ ] Restart")
    body, accepted, reverted = reconcile(OLD, new, "eve", "read", "2026-11-23T11:00:00Z")
    assert (accepted, reverted) == ([], ["rollback-tested", "restart-behavior"])
    assert attested(body) == {"restart-behavior": "attested by @ana on 2026-11-20T10:00:00Z"}
    assert "tick by @eve reverted" in body


def test_other_text_edits_change_no_box():
    body, accepted, reverted = reconcile(OLD, OLD + "\nthanks!\n", "eve", "read", "2026-11-23T11:00:00Z")
    assert (body, accepted, reverted) == (OLD + "\nthanks!\n", [], [])
