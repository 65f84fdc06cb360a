"""Django admin for the spine: reference data and configuration; business records are read-only here.

Business records (cases, audit log) change only through services. Configuration edited here (agencies,
users, role grants, catalogue settings, holiday calendar) is written to the audit log in the same
transaction, and parameters are set through `parameter_set`, the same service the UI and API use.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.forms.models import model_to_dict

from . import admin_axes
from .audit import audit_write
from .errors import ApplicationError
from .models import (
    Agency,
    AuditEvent,
    CalendarDay,
    CalendarYear,
    Case,
    CatalogItem,
    Parameter,
    PersonalDataAccess,
    Region,
    RoleGrant,
    User,
)
from .parameters import parameter_set, parameter_validate

admin.site.site_header = "社会保险经办管理信息系统 · 系统管理"
admin.site.site_title = "社保经办系统管理"
admin.site.index_title = "系统管理"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and detail pages only: no add, change or delete (records are written by services)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _snapshot(obj, fields: list[str]) -> dict:
    """Field values by name (foreign keys as their key), for the audit before/after."""
    return {name: getattr(obj, obj._meta.get_field(name).attname) for name in fields}


class AuditedAdmin(admin.ModelAdmin):
    """Configuration edited in the admin: each save and delete leaves an audit row (before/after)."""

    audit_object_type = ""
    audit_fields: list[str] = []

    def _fields(self) -> list[str]:
        return self.audit_fields or [f.name for f in self.model._meta.concrete_fields]

    def save_model(self, request, obj, form, change) -> None:
        before = None
        if change and obj.pk is not None:
            old = type(obj).objects.filter(pk=obj.pk).first()
            before = _snapshot(old, self._fields()) if old else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_write(
                actor=request.user,
                action=f"{self.audit_object_type}.{'change' if change else 'add'}",
                object_type=self.audit_object_type,
                object_id=obj.pk,
                before=before,
                after=_snapshot(obj, self._fields()),
            )

    def delete_model(self, request, obj) -> None:
        with transaction.atomic():
            before = _snapshot(obj, self._fields())
            pk = obj.pk
            super().delete_model(request, obj)
            audit_write(
                actor=request.user,
                action=f"{self.audit_object_type}.delete",
                object_type=self.audit_object_type,
                object_id=pk,
                before=before,
            )

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level", "parent", "retired")
    list_filter = ("level", "retired")
    search_fields = ("code", "name")
    list_select_related = ("parent",)


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin):
    audit_object_type = "agency"
    audit_fields = ["code", "name", "region", "parent", "path"]
    list_display = ("code", "name", "region", "parent", "path")
    search_fields = ("code", "name")
    list_select_related = ("region", "parent")
    autocomplete_fields = ("region", "parent")
    readonly_fields = ("path",)


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    audit_object_type = "user"
    audit_fields = [
        "username",
        "display_name",
        "role",
        "agency",
        "employer",
        "person",
        "is_active",
        "is_staff",
        "is_superuser",
    ]
    list_display = ("username", "display_name", "role", "agency", "employer", "is_active", "is_staff", "last_login")
    list_filter = ("role", "is_active", "is_staff", "is_superuser", "agency")
    search_fields = ("username", "display_name", "email")
    list_select_related = ("agency", "employer")
    autocomplete_fields = ("agency",)
    raw_id_fields = ("employer", "person")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("display_name", "first_name", "last_name", "email")}),
        ("角色与数据范围", {"fields": ("role", "agency", "employer", "person")}),
        ("权限", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("重要日期", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        ("角色与数据范围", {"classes": ("wide",), "fields": ("display_name", "role", "agency", "employer", "person")}),
    )


@admin.register(RoleGrant)
class RoleGrantAdmin(AuditedAdmin):
    audit_object_type = "role_grant"
    list_display = ("role", "item_prefix", "action")
    list_filter = ("role", "action")
    search_fields = ("item_prefix",)


@admin.register(CatalogItem)
class CatalogItemAdmin(AuditedAdmin):
    """The catalogue comes from GB/T 35617; agencies set only the local settings (review, retention, code)."""

    audit_object_type = "catalog_item"
    audit_fields = ["needs_review", "retention", "local_code"]
    list_display = ("code", "name", "is_leaf", "needs_review", "retention", "local_code")
    list_filter = ("is_leaf", "needs_review")
    list_editable = ("needs_review",)
    search_fields = ("code", "name", "name_en")
    readonly_fields = ("code", "parent", "name", "name_en", "description", "is_leaf")
    fields = ("code", "parent", "name", "name_en", "description", "is_leaf", "needs_review", "retention", "local_code")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "item",
        "status",
        "channel",
        "agency",
        "applicant_name",
        "handler",
        "reviewer",
        "submitted_at",
        "due_date",
    )
    list_filter = ("status", "channel", "item", "agency")
    search_fields = ("number", "applicant_name", "summary")
    list_select_related = ("item", "agency", "handler", "reviewer")
    date_hierarchy = "submitted_at"
    show_full_result_count = False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """审计日志 (read-only): actions shown by their Chinese names."""

    list_display = ("seq", "at", "actor_name", "agency", "item_code", "action_label", "object_type", "object_id")
    list_filter = ("action", "object_type", "item_code")
    search_fields = ("=seq", "=object_id", "actor_name", "=item_code")
    list_select_related = ("agency",)
    show_full_result_count = False

    @admin.display(description="动作", ordering="action")
    def action_label(self, obj) -> str:
        from .views.presenting import audit_label

        return audit_label(obj.action)


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    """敏感信息查看记录 (read-only)."""

    list_display = ("at", "actor_name", "agency", "object_type", "object_id", "field", "where")
    list_filter = ("field", "object_type")
    search_fields = ("actor_name", "=object_id")
    list_select_related = ("agency",)
    show_full_result_count = False


admin_axes.register()


class ParameterForm(forms.ModelForm):
    """Validates with `parameter_validate` (pure, writes nothing) so the service's errors show on the form."""

    request = None  # set by ParameterAdmin.get_form

    class Meta:
        model = Parameter
        fields = ("key", "region", "effective_from", "value", "unit", "legal_reference", "note", "verified")

    def _values(self) -> dict:
        data = {**model_to_dict(self.instance, fields=["key", "region", "effective_from"]), **self.cleaned_data}
        region = data.get("region")
        return {
            "key": data.get("key") or "",
            "region": getattr(region, "pk", region) or None,
            "effective_from": data.get("effective_from"),
            "value": data.get("value") or "",
            "unit": data.get("unit") or "",
            "legal_reference": data.get("legal_reference") or "",
            "note": data.get("note") or "",
            "verified": bool(data.get("verified", True)),
        }

    def clean(self):
        cleaned = super().clean()
        if self.errors or self.request is None:
            return cleaned
        values = self._values()
        if not isinstance(values["effective_from"], dt.date):
            return cleaned
        try:
            parameter_validate(actor=self.request.user, **values)
        except ApplicationError as exc:
            placed = False
            for field, messages in exc.errors.items():
                if field in self.fields:
                    for message in messages:
                        self.add_error(field, message)
                    placed = True
            if not placed:
                self.add_error(None, exc.message)
        return cleaned


@admin.register(Parameter)
class ParameterAdmin(admin.ModelAdmin):
    """Parameters are overridden per region from a date through `parameter_set` (audited); never deleted."""

    form = ParameterForm
    list_display = ("key", "region", "effective_from", "value", "unit", "is_default", "legal_reference", "verified")
    list_filter = ("is_default", "verified", "unit")
    search_fields = ("key", "=region__code", "legal_reference")
    list_select_related = ("region",)
    autocomplete_fields = ("region",)
    date_hierarchy = "effective_from"

    def get_readonly_fields(self, request, obj=None):
        ro = ["is_default", "created_by", "created_at"]
        if obj is not None:
            # The row is identified by key, region and date; a new date is a new row (history kept).
            ro = ["key", "region", "effective_from", *ro]
        return ro

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def save_model(self, request, obj, form, change) -> None:
        values = form._values()
        param = parameter_set(actor=request.user, **values)
        obj.pk = param.pk
        obj.refresh_from_db()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    audit_object_type = "calendar_day"
    list_display = ("date", "is_workday", "name")
    list_filter = ("is_workday",)
    search_fields = ("name",)
    date_hierarchy = "date"


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedAdmin):
    audit_object_type = "calendar_year"
    list_display = ("year", "source")
