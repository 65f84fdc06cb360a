"""The registry of business items: what each app declares in its `items.py`, read by the running system.

Every cluster app declares its catalogue items once, in `<app>/items.py`::

    register_item(BusinessItem(
        code="01010201",
        services=(person_enrol, person_enrol_bulk),
        applier=_apply_person_enrol,
        presenter=present_person_enrol,
        payload_types=(PersonEnrolPayload,),
        audit_labels={"person.enrol": "个人参保登记"},
        grants=(Grant(Role.EMPLOYER, Action.HANDLE), Grant(Role.INSURED, Action.HANDLE)),
        materials=(Material("居民身份证"),),
    ))

and, once per app, what is not tied to one item (start pages per role, sidebar and quick links, audit labels of
imports) with `register_app(AppUi(...))`. `CoreConfig.ready()` imports every app's `items` module; a code
registered twice is an `ImproperlyConfigured` error at start-up. Cases, the menu, the dashboard, the audit log,
role grants and `manage.py catalog_coverage` all read this one registry — nothing in `core` names a cluster app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Grant:
    """A default role grant shipped with an item: `role` may do `action` (handle / review / view) on it."""

    role: str
    action: str


@dataclass(frozen=True)
class Material:
    """One document a case of the item needs (申请材料清单); `required=False` means only when applicable."""

    name: str
    required: bool = True
    note: str = ""


@dataclass(frozen=True)
class Link:
    """A link shown in a menu: label, URL name, the roles that see it and the catalogue code whose grant it needs."""

    label: str
    url_name: str
    roles: tuple[str, ...] = ()
    item_code: str = ""
    action: str = "handle"
    active_on: tuple[str, ...] = ()  # other URL names under which the link is highlighted


@dataclass(frozen=True)
class BusinessItem:
    """One GB/T 35617 leaf item as this system carries it out (services, applier, presenter, grants, links)."""

    code: str
    services: tuple[Callable, ...] = ()
    applier: Callable | None = None
    presenter: Callable | None = None
    payload_types: tuple[type, ...] = ()
    audit_labels: dict[str, str] = field(default_factory=dict)
    grants: tuple[Grant, ...] = ()
    materials: tuple[Material, ...] = ()
    receipt: Callable | None = None  # (case) -> (filename, pdf bytes) of the receipt of a completed case
    portal_links: tuple[Link, ...] = ()
    quick_links: tuple[Link, ...] = ()
    # True for an item carried out by immediate, audited services that open no case (e.g. system administration):
    # the case kit (`shebao.testing.ItemTestCase`) does not apply to it.
    immediate: bool = False


@dataclass(frozen=True)
class DashboardPanel:
    """A panel an app adds to the staff dashboard: `template` rendered with what `context(request)` returns
    (None hides the panel for that user)."""

    template: str
    context: Callable


@dataclass(frozen=True)
class AppUi:
    """What an app contributes beyond single items: start pages per role, sidebar links, audit labels."""

    app: str
    home_urls: dict[str, str] = field(default_factory=dict)  # role -> URL name of that role's start page
    nav_links: tuple[Link, ...] = ()  # staff sidebar, above the catalogue menu
    portal_links: tuple[Link, ...] = ()  # employer / insured sidebar
    quick_links: tuple[Link, ...] = ()  # staff dashboard buttons
    audit_labels: dict[str, str] = field(default_factory=dict)
    object_urls: dict[str, str] = field(default_factory=dict)  # case subject kind ("employer") -> URL name
    dashboard_panels: tuple[DashboardPanel, ...] = ()  # extra panels of the staff dashboard


ITEMS: dict[str, BusinessItem] = {}
APPS: dict[str, AppUi] = {}


def register_item(item: BusinessItem) -> BusinessItem:
    """Declare a business item; a code registered twice (or not 4, 6 or 8 digits) stops the system at start-up."""
    if not (len(item.code) in (4, 6, 8) and item.code.isdigit()):
        raise ImproperlyConfigured(f"业务编码 {item.code!r} 无效：应为4、6或8位数字")
    if item.code in ITEMS:
        raise ImproperlyConfigured(f"业务事项 {item.code} 重复登记（{ITEMS[item.code].services} 与 {item.services}）")
    ITEMS[item.code] = item
    for service in item.services:
        codes = tuple(getattr(service, "catalog_codes", ()))
        if item.code not in codes:
            service.catalog_codes = (*codes, item.code)
    return item


def register_app(ui: AppUi) -> AppUi:
    """Declare an app's menus, start pages and audit labels (once per app)."""
    if ui.app in APPS:
        raise ImproperlyConfigured(f"应用 {ui.app} 的界面登记重复")
    APPS[ui.app] = ui
    return ui


def get_item(code: str) -> BusinessItem | None:
    """The registered item for a code, or None."""
    return ITEMS.get(code)


def service_paths() -> dict[str, list[str]]:
    """code → dotted paths of the services registered for it (what `catalog_coverage` reports)."""
    return {code: [f"{s.__module__}.{s.__qualname__}" for s in item.services] for code, item in sorted(ITEMS.items())}


def all_grants() -> list[tuple[str, str, str]]:
    """(role, item code, action) of every item's default grants."""
    return [(g.role, item.code, g.action) for item in ITEMS.values() for g in item.grants]


def audit_labels() -> dict[str, str]:
    """Chinese names of audit actions contributed by the apps and their items."""
    labels: dict[str, str] = {}
    for ui in APPS.values():
        labels.update(ui.audit_labels)
    for item in ITEMS.values():
        labels.update(item.audit_labels)
    return labels


def home_url_name(role: str) -> str | None:
    """URL name of the start page an app declares for `role` (employer portal, 我的社保)."""
    for ui in APPS.values():
        if role in ui.home_urls:
            return ui.home_urls[role]
    return None


def object_url_name(kind: str) -> str | None:
    """URL name of the detail page of a case subject kind ("employer", "person")."""
    for ui in APPS.values():
        if kind in ui.object_urls:
            return ui.object_urls[kind]
    return None


def links(kind: str) -> Iterable[Link]:
    """All links of a kind ("nav_links", "portal_links", "quick_links") from the apps and their items."""
    for ui in APPS.values():
        yield from getattr(ui, kind)
    for item in ITEMS.values():
        yield from getattr(item, kind, ())


def dashboard_panels(request) -> list[dict]:
    """The apps' dashboard panels this user sees: [{"template": …, **context}] in registration order."""
    out = []
    for ui in APPS.values():
        for panel in ui.dashboard_panels:
            context = panel.context(request)
            if context is not None:
                out.append({**context, "template": panel.template})
    return out


def materials_for(code: str) -> tuple[Material, ...]:
    """The materials checklist of an item (empty when none is declared)."""
    item = ITEMS.get(code)
    return item.materials if item else ()
