"""Shared helpers for every app's UI views: start pages, role guards, pagination, error status."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.urls import reverse

from ..access import is_staff
from ..choices import Role
from ..errors import ApplicationError, NotFoundError, PermissionDeniedError
from ..items import home_url_name

PAGE_SIZE = 20


# --------------------------------------------------------------------------------------------------------------
# Shared helpers for every app's UI views
# --------------------------------------------------------------------------------------------------------------


def home_url(user) -> str:
    """Where a user starts: the workbench for agency staff, the portal for employers, 我的社保 for persons."""
    name = home_url_name(getattr(user, "role", "")) if not is_staff(user) else None
    return reverse(name or "core:dashboard")


def staff_required(view: Callable) -> Callable:
    """Agency staff only: employer and insured users are sent to their own portal pages."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not is_staff(request.user):
            if request.user.role in (Role.EMPLOYER, Role.INSURED):
                return redirect(home_url(request.user))
            raise PermissionDenied("该页面仅限经办机构工作人员使用")
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def role_required(role: str) -> Callable:
    """Only users of `role` (others are sent to their own start page)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if request.user.role != role:
                return redirect(home_url(request.user))
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorate


def raise_for_scope(exc: ApplicationError) -> None:
    """Turn 404/403 domain errors into Django's (the Chinese 404/403 pages); others are left to the caller."""
    if isinstance(exc, NotFoundError):
        raise Http404(exc.message)
    if isinstance(exc, PermissionDeniedError):
        raise PermissionDenied(exc.message)


def paginate(request: HttpRequest, queryset, *, per_page: int = PAGE_SIZE):
    """One page of `queryset` (?page=, out-of-range pages show the last page)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def error_status(exc: ApplicationError) -> int:
    return getattr(exc, "status_code", 400) or 400
