"""1107 数据安全: the auditor's search of the personal-data access log (scoped to their agency subtree; an ID number
is matched exactly against the persons, never stored in a URL; results show masked numbers only)."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.db.models import Q, QuerySet
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.choices import PersonalField, Role
from shebao.core.errors import PermissionDeniedError
from shebao.core.identifiers import mask_id
from shebao.core.models import Case, PersonalDataAccess
from shebao.registration.models import Employer, Person

AUDIT_ROLES = frozenset((Role.AUDITOR, Role.AGENCY_ADMIN))
OBJECT_TYPES = {"person": "参保人", "case": "业务经办单", "employer": "参保单位", "pd_export": "个人数据导出"}
FILTER_FIELDS = ("actor", "object_type", "object_id", "field", "date_from", "date_to", "id_number")


def require_auditor(actor) -> None:
    """1107: auditors and agency administrators with an agency read the access log; everyone else 403."""
    if getattr(actor, "role", None) not in AUDIT_ROLES or getattr(actor, "agency_id", None) is None:
        raise PermissionDeniedError("敏感信息查看记录仅限稽核员和机构管理员查询")


def access_in_scope(actor) -> QuerySet[PersonalDataAccess]:
    """1107: access rows of viewers in the actor's agency subtree (rows without an agency only for a root agency)."""
    require_auditor(actor)
    scope = Q(agency__path__startswith=actor.agency.path)
    if actor.agency.parent_id is None:
        scope |= Q(agency__isnull=True)
    return PersonalDataAccess.objects.filter(scope).select_related("agency").order_by("-at", "-id")


def clean_access_filters(data) -> dict:
    """1107: the search filters, checked (400 naming each wrong field in Chinese); empty values dropped."""
    errors = v.Errors()
    raw = {name: data.get(name) for name in FILTER_FIELDS if data.get(name) not in (None, "")}
    out: dict = {}
    if "actor" in raw:
        out["actor"] = errors.capture(v.optional, raw["actor"], "actor", "查看人", max_length=150)
    if "object_type" in raw:
        if raw["object_type"] in OBJECT_TYPES:
            out["object_type"] = raw["object_type"]
        else:
            errors.add("object_type", "对象类型无效（person、case、employer、pd_export）")
    if "object_id" in raw:
        text = unicodedata.normalize("NFKC", str(raw["object_id"])).strip()
        if text.isascii() and text.isdigit() and len(text) <= 18:
            out["object_id"] = str(int(text))
        else:
            errors.add("object_id", "对象标识应为数字")
    if "field" in raw:
        if raw["field"] in PersonalField.values:
            out["field"] = raw["field"]
        else:
            errors.add("field", "查看内容无效（id_number 社会保障号码、bank_account 银行账号）")
    for name, label in (("date_from", "起始日期"), ("date_to", "截止日期")):
        if name in raw:
            out[name] = errors.capture(v.parse_date, raw[name], name, label)
    if out.get("date_from") and out.get("date_to") and out["date_from"] > out["date_to"]:
        errors.add("date_to", "截止日期不能早于起始日期")
    if "id_number" in raw:
        number = unicodedata.normalize("NFKC", str(raw["id_number"])).strip().upper()
        if len(number) == 18 and number[:17].isascii() and number[:17].isdigit() and number[17] in "0123456789X":
            out["id_number"] = number
        else:
            errors.add("id_number", "社会保障号码应为18位（最后一位可为X）")
    if "object_id" in out and "object_type" not in out:
        errors.add("object_type", "按对象标识查询时请选择对象类型")
    errors.raise_if_any()
    return {k: val for k, val in out.items() if val not in (None, "")}


def access_search(*, actor, filters: dict) -> QuerySet[PersonalDataAccess]:
    """1107: the access rows of the actor's scope matching `filters` (as cleaned by `clean_access_filters`)."""
    qs = access_in_scope(actor)
    tz = timezone.get_current_timezone()
    if actor_text := filters.get("actor"):
        qs = qs.filter(Q(actor_name__icontains=actor_text) | Q(actor__username=actor_text))
    if filters.get("object_type"):
        qs = qs.filter(object_type=filters["object_type"])
    if filters.get("object_id"):
        qs = qs.filter(object_id=filters["object_id"])
    if filters.get("field"):
        qs = qs.filter(field=filters["field"])
    if start := filters.get("date_from"):
        qs = qs.filter(at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz))
    if end := filters.get("date_to"):
        qs = qs.filter(at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    if number := filters.get("id_number"):
        # exact match on the person's record; the log itself holds only record ids, never the number
        persons = [str(pk) for pk in Person.objects.filter(id_number=number).values_list("pk", flat=True)]
        cases = [str(pk) for pk in Case.objects.filter(person__id_number=number).values_list("pk", flat=True)]
        qs = qs.filter(Q(object_type="person", object_id__in=persons) | Q(object_type="case", object_id__in=cases))
    return qs


def describe_objects(rows) -> None:
    """1107: set `object_label` on each row: the type and the record, its ID number masked (a few queries per page)."""
    rows = list(rows)
    ids: dict[str, set[int]] = {}
    for r in rows:
        if r.object_id.isdigit():
            ids.setdefault(r.object_type, set()).add(int(r.object_id))
    persons = Person.objects.only("id_number", "name").in_bulk(ids.get("person", set()))
    cases = Case.objects.only("number").in_bulk(ids.get("case", set()))
    employers = Employer.objects.only("name").in_bulk(ids.get("employer", set()))
    for r in rows:
        key = int(r.object_id) if r.object_id.isdigit() else None
        kind = OBJECT_TYPES.get(r.object_type, r.object_type)
        if r.object_type == "person" and key in persons:
            p = persons[key]
            detail = f"{p.name} {mask_id(p.id_number)}"
        elif r.object_type == "case" and key in cases:
            detail = cases[key].number
        elif r.object_type == "employer" and key in employers:
            detail = employers[key].name
        else:
            detail = f"#{r.object_id}"
        r.object_label = f"{kind} {detail}"
    return rows


def access_row_values(row) -> list[str]:
    """1107: one access row as the export writes it (text only, masked)."""
    return [
        timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S"),
        row.actor_name,
        row.agency.name if row.agency_id else "",
        OBJECT_TYPES.get(row.object_type, row.object_type),
        getattr(row, "object_label", f"#{row.object_id}"),
        row.get_field_display(),
        row.where,
    ]


def masked_filters(filters: dict) -> dict:
    """1107: the filters as they may be shown or audited (the ID number masked)."""
    return {k: (mask_id(val) if k == "id_number" else val) for k, val in filters.items()}
