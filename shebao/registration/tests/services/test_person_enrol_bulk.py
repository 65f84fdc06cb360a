"""01010201 批量增员: the set-based path keeps every guarantee of the single one.

A pending bulk case claims each of its ID numbers (one open-case key per person, enforced by the database), every
enrolled person gets an audit row in the verified chain, and a refusal at submission or approval saves nothing.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from shebao.conftest import person_data
from shebao.core.audit import audit_verify
from shebao.core.cases import case_approve
from shebao.core.errors import ApplicationError, ConflictError
from shebao.core.identifiers import mask_id
from shebao.core.models import AuditEvent, Case, CaseKey
from shebao.core.validation import month_add
from shebao.registration.choices import EnrolmentStatus
from shebao.registration.models import Enrolment, Person
from shebao.registration.services import enrolment, enrolment_apply, person_change, person_enrol, person_enrol_bulk
from shebao.registration.tests.factories import PersonFactory
from shebao.testing import assert_nothing_saved, count_rows

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010201")]


def _this_month():
    return timezone.localdate().replace(day=1)


def test_a_pending_bulk_case_blocks_each_of_its_persons(clerk, reviewer, make_employer):
    employer, other = make_employer(), make_employer()
    rows = [person_data() for _ in range(3)]
    first = person_enrol_bulk(actor=clerk, employer=employer, rows=rows).case
    assert CaseKey.objects.filter(case=first).count() == 3  # one claim per ID number

    with pytest.raises(ApplicationError) as exc:
        person_enrol(actor=clerk, employer=other, data=rows[1])
    assert first.number in exc.value.errors["id_number"][0]

    fresh = person_data()
    second = person_enrol_bulk(actor=clerk, employer=other, rows=[fresh, rows[2]])
    assert second.valid == 1 and [(e.row, e.field) for e in second.errors] == [(3, "id_number")]
    assert first.number in second.errors[0].message

    case_approve(actor=reviewer, case=first)
    assert not CaseKey.objects.filter(case=first).exists()  # released on completion
    assert Person.objects.filter(id_number__in=[r["id_number"] for r in rows]).count() == 3


def test_the_claim_is_enforced_by_the_database_not_only_by_the_check(clerk, make_employer, monkeypatch):
    """A submission that passed the row check (e.g. while the first one was not yet committed) is still refused."""
    employer, other = make_employer(), make_employer()
    rows = [person_data() for _ in range(2)]
    first = person_enrol_bulk(actor=clerk, employer=employer, rows=rows).case
    monkeypatch.setattr(enrolment, "pending_cases", lambda keys, exclude=None: {})  # the check sees nothing
    before = count_rows(Case, CaseKey, AuditEvent)
    with pytest.raises(ConflictError) as exc:
        person_enrol_bulk(actor=clerk, employer=other, rows=[person_data(), rows[0]])
    assert first.number in exc.value.errors["id_number"][0]
    assert_nothing_saved(before)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_bulk_submissions_cannot_both_claim_a_person(clerk, make_employer):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers on the whole database")
    employer, other = make_employer(), make_employer()
    shared = person_data()
    opened, release, outcome = threading.Event(), threading.Event(), {}

    def first_submission() -> None:
        try:
            with transaction.atomic():
                outcome["first"] = person_enrol_bulk(actor=clerk, employer=employer, rows=[person_data(), shared]).case
                opened.set()
                release.wait(timeout=30)  # keep the transaction open while the second submission runs
        except Exception as exc:  # reported to the main thread
            outcome["first_error"] = exc
            opened.set()
        finally:
            connection.close()

    thread = threading.Thread(target=first_submission)
    thread.start()
    assert opened.wait(timeout=30) and "first_error" not in outcome
    # The second one's row check runs before the first commits, so only the database can refuse it.
    threading.Timer(1.0, release.set).start()
    with pytest.raises(ConflictError) as exc:
        person_enrol_bulk(actor=clerk, employer=other, rows=[shared, person_data()])
    thread.join(timeout=30)
    assert outcome["first"].number in exc.value.message
    assert Case.objects.filter(item_id="01010201").count() == 1
    assert set(CaseKey.objects.values_list("case_id", flat=True)) == {outcome["first"].pk}


def test_bulk_approval_writes_persons_enrolments_and_one_audit_row_each(clerk, reviewer, make_employer):
    employer = make_employer()
    rows = [person_data() for _ in range(4)]
    case = case_approve(actor=reviewer, case=person_enrol_bulk(actor=clerk, employer=employer, rows=rows).case)
    assert case.result["created"] == 4 and case.result["enrolments"] == 8
    persons = {p.id_number: p for p in Person.objects.filter(employer=employer)}
    assert set(persons) == {r["id_number"] for r in rows}
    assert all(p.registered_on == timezone.localdate() and p.version == 1 for p in persons.values())
    assert Enrolment.objects.filter(employer=employer, status=EnrolmentStatus.ACTIVE).count() == 8
    events = AuditEvent.objects.filter(action="person.enrol", case=case)
    assert sorted(e.object_id for e in events) == sorted(str(p.pk) for p in persons.values())
    for event in events:
        number = next(n for n, p in persons.items() if str(p.pk) == event.object_id)
        assert event.after["id_number"] == mask_id(number) and number not in str(event.after)
    assert audit_verify().ok


def test_bulk_rehire_ends_each_suspended_enrolment(clerk, reviewer, clerk_b, reviewer_b, make_employer, make_person):
    old_unit = make_employer()
    new_unit = make_employer(actor=clerk_b, approver=reviewer_b)
    leavers = [make_person(old_unit), make_person(old_unit)]
    for person in leavers:
        change = person_change(
            actor=clerk,
            person=person,
            suspend_insurances=["110", "310"],
            reason="解除劳动关系",
            change_month=f"{_this_month():%Y-%m}",
        )
        case_approve(actor=reviewer, case=change)
    versions = {p.pk: Person.objects.get(pk=p.pk).version for p in leavers}
    start = month_add(_this_month(), 1)
    rows = [
        person_data(id_number=p.id_number, name=p.name, start_month=f"{start:%Y-%m}", insurances=["110"])
        for p in leavers
    ] + [person_data(start_month=f"{start:%Y-%m}")]
    case = person_enrol_bulk(actor=clerk_b, employer=new_unit, rows=rows).case
    case = case_approve(actor=reviewer_b, case=case)
    assert (case.result["persons"], case.result["created"], case.result["enrolments"]) == (3, 1, 4)
    for person in leavers:
        person.refresh_from_db()
        assert person.employer == new_unit and person.version == versions[person.pk] + 1
        old = Enrolment.objects.filter(person=person, employer=old_unit)
        old = dict(old.values_list("insurance_type_id", "status"))
        assert old == {"110": EnrolmentStatus.ENDED, "310": EnrolmentStatus.SUSPENDED}  # only the type enrolled again
        ended = Enrolment.objects.get(person=person, employer=old_unit, insurance_type_id="110")
        assert (ended.end_month, ended.end_reason) == (_this_month(), "新单位增员")
    assert Enrolment.objects.filter(employer=new_unit, status=EnrolmentStatus.ACTIVE).count() == 4


def test_a_refused_approval_saves_nothing(clerk, reviewer, make_employer, monkeypatch):
    """A person registered meanwhile by another path: the persons' unique index refuses the whole approval."""
    employer = make_employer()
    rows = [person_data() for _ in range(3)]
    case = person_enrol_bulk(actor=clerk, employer=employer, rows=rows).case
    PersonFactory(employer=make_employer(), id_number=rows[1]["id_number"], enrolments=[])
    monkeypatch.setattr(enrolment_apply, "known_persons", lambda numbers: {})  # as if read before that
    before = count_rows(Person, Enrolment, AuditEvent, CaseKey)
    with pytest.raises(ConflictError):
        case_approve(actor=reviewer, case=case)
    assert_nothing_saved(before)
    case.refresh_from_db()
    assert case.status == "accepted" and CaseKey.objects.filter(case=case).count() == 3
