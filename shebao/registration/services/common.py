"""Helpers shared by the registration services."""

from __future__ import annotations

from django.forms.models import model_to_dict

from shebao.core.access import is_staff
from shebao.core.choices import Channel, Role
from shebao.core.errors import ApplicationError, NotFoundError
from shebao.core.models import Agency

from ..models import InsuranceType


def snapshot(obj, fields: list[str] | None = None) -> dict:
    """A JSON-able picture of a model row for the audit before/after."""
    data = model_to_dict(obj, fields=fields)
    return {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items()}


def channel_for(actor, requested: str | None = None) -> str:
    """Staff work at the window (or batch); employers and persons apply online."""
    if is_staff(actor):
        return requested if requested in (Channel.WINDOW, Channel.BATCH) else Channel.WINDOW
    return Channel.ONLINE


def ensure_agency_in_scope(actor, agency: Agency) -> None:
    if is_staff(actor) and not agency.is_within(actor.agency):
        raise NotFoundError("经办机构不存在")


def ensure_employer_scope(actor, employer) -> None:
    """The employer lies in the actor's scope (404 otherwise)."""
    if is_staff(actor):
        if not employer.agency.is_within(actor.agency):
            raise NotFoundError("参保单位不存在")
    elif not (actor.role == Role.EMPLOYER and actor.employer_id == employer.pk):
        raise NotFoundError("参保单位不存在")


def ensure_person_scope(actor, person) -> None:
    """The person lies in the actor's scope (404 otherwise)."""
    if is_staff(actor):
        if not person.agency.is_within(actor.agency):
            raise NotFoundError("参保人不存在")
    elif actor.role == Role.EMPLOYER:
        if not actor.employer_id or person.employer_id != actor.employer_id:
            raise NotFoundError("参保人不存在")
    elif not (actor.role == Role.INSURED and actor.person_id == person.pk):
        raise NotFoundError("参保人不存在")


def insurance_types(*, scheme: str | None = None) -> dict[str, str]:
    qs = InsuranceType.objects.all()
    if scheme:
        qs = qs.filter(scheme=scheme)
    return dict(qs.values_list("code", "name"))


def require_active(obj, label: str) -> None:
    if obj.status != "active":  # EmployerStatus.ACTIVE == PersonStatus.ACTIVE == "active"
        raise ApplicationError(f"{label}状态为「{obj.get_status_display()}」，不能办理此业务", field="status")
