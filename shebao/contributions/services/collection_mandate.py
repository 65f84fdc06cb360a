"""020402 托收协议: a unit authorises the agency to collect its contributions from a bank account."""

from __future__ import annotations

from django.db import transaction

from shebao.core import validation as v
from shebao.core.access import require_grant
from shebao.core.audit import audit_write
from shebao.core.choices import Action
from shebao.core.errors import ApplicationError, ConflictError
from shebao.registration.choices import EmployerStatus
from shebao.registration.models import Employer
from shebao.registration.services.common import ensure_employer_scope

from ..models import CollectionMandate
from .collection_alloc import lock_payers

ITEM = "020402"


# --------------------------------------------------------------------------------------------------------------


@transaction.atomic
def mandate_sign(*, actor, employer: Employer, bank_name, bank_account, valid_from) -> CollectionMandate:
    """020402 托收协议登记: the unit authorises collection from its account (replaces an earlier agreement)."""
    require_grant(actor, ITEM, Action.HANDLE)
    ensure_employer_scope(actor, employer)
    errors = v.Errors()
    name = errors.capture(v.required, bank_name, "bank_name", "开户银行", max_length=100)
    account = errors.capture(v.bank_account, bank_account, "bank_account", allow_blank=False)
    day = errors.capture(v.parse_date, valid_from, "valid_from", "协议生效日期")
    errors.raise_if_any()
    if employer.status != EmployerStatus.ACTIVE:
        raise ApplicationError("该单位已注销，不能签订托收协议", field="non_field_errors")
    lock_payers(employer_ids=[employer.pk])
    current = CollectionMandate.objects.filter(employer=employer, ended_on__isnull=True).first()
    if current is not None:
        CollectionMandate.objects.filter(pk=current.pk).update(ended_on=max(day, current.valid_from))
    mandate = CollectionMandate.objects.create(
        employer=employer, bank_name=name, bank_account=account, valid_from=day, created_by=actor
    )
    audit_write(
        actor=actor,
        action="mandate.sign",
        item_code=ITEM,
        object_type="employer",
        object_id=employer.pk,
        before={"mandate": current.pk} if current else None,
        after={"mandate": mandate.pk, "bank_name": name, "bank_account": account, "valid_from": day},
    )
    return mandate


@transaction.atomic
def mandate_end(*, actor, employer: Employer, ended_on) -> CollectionMandate:
    """020402 托收协议终止: the unit pays by itself from `ended_on`."""
    require_grant(actor, ITEM, Action.HANDLE)
    ensure_employer_scope(actor, employer)
    day = v.parse_date(ended_on, "ended_on", "协议终止日期")
    lock_payers(employer_ids=[employer.pk])
    current = CollectionMandate.objects.filter(employer=employer, ended_on__isnull=True).first()
    if current is None:
        raise ConflictError("该单位没有生效的托收协议", field="non_field_errors")
    if day < current.valid_from:
        raise ApplicationError("协议终止日期不能早于生效日期", field="ended_on")
    CollectionMandate.objects.filter(pk=current.pk).update(ended_on=day)
    audit_write(
        actor=actor,
        action="mandate.end",
        item_code=ITEM,
        object_type="employer",
        object_id=employer.pk,
        after={"mandate": current.pk, "ended_on": day},
    )
    current.ended_on = day
    return current
