"""factory_boy factories of the platform spine: agencies on real GB/T 2260 regions, users per role, cases.

The regions are those `migrate` loads (`shebao/data/regions-gbt2260.csv`), so agencies and ID numbers built on
them are what a real deployment would hold. Cluster apps add their own factories in `<app>/tests/factories.py`.
"""

from __future__ import annotations

import csv
import datetime as dt
from functools import cache

import factory
from django.conf import settings
from django.utils import timezone
from factory.django import DjangoModelFactory, Password
from stdnum.cn import ric

from shebao.core.choices import CaseStatus, Channel, Role
from shebao.core.models import Agency, Case, CatalogItem, Region, User
from shebao.core.synthetic import citizen_id

PASSWORD = "Shebao@2026!"


@cache
def county_codes(province: str = "33") -> tuple[str, ...]:
    """Real county-level codes (GB/T 2260) of a province, in code order (Zhejiang by default)."""
    path = settings.PACKAGE_DIR / "data" / "regions-gbt2260.csv"
    with open(path, encoding="utf-8") as fh:
        return tuple(
            row["code"] for row in csv.DictReader(fh) if row["level"] == "county" and row["code"].startswith(province)
        )


@cache
def _codes_born_in(year: int) -> tuple[str, ...]:
    """County codes that existed in `year` (python-stdnum's dated GB/T 2260 list): an ID is issued where one is born."""
    codes = tuple(c for c in county_codes() if _stdnum_valid(citizen_id(c, dt.date(year, 6, 1), 1)))
    return codes or county_codes()


def _stdnum_valid(number: str) -> bool:
    try:
        return ric.is_valid(number)
    except KeyError:  # python-stdnum 2.2 trips over prefecture-only entries of its own list
        return False


def valid_id_number(n: int) -> str:
    """A valid 18-digit ID number, distinct for each n < 7,000,000: born 1970–1989 in a county that existed then."""
    birth = dt.date(1970, 1, 1) + dt.timedelta(days=n % 7000)
    codes = _codes_born_in(birth.year)
    return citizen_id(codes[n % len(codes)], birth, (n // 7000) % 1000)


def this_month() -> dt.date:
    """The first day of the current month (start months of enrolments)."""
    return timezone.localdate().replace(day=1)


class AgencyFactory(DjangoModelFactory):
    """An agency on a real county of Zhejiang (code = region code); pass `parent=` to place it in a tree."""

    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: county_codes()[n % len(county_codes())])
    region = factory.LazyAttribute(lambda o: Region.objects.get(code=o.code[:6]))
    name = factory.LazyAttribute(lambda o: f"{o.region.name}社会保险管理服务中心")
    parent = None


class UserFactory(DjangoModelFactory):
    """A login of any role (password `PASSWORD`); staff roles get an agency."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user-{n}")
    role = Role.CLERK
    agency = factory.SubFactory(AgencyFactory)
    display_name = factory.LazyAttribute(lambda o: o.username)
    password = Password(PASSWORD)


class ClerkFactory(UserFactory):
    """经办员."""

    role = Role.CLERK
    username = factory.Sequence(lambda n: f"clerk-{n}")


class ReviewerFactory(UserFactory):
    """复核员."""

    role = Role.REVIEWER
    username = factory.Sequence(lambda n: f"reviewer-{n}")


class AgencyAdminFactory(UserFactory):
    """机构管理员 (may handle and review, never the same case)."""

    role = Role.AGENCY_ADMIN
    username = factory.Sequence(lambda n: f"admin-{n}")


class AuditorFactory(UserFactory):
    """稽核员 (read-only)."""

    role = Role.AUDITOR
    username = factory.Sequence(lambda n: f"auditor-{n}")


class FinanceFactory(UserFactory):
    """财务人员 (read-only in registration)."""

    role = Role.FINANCE
    username = factory.Sequence(lambda n: f"finance-{n}")


class CaseFactory(DjangoModelFactory):
    """A case row as a window clerk leaves it after 受理 (no payload applier runs: for list and count tests).

    Items, keys and appliers are exercised through the real services; this factory only fills tables fast.
    """

    class Meta:
        model = Case

    class Params:
        item_code = "01010101"

    number = factory.Sequence(lambda n: f"T{timezone.localdate():%Y%m%d}{n:08d}")
    item = factory.LazyAttribute(lambda o: CatalogItem.objects.get(code=o.item_code))
    agency = factory.SubFactory(AgencyFactory)
    channel = Channel.WINDOW
    status = CaseStatus.ACCEPTED
    applicant_name = factory.Sequence(lambda n: f"申请人{n}")
    summary = factory.LazyAttribute(lambda o: f"{o.item.name}：{o.applicant_name}")
    submitted_by = factory.SubFactory(ClerkFactory, agency=factory.SelfAttribute("..agency"))
    handler = factory.SelfAttribute("submitted_by")
    submitted_at = factory.LazyFunction(timezone.now)
    accepted_at = factory.LazyFunction(timezone.now)
