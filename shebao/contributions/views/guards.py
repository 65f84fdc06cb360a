"""Page guards of cluster 02 for pages that are not item forms (lists, downloads, POST actions).

Core dropped its `grant_required` decorator when every item page became an `ItemFormView`; the area pages that
only show or post to an existing record still need the same check (the Chinese 403 page before any work).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from shebao.core.access import has_grant
from shebao.core.choices import Action


def grant_required(item_code: str, action: str = Action.HANDLE) -> Callable:
    """Only users whose role holds `action` on the item; others get the Chinese 403 page before any work is done."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not has_grant(request.user, item_code, action):
                label = dict(Action.choices).get(action, action)
                raise PermissionDenied(f"您没有办理该业务（{item_code}）的{label}权限，不能使用此页面")
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorate
