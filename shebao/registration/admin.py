"""Admin for cluster 01: read-only lists with search. Registration records change only through the services
(cases with maker-checker and audit), so nothing here can add, change or delete them."""

from __future__ import annotations

from django.contrib import admin

from shebao.core.admin import ReadOnlyAdmin
from shebao.core.identifiers import mask_id

from .models import Employer, EmployerInsurance, Enrolment, InsuranceType, Person


@admin.register(InsuranceType)
class InsuranceTypeAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "scheme", "employer_only")
    list_filter = ("scheme",)
    search_fields = ("code", "name")


class EmployerInsuranceInline(admin.TabularInline):
    model = EmployerInsurance
    extra = 0
    can_delete = False
    fields = ("insurance_type", "start_month", "end_month", "active")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Employer)
class EmployerAdmin(ReadOnlyAdmin):
    list_display = ("reg_no", "name", "uscc", "unit_type", "region", "agency", "status", "registered_on")
    list_filter = ("status", "unit_type", "agency")
    search_fields = ("=reg_no", "=uscc", "name")
    list_select_related = ("region", "agency")
    inlines = [EmployerInsuranceInline]
    show_full_result_count = False


@admin.register(EmployerInsurance)
class EmployerInsuranceAdmin(ReadOnlyAdmin):
    list_display = ("employer", "insurance_type", "start_month", "end_month", "active")
    list_filter = ("insurance_type", "active")
    search_fields = ("=employer__reg_no", "=employer__uscc", "employer__name")
    list_select_related = ("employer", "insurance_type")


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    extra = 0
    can_delete = False
    fields = ("insurance_type", "employer", "agency", "start_month", "end_month", "status", "end_reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    """ID numbers are masked in the list (full number on the detail page only); search by the full number."""

    list_display = ("masked_id_number", "name", "gender", "category", "employer", "agency", "status", "registered_on")
    list_filter = ("status", "category", "gender", "agency")
    search_fields = ("=id_number", "^name")
    list_select_related = ("employer", "agency")
    inlines = [EnrolmentInline]
    show_full_result_count = False

    @admin.display(description="社会保障号码", ordering="id_number")
    def masked_id_number(self, obj: Person) -> str:
        return mask_id(obj.id_number)


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    list_display = ("person", "insurance_type", "employer", "agency", "start_month", "end_month", "status")
    list_filter = ("status", "insurance_type")
    search_fields = ("=person__id_number", "^person__name", "=employer__reg_no")
    list_select_related = ("person", "insurance_type", "employer", "agency")
    show_full_result_count = False
