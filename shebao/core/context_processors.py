"""Template context: who is logged in (role, agency) and the business catalogue menu by cluster.

An item of the catalogue is a link when a UI view declares its code (`catalog_codes`, the same registration
`manage.py catalog_coverage` reads); the link goes to that view's URL when it takes no arguments, else to the
page the view names in `menu_start` (e.g. the employer search, where the clerk picks the unit first). Every
other item is shown greyed out as 未开通.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

from . import items
from .access import has_grant, is_staff
from .choices import Action, Role


@dataclass
class MenuItem:
    code: str
    name: str
    url: str | None = None
    active: bool = False
    denied: bool = False  # implemented, but the user's role may not handle it (shown greyed, no link)


@dataclass
class MenuGroup:
    code: str
    name: str
    items: list[MenuItem] = field(default_factory=list)


@dataclass
class MenuCluster:
    code: str
    name: str
    groups: list[MenuGroup] = field(default_factory=list)
    implemented: int = 0
    total: int = 0
    open: bool = False


def _callback_codes(callback) -> tuple[str, ...]:
    for obj in (callback, getattr(callback, "view_class", None), getattr(callback, "cls", None)):
        codes = getattr(obj, "catalog_codes", None) if obj is not None else None
        if codes:
            return (codes,) if isinstance(codes, str) else tuple(codes)
    return ()


@functools.cache
def ui_links() -> dict[str, str]:
    """Catalogue code → URL of the UI page where the item is started (computed once from the URLconf)."""
    from .management.commands.catalog_coverage import iter_urls

    links: dict[str, str] = {}
    fallbacks: dict[str, str] = {}
    for path, name, callback in iter_urls():
        if path.startswith("api/") or not name:
            continue
        for code in _callback_codes(callback):
            if "<" not in path and code not in links:
                links[code] = "/" + path
            start = getattr(callback, "menu_start", None)
            if start and code not in fallbacks:
                with contextlib.suppress(NoReverseMatch):
                    fallbacks[code] = reverse(start) + f"?item={code}"
    return {**fallbacks, **links}


_TREE: list[tuple[str, str, str | None, bool]] | None = None


def _catalog_rows() -> list[tuple[str, str, str | None, bool]]:
    """(code, name, parent, is_leaf) of the whole catalogue, read once per process (it is reference data)."""
    global _TREE
    if not _TREE:
        from .models import CatalogItem

        _TREE = list(CatalogItem.objects.order_by("code").values_list("code", "name", "parent_id", "is_leaf"))
    return _TREE


def build_menu(active_codes: tuple[str, ...] = ()) -> list[MenuCluster]:
    """The 12 clusters with their groups and leaf items; implemented items carry their URL."""
    links = ui_links()
    rows = _catalog_rows()
    names = {code: name for code, name, _, _ in rows}
    clusters: dict[str, MenuCluster] = {}
    groups: dict[str, MenuGroup] = {}
    for code, name, parent, leaf in rows:
        if len(code) == 2:
            clusters[code] = MenuCluster(code, name)
        elif len(code) == 4:
            group = MenuGroup(code, name)
            groups[code] = group
            if code[:2] in clusters:
                clusters[code[:2]].groups.append(group)
        if not leaf:
            continue
        group = groups.get(code[:4])
        if group is None:
            continue
        label = name if len(code) <= 6 else f"{names.get(parent, '')}·{name}"
        item = MenuItem(code, label, links.get(code), code in active_codes)
        group.items.append(item)
        cluster = clusters[code[:2]]
        cluster.total += 1
        if item.url:
            cluster.implemented += 1
        if item.active:
            cluster.open = True
    return list(clusters.values())


def navigation(request) -> dict:
    """`nav`: the user's role and agency, the portal kind, and (for agency staff) the catalogue menu."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {"kind": "anonymous"}}
    match = getattr(request, "resolver_match", None)
    active = _callback_codes(match.func) if match else ()
    if is_staff(user):
        kind = "staff"
    elif user.role == Role.EMPLOYER:
        kind = "employer"
    elif user.role == Role.INSURED:
        kind = "insured"
    else:
        kind = "other"
    nav = {
        "kind": kind,
        "role": user.get_role_display(),
        "agency": user.agency.name if user.agency_id else "",
        "unit": user.employer.name if kind == "employer" and user.employer_id else "",
        "url_name": match.view_name if match else "",
        "active_codes": active,
    }
    if kind == "staff":
        nav["menu"] = build_menu(active)
        for item in (i for c in nav["menu"] for g in c.groups for i in g.items if i.url):
            if not has_grant(user, item.code, Action.HANDLE):  # read-only roles get no link to a form
                item.url, item.denied = None, True
        nav["links"] = visible_links(user, "nav_links", nav["url_name"])
    else:
        nav["links"] = visible_links(user, "portal_links", nav["url_name"])
    return {"nav": nav}


def visible_links(user, kind: str, current: str = "") -> list[dict]:
    """The registry's links of `kind` that this user's role sees and holds the grant for (role-aware menus)."""
    out = []
    for link in items.links(kind):
        if link.roles and user.role not in link.roles:
            continue
        if link.item_code and not has_grant(user, link.item_code, link.action):
            continue
        try:
            url = reverse(link.url_name)
        except NoReverseMatch:
            continue
        out.append({"label": link.label, "url": url, "active": current in (link.url_name, *link.active_on)})
    return out
