"""01010202 个人变更登记: details (name needs material), 停保/续保, 险种增加, 缴费方式, 待遇账户, 减员 online."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shebao.conftest import make_user
from shebao.core.cases import case_accept, case_approve
from shebao.core.choices import CaseStatus, Channel, Role
from shebao.core.errors import NotFoundError
from shebao.core.identifiers import mask_id
from shebao.core.materials import MaterialFile, SubmittedMaterials
from shebao.core.models import Attachment, AuditEvent, Case
from shebao.core.tests.samples import PDF
from shebao.core.validation import month_add
from shebao.registration.choices import ContributionMethod, EnrolmentStatus
from shebao.registration.models import Enrolment
from shebao.registration.services import person_change
from shebao.registration.services.persons import NAME_CHANGE_PROOF
from shebao.testing import assert_refused, materials_waiver

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010202")]


def this_month():
    return timezone.localdate().replace(day=1)


def _month(offset: int = 0) -> str:
    return f"{month_add(this_month(), offset):%Y-%m}"


SAVED = (Case, AuditEvent, Attachment)  # nothing of these is written by a refused request


@pytest.fixture
def person(make_employer, make_person):
    return make_person(make_employer())


def _status(person) -> dict[str, str]:
    return dict(person.enrolments.exclude(status="ended").values_list("insurance_type_id", "status"))


# --- details --------------------------------------------------------------------------------------------------


def test_name_change_without_material_refused(clerk, person):
    error = assert_refused(
        lambda: person_change(actor=clerk, person=person, changes={"name": "王新名"}),
        field="materials",
        nothing_saved=SAVED,
    )
    assert "证明材料" in error.errors["materials"][0]


def _proof(upload) -> SubmittedMaterials:
    return SubmittedMaterials(files=(MaterialFile(NAME_CHANGE_PROOF, upload),))


def test_name_change_with_a_waiver_but_no_proof_refused(clerk, person):
    """容缺受理 covers the checklist's required materials; a name change still needs its proof."""
    assert_refused(
        lambda: person_change(actor=clerk, person=person, changes={"name": "王新名"}, materials=materials_waiver()),
        field="materials",
        message_contains=NAME_CHANGE_PROOF,
        nothing_saved=SAVED,
    )


def test_name_change_with_material_accepted(clerk, reviewer, person):
    old = person.name
    upload = SimpleUploadedFile("户籍证明.pdf", PDF)
    case = person_change(actor=clerk, person=person, changes={"name": "王新名"}, materials=_proof(upload))
    attachment = case.attachments.get()
    assert (attachment.kind, attachment.original_name) == (NAME_CHANGE_PROOF, "户籍证明.pdf")
    case_approve(actor=reviewer, case=case)
    person.refresh_from_db()
    assert person.name == "王新名" and person.version == 2
    event = AuditEvent.objects.get(action="person.change")
    assert event.before == {"name": old} and event.after["name"] == "王新名"


def test_bad_material_is_refused_with_the_materials_field(clerk, person):
    assert_refused(
        lambda: person_change(
            actor=clerk,
            person=person,
            changes={"name": "王新名"},
            materials=_proof(SimpleUploadedFile("a.exe", PDF)),
        ),
        field="material_1",
        nothing_saved=SAVED,
    )


def test_phone_and_address(clerk, reviewer, person):
    case_approve(
        actor=reviewer,
        case=person_change(actor=clerk, person=person, changes={"phone": "0571-88886666", "address": "新地址"}),
    )
    person.refresh_from_db()
    assert (person.phone, person.address) == ("0571-88886666", "新地址")
    assert_refused(
        lambda: person_change(actor=clerk, person=person, changes={"phone": "999"}), field="phone", nothing_saved=SAVED
    )


def test_nothing_to_change(clerk, person):
    assert_refused(
        lambda: person_change(actor=clerk, person=person, changes={"phone": person.phone}),
        field="non_field_errors",
        nothing_saved=SAVED,
    )


# --- 停保 / 续保 / 增加险种 ---------------------------------------------------------------------------------------


def test_suspend_and_resume(clerk, reviewer, person):
    case_approve(
        actor=reviewer,
        case=person_change(
            actor=clerk, person=person, suspend_insurances=["310"], change_month=_month(1), reason="个人原因停保"
        ),
    )
    assert _status(person) == {"110": "active", "310": "suspended"}
    row = person.enrolments.get(insurance_type_id="310")
    assert row.end_month == this_month() and row.end_reason == "个人原因停保"

    case_approve(
        actor=reviewer,
        case=person_change(actor=clerk, person=person, resume_insurances=["310"], change_month=_month(1)),
    )
    assert _status(person) == {"110": "active", "310": "active"}
    row.refresh_from_db()
    assert row.end_month is None and row.end_reason.startswith("续保")


def test_suspend_needs_a_reason_and_a_month(clerk, person):
    assert_refused(
        lambda: person_change(actor=clerk, person=person, suspend_insurances=["110"], change_month=_month()),
        field="reason",
        nothing_saved=SAVED,
    )
    assert_refused(
        lambda: person_change(actor=clerk, person=person, suspend_insurances=["110"], reason="减员"),
        field="change_month",
        nothing_saved=SAVED,
    )
    assert_refused(
        lambda: person_change(
            actor=clerk, person=person, suspend_insurances=["110"], reason="减员", change_month=_month(-6)
        ),
        field="change_month",
        nothing_saved=SAVED,
    )


def test_change_month_not_before_the_start(clerk, person):
    error = assert_refused(
        lambda: person_change(
            actor=clerk, person=person, suspend_insurances=["110"], reason="减员", change_month=_month(-1)
        ),
        field="change_month",
        nothing_saved=SAVED,
    )
    assert "参保起始月" in error.errors["change_month"][0]


def test_cannot_suspend_what_is_not_active_or_resume_what_is_not_suspended(clerk, person):
    assert_refused(
        lambda: person_change(
            actor=clerk, person=person, suspend_insurances=["210"], reason="x", change_month=_month()
        ),
        field="suspend_insurances",
        nothing_saved=SAVED,
    )
    assert_refused(
        lambda: person_change(actor=clerk, person=person, resume_insurances=["110"], change_month=_month()),
        field="resume_insurances",
        nothing_saved=SAVED,
    )


def test_add_an_insurance_type(clerk, reviewer, person):
    case_approve(
        actor=reviewer, case=person_change(actor=clerk, person=person, add_insurances=["210"], change_month=_month())
    )
    assert _status(person) == {"110": "active", "210": "active", "310": "active"}
    assert person.enrolments.get(insurance_type_id="210").employer == person.employer
    assert_refused(
        lambda: person_change(actor=clerk, person=person, add_insurances=["110"], change_month=_month()),
        field="add_insurances",
        nothing_saved=SAVED,
    )
    assert_refused(
        lambda: person_change(actor=clerk, person=person, add_insurances=["390"], change_month=_month()),
        field="add_insurances",
        nothing_saved=SAVED,
    )


# --- 缴费方式 / 待遇领取账户 -------------------------------------------------------------------------------------


def test_contribution_method(clerk, reviewer, person):
    case_approve(
        actor=reviewer, case=person_change(actor=clerk, person=person, changes={"contribution_method": "bank"})
    )
    person.refresh_from_db()
    assert person.contribution_method == ContributionMethod.BANK
    assert_refused(
        lambda: person_change(actor=clerk, person=person, changes={"contribution_method": "cash"}),
        field="contribution_method",
        nothing_saved=SAVED,
    )


def test_benefit_account(clerk, reviewer, person):
    account = "6217000010001234567"
    case_approve(
        actor=reviewer,
        case=person_change(
            actor=clerk, person=person, changes={"benefit_bank_name": "中国建设银行", "benefit_bank_account": account}
        ),
    )
    person.refresh_from_db()
    assert (person.benefit_bank_name, person.benefit_bank_account) == ("中国建设银行", account)
    event = AuditEvent.objects.get(action="person.change")
    assert event.after["benefit_bank_account"] == mask_id(account)
    assert account not in str(event.after)


def test_benefit_account_errors(clerk, person):
    assert_refused(
        lambda: person_change(actor=clerk, person=person, changes={"benefit_bank_account": "6217000010001234567"}),
        field="benefit_bank_name",
        nothing_saved=SAVED,
    )
    assert_refused(
        lambda: person_change(
            actor=clerk, person=person, changes={"benefit_bank_account": "12-34", "benefit_bank_name": "中国建设银行"}
        ),
        field="benefit_bank_account",
        nothing_saved=SAVED,
    )


# --- 减员 online by the unit --------------------------------------------------------------------------------------


def test_leaving_declared_online_by_the_unit(clerk, reviewer, person):
    unit_user = make_user(Role.EMPLOYER, None, employer=person.employer)
    case = person_change(
        actor=unit_user, person=person, suspend_insurances=["110", "310"], reason="解除劳动关系", change_month=_month(1)
    )
    assert (case.status, case.channel) == (CaseStatus.SUBMITTED, Channel.ONLINE)
    assert case.summary.startswith("减员") and case.applicant_name == person.employer.name
    assert _status(person) == {"110": "active", "310": "active"}
    case_accept(actor=clerk, case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and case.handler == clerk
    case = case_approve(actor=reviewer, case=case)
    assert case.status == CaseStatus.COMPLETED
    assert _status(person) == {"110": EnrolmentStatus.SUSPENDED, "310": EnrolmentStatus.SUSPENDED}
    assert set(Enrolment.objects.filter(person=person).values_list("end_month", flat=True)) == {this_month()}


def test_unit_user_cannot_touch_another_units_employee(person, make_employer):
    other_unit_user = make_user(Role.EMPLOYER, None, employer=make_employer())
    with pytest.raises(NotFoundError):
        person_change(actor=other_unit_user, person=person, changes={"phone": "13700000000"})


def test_insured_person_changes_own_phone_online(clerk, reviewer, person, make_employer, make_person):
    insured = make_user(Role.INSURED, None, person=person)
    case = person_change(actor=insured, person=person, changes={"phone": "13700000000"})
    assert case.channel == Channel.ONLINE and case.status == CaseStatus.SUBMITTED
    case_accept(actor=clerk, case=case)
    case_approve(actor=reviewer, case=case)
    person.refresh_from_db()
    assert person.phone == "13700000000"
    stranger = make_person(make_employer())
    with pytest.raises(NotFoundError):
        person_change(actor=insured, person=stranger, changes={"phone": "13700000000"})


def test_scope_clerk_b(clerk_b, person):
    with pytest.raises(NotFoundError):
        person_change(actor=clerk_b, person=person, changes={"phone": "13700000000"})
