"""Workbench URLs (namespace `core`): login, dashboard, cases and their materials."""

from django.urls import path

from . import views
from .views import audit as audit_views
from .views import batch as batch_views
from .views import calendar as calendar_views
from .views import documents as document_views
from .views.tokens import api_token

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("account/api-token/", api_token, name="api-token"),
    path("cases/", views.case_list, name="case-list"),
    path("cases/<int:case_id>/", views.case_detail, name="case-detail"),
    path("cases/<int:case_id>/accept/", views.case_accept_view, name="case-accept"),
    path("cases/<int:case_id>/approve/", views.case_approve_view, name="case-approve"),
    path("cases/<int:case_id>/reject/", views.case_reject_view, name="case-reject"),
    path("cases/<int:case_id>/withdraw/", views.case_withdraw_view, name="case-withdraw"),
    path("cases/<int:case_id>/receipt/", document_views.case_receipt, name="case-receipt"),
    path("cases/<int:case_id>/materials/", views.case_material_add, name="case-material-add"),
    path(
        "cases/<int:case_id>/materials/<int:attachment_id>/",
        views.case_material_download,
        name="case-material-download",
    ),
    # 稽核工作台 (auditor workspace)
    path("audit/", audit_views.audit_log, name="audit-log"),
    path("audit/verify/", audit_views.audit_verify_view, name="audit-verify"),
    path("audit/export/", audit_views.audit_export, name="audit-export"),
    path("audit/access/", audit_views.audit_access_log, name="audit-access"),
    # 批处理 (batch runs and their progress)
    path("batch/", batch_views.batch_list, name="batch-list"),
    path("batch/<int:run_id>/", batch_views.batch_detail, name="batch-detail"),
    # 节假日历维护 (agency administrators)
    path("calendar/", calendar_views.calendar_index, name="calendar"),
    path("calendar/import/", calendar_views.calendar_import, name="calendar-import"),
    path("calendar/template.xlsx", calendar_views.calendar_template, name="calendar-template"),
    path("calendar/<int:year>/", calendar_views.calendar_year, name="calendar-year"),
    path("calendar/<int:year>/add/", calendar_views.calendar_day_add_view, name="calendar-day-add"),
    path("calendar/<int:year>/remove/", calendar_views.calendar_day_remove_view, name="calendar-day-remove"),
    path("calendar/<int:year>/publish/", calendar_views.calendar_year_publish_view, name="calendar-publish"),
    # 文件核验 (public, no login): the page a receipt's or certificate's QR code opens
    path("verify/<str:code>/", document_views.verify_document, name="verify-document"),
]
