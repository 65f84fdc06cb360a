"""The demo's generic part: the 杭州市 agency tree, one login per staff role, and the apps' `demo` modules it runs."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from .common import declared_options

CITY = ("330100", "杭州市社会保险管理服务中心", "330100")
# key: (agency code, agency name, region code, district name)
DISTRICTS = {
    "sc": ("330102", "上城区社会保险管理服务中心", "330102", "上城区"),
    "gs": ("330105", "拱墅区社会保险管理服务中心", "330105", "拱墅区"),
}
DEMO_PASSWORD = "Shebao@2026"
DISTRICT_ROLES = ("clerk", "reviewer", "agency_admin", "auditor", "finance")
CITY_ROLES = ("agency_admin", "auditor")


@dataclass
class DemoResult:
    """What was created, for the summary printed at the end."""

    logins: list[tuple[str, str, str, str]] = field(default_factory=list)  # username, role, agency, name
    timings: list[tuple[str, float]] = field(default_factory=list)
    counts: dict[str, str] = field(default_factory=dict)  # label -> "12 个" (shown in the summary line)


@dataclass
class DemoContext:
    """What an app's `demo.load(ctx, **options)` gets: seed, date, agencies, staff by "district:role", helpers."""

    seed: int
    password: str
    today: object
    agencies: dict = field(default_factory=dict)  # "city" and the DISTRICTS keys -> Agency
    staff: dict = field(default_factory=dict)  # "sc:clerk" -> User
    result: DemoResult = field(default_factory=DemoResult)
    progress: Callable[[str, float], None] | None = None
    _clock: float = field(default_factory=time.perf_counter)

    def user(self, username: str, role: str, agency=None, display: str = "", *, shown_as: str = "", **extra):
        """A demo login (same password for all), listed in the printed table."""
        from shebao.core.choices import Role
        from shebao.core.models import User

        u = User.objects.create_user(
            username=username,
            password=self.password,
            role=role,
            agency=agency,
            display_name=display or username,
            **extra,
        )
        label = "超级管理员" if extra.get("is_superuser") else Role(role).label
        self.result.logins.append((username, label, shown_as or (agency.name if agency else ""), u.display_name))
        return u

    def lap(self, label: str) -> None:
        """Record (and report) the time spent since the previous lap."""
        now = time.perf_counter()
        self.result.timings.append((label, now - self._clock))
        if self.progress:
            self.progress(label, now - self._clock)
        self._clock = now


def demo_exists() -> bool:
    """True when the demo agencies are already in the database."""
    from shebao.core.models import Agency

    return Agency.objects.filter(code=CITY[0]).exists()


def demo_modules() -> list[ModuleType]:
    """Every installed app's `demo` module that has a `load(ctx, **options)` hook, in INSTALLED_APPS order."""
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.demo"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        if callable(getattr(module, "load", None)):
            found.append(module)
    return found


def _staff_names(seed: int) -> dict[str, str]:
    from faker import Faker

    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    names = {f"city:{role}": fake.name() for role in CITY_ROLES}
    for key in DISTRICTS:
        names |= {f"{key}:{role}": fake.name() for role in DISTRICT_ROLES}
    return names


def load_demo(*, seed: int, password: str = DEMO_PASSWORD, progress=None, options: dict | None = None) -> DemoResult:
    """Agencies and staff logins, then each app's demo data, in one transaction (all or nothing)."""
    from shebao.core.models import Agency

    ctx = DemoContext(seed=seed, password=password, today=timezone.localdate(), progress=progress)
    names = _staff_names(seed)
    with transaction.atomic():
        city = Agency.objects.create(code=CITY[0], name=CITY[1], region_id=CITY[2])
        ctx.agencies["city"] = city
        for key, (code, name, region, _) in DISTRICTS.items():
            ctx.agencies[key] = Agency.objects.create(code=code, name=name, region_id=region, parent=city)
        ctx.user("admin", "agency_admin", city, "系统管理员", is_superuser=True, is_staff=True)
        for key in ("city", *DISTRICTS):
            for role in CITY_ROLES if key == "city" else DISTRICT_ROLES:
                username = f"{key}_{'admin' if role == 'agency_admin' else role}"
                ctx.staff[f"{key}:{role}"] = ctx.user(username, role, ctx.agencies[key], names[f"{key}:{role}"])
        ctx.lap("机构与工作人员")
        for module in demo_modules():
            module.load(ctx, **declared_options(getattr(module, "add_arguments", None), options or {}))
    return ctx.result
