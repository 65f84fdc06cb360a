"""02020102 费额核定 / 02020202 费额调整 pages: residents' tiers and flexible workers' bases, at the counter and online.

Clerks search residents and flexible workers (the catalogue's start for both items), open a person's page (what is
in force, history, options, cases) and determine or change the tier or base there. Insured people do the same in
我的社保 · 缴费档次·基数 (portal pages on the shared base template, so 长辈模式 applies as everywhere in the portal).
An ID number searched for never travels in a URL: the search form posts and digits are kept behind a session token.
"""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlencode

from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone

from shebao.core.access import cases_for, has_grant
from shebao.core.catalog import catalog_view
from shebao.core.choices import Action, Role
from shebao.core.models import Case
from shebao.core.views import ItemFormView, paginate, role_required, staff_required
from shebao.registration.choices import PersonCategory, PersonStatus
from shebao.registration.selectors import person_get_for, person_search
from shebao.registration.views.common import _person_or_404

from ..choices import ChoiceKind
from ..models import PersonContributionChoice
from ..services.rates_choices import (
    period_label,
    period_start,
    person_choice_change,
    person_choice_determine,
)
from ..services.rates_tables import person_choice_history, person_choice_overview
from . import rates_forms as f

CHOICE_ITEMS = ("02020102", "02020202")
CATEGORIES = {"": "全部", PersonCategory.FLEXIBLE: "灵活就业人员", PersonCategory.RESIDENT: "城乡居民"}
SESSION_KEY = "contributions.rates.searches"
TOKEN_SECONDS = 30 * 60


def _search_redirect(request: HttpRequest) -> HttpResponse:
    """POST of the search form → `?q=` for names, `?t=<token>` for digits (kept in the session for 30 minutes)."""
    q = request.POST.get("q", "").strip()[:100]
    params = {k: request.POST.get(k, "")[:20] for k in ("category", "determined", "item") if request.POST.get(k)}
    if any(c.isdigit() for c in q):
        now = time.time()
        saved = {t: s for t, s in request.session.get(SESSION_KEY, {}).items() if s.get("until", 0) > now}
        token = secrets.token_urlsafe(12)
        saved[token] = {"q": q, "until": now + TOKEN_SECONDS}
        request.session[SESSION_KEY] = dict(sorted(saved.items(), key=lambda kv: kv[1]["until"])[-20:])
        params["t"] = token
    elif q:
        params["q"] = q
    url = reverse("contributions:rates-persons")
    response = redirect(f"{url}?{urlencode(params)}" if params else url)
    response.status_code = 303
    return response


def _search_term(request: HttpRequest) -> tuple[str, bool]:
    token = request.GET.get("t", "")
    if token:
        saved = request.session.get(SESSION_KEY, {}).get(token)
        if not saved or saved.get("until", 0) <= time.time():
            return "", True
        return saved["q"], False
    return request.GET.get("q", "").strip()[:100], False


@catalog_view(*CHOICE_ITEMS)
@staff_required
def rates_person_list(request: HttpRequest) -> HttpResponse:
    """缴费档次·基数: residents and flexible workers in scope with their tier or base in force this period."""
    if request.method == "POST":
        return _search_redirect(request)
    q, expired = _search_term(request)
    category = request.GET.get("category", "")
    category = category if category in CATEGORIES else ""
    determined = request.GET.get("determined", "")
    qs = person_search(actor=request.user, q=q, status=PersonStatus.ACTIVE).filter(
        category__in=[category] if category else [PersonCategory.FLEXIBLE, PersonCategory.RESIDENT]
    )
    today = timezone.localdate()
    rows = PersonContributionChoice.objects.filter(person_id=OuterRef("pk"), superseded_by__isnull=True)
    current = rows.filter(
        Q(tier__isnull=False, valid_from__lte=period_start(ChoiceKind.TIER, today))
        | Q(base__isnull=False, valid_from__lte=period_start(ChoiceKind.BASE, today))
    ).order_by("-valid_from")
    qs = qs.annotate(
        choice_amount=Subquery(current.annotate(amount=Coalesce("tier", "base")).values("amount")[:1]),
        choice_from=Subquery(current.values("valid_from")[:1]),
        has_choice=Subquery(rows.values("pk")[:1]),
    )
    if determined == "no":
        qs = qs.filter(has_choice__isnull=True)
    elif determined == "yes":
        qs = qs.filter(has_choice__isnull=False)
    item = request.GET.get("item", "")
    context = {
        "page": paginate(request, qs),
        "q": q if not any(c.isdigit() for c in q) else "",
        "searched": bool(q),
        "expired": expired,
        "category": category,
        "categories": CATEGORIES,
        "determined": determined,
        "item": item if item in CHOICE_ITEMS else "",
    }
    return render(request, "contributions/rates/person_list.html", context)


def _person_context(request: HttpRequest, person, *, portal: bool) -> dict:
    view = person_choice_overview(person)
    user = request.user
    active = person.status == PersonStatus.ACTIVE and view.kind is not None and bool(view.lines)
    return {
        "person": person,
        "view": view,
        "history": person_choice_history(person)[:60],
        "cases": cases_for(user).filter(item_id__in=CHOICE_ITEMS, person=person)[:20],
        "can_determine": active and not view.determined and has_grant(user, "02020102", Action.HANDLE),
        "can_change": active and view.determined and has_grant(user, "02020202", Action.HANDLE),
        "portal": portal,
    }


@staff_required
def rates_person(request: HttpRequest, person_id: int) -> HttpResponse:
    """参保人缴费档次·基数: what is in force, the history, the options of the next period and the cases."""
    person = _person_or_404(request, person_id)
    return render(request, "contributions/rates/person_choices.html", _person_context(request, person, portal=False))


def _me(request: HttpRequest):
    if not request.user.person_id:
        raise Http404("您的账户未关联参保人")
    return _person_or_404(request, request.user.person_id)


@role_required(Role.INSURED)
def rates_my(request: HttpRequest) -> HttpResponse:
    """我的社保 · 缴费档次·基数: my tier or base, what I may choose next period, and my applications."""
    person = _me(request)
    return render(request, "contributions/rates/my_choices.html", _person_context(request, person, portal=True))


class _ChoiceView(ItemFormView):
    """A tier/base form about one person (clerk: from the person list; insured person: themselves)."""

    menu_start = "contributions:rates-persons"
    template_name = "contributions/rates/choice_form.html"
    form_class = f.ChoiceForm
    first = True  # 费额核定 (else 费额调整)

    def get_subject(self, person_id):
        return person_get_for(actor=self.request.user, person_id=person_id)

    def overview(self):
        if not hasattr(self, "_overview"):
            self._overview = person_choice_overview(self.subject)
        return self._overview

    def first_period(self):
        view = self.overview()
        starts = [period_start(view.kind, line.start_month) for line in view.lines]
        return max(starts) if starts else period_start(view.kind or ChoiceKind.BASE, timezone.localdate())

    def get_initial(self) -> dict:
        view = self.overview()
        start = self.first_period() if self.first else view.next_period
        initial = {"valid_from": f"{start:%Y-%m}"} if start else {}
        if view.kind == ChoiceKind.BASE:
            initial["insurance_types"] = [line.insurance_type for line in view.lines]
        return initial

    def get_form_kwargs(self) -> dict:
        view = self.overview()
        years = ()
        if view.kind == ChoiceKind.TIER:
            first = self.first_period().year if self.first else (view.next_period or timezone.localdate()).year
            years = range(first, max(first, timezone.localdate().year + 1) + 1)
        return {
            "kind": view.kind or ChoiceKind.BASE,
            "options": view.options,
            "types": [(line.insurance_type, f"{line.insurance_type} {line.name}") for line in view.lines],
            "years": years,
            "staff": self.role is None,
        }

    def get_context_data(self, **extra) -> dict:
        view = self.overview()
        start = self.first_period() if self.first else view.next_period
        return super().get_context_data(
            person=self.subject,
            view=view,
            period=period_label(view.kind, start) if view.kind and start else "",
            portal=self.role is not None,
            **extra,
        )

    def back_url(self) -> str:
        if self.role is not None:
            return reverse("contributions:rates-my")
        return reverse("contributions:rates-person", args=[self.subject.pk])

    def submit(self, form, person) -> Case:
        service = person_choice_determine if self.first else person_choice_change
        return service(
            actor=self.request.user,
            person=person,
            amount=form.value("amount"),
            valid_from=form.value("valid_from") or None,
            insurance_types=form.value("insurance_types", None),
            note=form.value("note"),
        )


class PersonChoiceDetermineView(_ChoiceView):
    """02020102 费额核定 at the counter: a resident's first tier or a flexible worker's first base."""

    item_code = "02020102"
    title, submit_label = "缴费档次（基数）核定", "提交核定"


class PersonChoiceChangeView(_ChoiceView):
    """02020202 费额调整 at the counter: a new tier or base from the next period."""

    item_code = "02020202"
    title, submit_label = "缴费档次（基数）调整", "提交调整"
    first = False


class _MyChoiceView(_ChoiceView):
    """Online in 我的社保: the insured person's own record only (other roles go to their start page)."""

    role = Role.INSURED

    def get_subject(self):
        if not self.request.user.person_id:
            raise Http404("您的账户未关联参保人")
        return person_get_for(actor=self.request.user, person_id=self.request.user.person_id)


class MyChoiceDetermineView(_MyChoiceView):
    """02020102 网上选择缴费档次（基数）: the insured person's first choice, accepted and reviewed by the agency."""

    item_code = "02020102"
    title, submit_label = "选择缴费档次（基数）", "提交申请"


class MyChoiceChangeView(_MyChoiceView):
    """02020202 网上调整缴费档次（基数）: effective from the next period once the agency has approved it."""

    item_code = "02020202"
    title, submit_label = "调整缴费档次（基数）", "提交申请"
    first = False


urlpatterns: list = [
    path("rates/persons/", rates_person_list, name="rates-persons"),
    path("rates/persons/<int:person_id>/", rates_person, name="rates-person"),
    path(
        "rates/persons/<int:person_id>/determine/",
        PersonChoiceDetermineView.as_view(),
        name="rates-person-determine",
    ),
    path("rates/persons/<int:person_id>/change/", PersonChoiceChangeView.as_view(), name="rates-person-change"),
    path("rates/my/", rates_my, name="rates-my"),
    path("rates/my/determine/", MyChoiceDetermineView.as_view(), name="rates-my-determine"),
    path("rates/my/change/", MyChoiceChangeView.as_view(), name="rates-my-change"),
]
