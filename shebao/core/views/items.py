"""The form-view base of every business item: "form → service → case page".

    class PersonTerminateView(ItemFormView):
        item_code = "01010203"
        form_class = PersonTerminateForm
        title, submit_label = "社会保险关系终止", "提交关系终止"

        def get_subject(self, person_id):
            return person_get_for(actor=self.request.user, person_id=person_id)

        def submit(self, form, person):
            return person_terminate(actor=self.request.user, person=person, reason=form.value("reason"), ...)

The base checks the user's grant on the item before any work (403, Chinese page), fetches the subject within
scope (404), renders the form, calls the one service on POST and redirects to the new case with a message; the
service's `ApplicationError` is shown next to the fields with its 4xx status, and nothing is saved.

Hooks for the pages that differ: `role` (a portal page of one online role, e.g. employers), `get_form_kwargs`
(what the form is built with, e.g. the unit), and `submitted` (the answer to a service that returns more than a
case, e.g. a bulk upload that reports rejected rows on the same page).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from ..access import has_grant, is_staff
from ..choices import Action, CaseStatus, Role
from ..errors import ApplicationError
from ..models import Case
from .helpers import error_status, home_url, raise_for_scope


def case_submitted(request: HttpRequest, case: Case) -> HttpResponse:
    """After a successful submission: a message naming the case, and the case page."""
    if case.status == CaseStatus.SUBMITTED:
        text = f"已提交网上申报「{case.item.full_name}」，业务流水号 {case.number}，请等待经办机构受理"
    elif case.status == CaseStatus.COMPLETED:
        text = f"「{case.item.full_name}」已办结，业务流水号 {case.number}"
    else:
        text = f"已受理「{case.item.full_name}」，业务流水号 {case.number}，等待复核"
    messages.success(request, text)
    return redirect("core:case-detail", case_id=case.pk)


class ItemFormView(View):
    """Base of the pages that open a case of one catalogue item (set `item_code`, `form_class`, `submit`)."""

    item_code: str = ""
    action: str = Action.HANDLE
    staff_only: bool = True
    role: str | None = None  # a portal page of this role only (others go to their own start page); else staff_only
    form_class = None
    template_name = "registration/simple_form.html"
    title = ""
    submit_label = "提交"
    intro = ""
    danger = False
    menu_start: str | None = None  # where the catalogue menu sends the clerk to pick the subject first

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if cls.item_code:
            cls.catalog_codes = (cls.item_code,)

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        if cls.menu_start:
            view.menu_start = cls.menu_start
        return view

    def dispatch(self, request: HttpRequest, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if self.role is not None:
            if user.role != self.role:
                return redirect(home_url(user))
        elif self.staff_only and not is_staff(user):
            if user.role in (Role.EMPLOYER, Role.INSURED):
                return redirect(home_url(user))  # portal users go to their own pages, as with staff_required
            raise PermissionDenied("该页面仅限经办机构工作人员使用")
        if not has_grant(user, self.item_code, self.action):  # the grant before any work
            raise PermissionDenied(f"您没有办理该业务（{self.item_code}）的经办权限")
        try:
            self.subject = self.get_subject(**kwargs)
        except ApplicationError as exc:
            raise_for_scope(exc)
            raise
        return super().dispatch(request, *args, **kwargs)

    # -- hooks ----------------------------------------------------------------------------------------------------
    def get_subject(self, **kwargs):
        """The scoped object the case is about (a unit, a person), or None."""
        return None

    def get_initial(self) -> dict:
        """Initial form values (e.g. today's date)."""
        return {}

    def get_form_kwargs(self) -> dict:
        """Further keyword arguments of the form (e.g. the unit it is about)."""
        return {}

    def get_form(self):
        """The bound (POST) or unbound form (with `get_initial()` when there is any, else the form's own initial)."""
        kwargs = self.get_form_kwargs()
        initial = self.get_initial()
        if initial:
            kwargs.setdefault("initial", initial)
        return self.form_class(self.request.POST or None, self.request.FILES or None, **kwargs)

    def get_context_data(self, **extra) -> dict:
        """Template context: the form, the subject and the page's labels."""
        return {
            "code": self.item_code,
            "title": self.title,
            "submit": self.submit_label,
            "intro": self.intro,
            "danger": self.danger,
            "back": self.back_url(),
            **extra,
        }

    def back_url(self) -> str:
        """Where 取消 goes by default."""
        return "/"

    def submit(self, form, subject) -> Case:
        """Call the item's service with the form's values and return the case."""
        raise NotImplementedError

    def submitted(self, form, result) -> HttpResponse:
        """The answer to a successful `submit`: by default a message and the case page."""
        return case_submitted(self.request, result)

    # -- GET / POST -----------------------------------------------------------------------------------------------
    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return self.render(self.get_form())

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = self.get_form()
        if not form.is_valid():
            return self.render(form, status=400)
        try:
            result = self.submit(form, self.subject)
        except ApplicationError as exc:
            form.add_service_error(exc)
            return self.render(form, status=error_status(exc))
        return self.submitted(form, result)

    def render(self, form, *, status: int = 200, **extra) -> HttpResponse:
        """The page with `form` (and any `extra` context), with `status`."""
        context = self.get_context_data(form=form, subject=self.subject, **extra)
        return render(self.request, self.template_name, context, status=status)
