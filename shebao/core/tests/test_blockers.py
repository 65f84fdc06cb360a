"""core.blockers: apps refuse another app's action without importing it."""

from shebao.core import blockers


def test_checks_of_an_action_are_asked_in_order_and_registered_once(monkeypatch):
    monkeypatch.setattr(blockers, "BLOCKERS", {})

    def owes(subject):
        return [f"{subject} 欠费"] if subject == "甲" else []

    blockers.register_blocker("employer.deregister", owes)
    blockers.register_blocker("employer.deregister", owes)
    blockers.register_blocker("employer.deregister", lambda s: ["其他原因"])
    assert blockers.blockers_for("employer.deregister", "甲") == ["甲 欠费", "其他原因"]
    assert blockers.blockers_for("employer.deregister", "乙") == ["其他原因"]
    assert blockers.blockers_for("person.terminate", "甲") == []


def test_contributions_registers_the_arrears_blocker():
    from shebao.contributions.services.arrears_notice import deregistration_blocker

    assert deregistration_blocker in blockers.BLOCKERS["employer.deregister"]
