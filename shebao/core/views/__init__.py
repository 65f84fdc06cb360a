"""Clerk workbench (经办工作台): login, dashboard, the case list and case detail, and the helpers every app's UI uses.

Views parse input, fetch scoped objects (`case_get_for`), call one service and render the result. A service's
ApplicationError is shown as a Bootstrap alert with its 4xx status; out-of-scope objects are 404.
"""

from .auth import LoginView, LogoutView
from .cases import (
    case_accept_view,
    case_approve_view,
    case_detail,
    case_list,
    case_material_add,
    case_material_download,
    case_reject_view,
    case_withdraw_view,
)
from .dashboard import dashboard
from .helpers import (
    PAGE_SIZE,
    error_status,
    home_url,
    paginate,
    raise_for_scope,
    role_required,
    staff_required,
)
from .items import ItemFormView, case_submitted
from .presenting import CaseView, audit_label, present_case
from .search import SearchListView

__all__ = [
    "PAGE_SIZE",
    "CaseView",
    "ItemFormView",
    "LoginView",
    "LogoutView",
    "SearchListView",
    "audit_label",
    "case_accept_view",
    "case_approve_view",
    "case_detail",
    "case_list",
    "case_material_add",
    "case_material_download",
    "case_reject_view",
    "case_submitted",
    "case_withdraw_view",
    "dashboard",
    "error_status",
    "home_url",
    "paginate",
    "present_case",
    "raise_for_scope",
    "role_required",
    "staff_required",
]
