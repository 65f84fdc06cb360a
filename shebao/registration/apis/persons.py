"""Person API (个人登记): search, detail, 01010201 enrol, 01010202 change, 01010203 terminate."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from shebao.core.access import can_view_full_id
from shebao.core.api import (
    ItemCaseApi,
    ShebaoApi,
    StrictCharField,
    StrictChoiceField,
    StrictDateField,
    StrictIntegerField,
    StrictPagination,
    by_method,
    code_list_field,
    month_field,
    responses,
)
from shebao.core.identifiers import mask_id
from shebao.core.masking import personal_view

from ..choices import (
    ContributionMethod,
    PersonCategory,
    PersonStatus,
    TerminationReason,
)
from ..selectors import (
    employer_get_for,
    enrolments_of,
    person_get_for,
    person_search,
)
from ..services import (
    person_change,
    person_enrol,
    person_terminate,
)
from .common import ID_MAX

# --------------------------------------------------------------------------------------------------------------
# Persons (个人登记)
# --------------------------------------------------------------------------------------------------------------


class PersonSummarySerializer(serializers.Serializer):
    """参保人 as listed: the ID number is always masked in lists."""

    id = serializers.IntegerField()
    id_number = serializers.SerializerMethodField()
    name = serializers.CharField()
    gender = serializers.CharField()
    category = serializers.ChoiceField(choices=PersonCategory.choices)
    employer = serializers.IntegerField(source="employer_id", allow_null=True)
    employer_name = serializers.CharField(source="employer.name", allow_null=True, default=None)
    agency = serializers.CharField(source="agency.code")
    status = serializers.ChoiceField(choices=PersonStatus.choices)
    registered_on = serializers.DateField()

    class Meta:
        ref_name = "PersonSummary"

    @extend_schema_field(OpenApiTypes.STR)
    def get_id_number(self, person) -> str:
        return mask_id(person.id_number)


class EnrolmentSerializer(serializers.Serializer):
    """参保险种登记: one insurance type of a person, with its start and end months."""

    insurance_type = serializers.CharField(source="insurance_type_id")
    name = serializers.CharField(source="insurance_type.name")
    employer = serializers.IntegerField(source="employer_id", allow_null=True)
    employer_name = serializers.CharField(source="employer.name", allow_null=True, default=None)
    start_month = serializers.DateField()
    end_month = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    end_reason = serializers.CharField(allow_blank=True)

    class Meta:
        ref_name = "Enrolment"


class PersonListApi(ShebaoApi):
    """参保人查询: by 社会保障号码 (exact; 15 digits converted) or name prefix, optionally within one unit."""

    pagination_class = StrictPagination

    class FilterSerializer(serializers.Serializer):
        """Search terms for persons."""

        q = serializers.CharField(max_length=50, required=False, help_text="社会保障号码（精确）或姓名（前缀）")
        employer = serializers.IntegerField(min_value=1, max_value=ID_MAX, required=False, help_text="参保单位ID")
        status = serializers.ChoiceField(choices=PersonStatus.choices, required=False)

    @extend_schema(
        summary="参保人查询",
        parameters=[FilterSerializer],
        responses=responses({200: PersonSummarySerializer(many=True)}),
    )
    def get(self, request):
        f = self.parse_query(self.FilterSerializer)
        qs = person_search(
            actor=request.user, q=f.get("q", ""), employer_id=f.get("employer"), status=f.get("status", "")
        )
        return self.paginate(qs, PersonSummarySerializer)


class PersonRowInput(serializers.Serializer):
    """One person's declaration (个人参保登记信息); the service checks the ID, age, months and duplicates."""

    id_number = StrictCharField(max_length=18, help_text="社会保障号码（18位；15位自动转换）")
    name = StrictCharField(max_length=50, help_text="姓名")
    phone = StrictCharField(max_length=20, required=False, allow_blank=True, default="", help_text="联系电话")
    address = StrictCharField(max_length=200, required=False, allow_blank=True, default="", help_text="居住地址")
    ethnicity = StrictCharField(max_length=20, required=False, allow_blank=True, default="", help_text="民族")
    insurances = code_list_field(help_text="参保险种编码")
    start_month = month_field(help_text="参保起始月 YYYY-MM")

    class Meta:
        ref_name = "PersonRowInput"


class PersonCreateApi(ItemCaseApi):
    """01010201 个人参保登记: 增员 under a unit, or 灵活就业人员/城乡居民 enrolment without one."""

    item_code = "01010201"
    summary = "01010201 个人参保登记"

    class InputSerializer(PersonRowInput):
        """个人参保登记表: the person, the unit (for employees) and the category."""

        employer = StrictIntegerField(
            min_value=1, max_value=ID_MAX, required=False, allow_null=True, help_text="参保单位ID（单位职工必填）"
        )
        category = StrictChoiceField(choices=PersonCategory.choices, required=False, default=PersonCategory.EMPLOYEE)

    def submit(self, request, data, subject):
        data = dict(data)
        employer_id, category = data.pop("employer", None), data.pop("category")
        employer = employer_get_for(actor=request.user, employer_id=employer_id) if employer_id else None
        return person_enrol(
            actor=request.user, data=data, employer=employer, category=category, materials=self.materials
        )


PersonCollectionApi = by_method(
    "PersonCollectionApi",
    "参保人: GET searches, POST enrols one person (01010201).",
    get=PersonListApi,
    post=PersonCreateApi,
)


class PersonDetailApi(ShebaoApi):
    """参保人详情 with enrolments; the full ID number only for those entitled to see it."""

    class OutputSerializer(PersonSummarySerializer):
        """The person's registration details and enrolments (ID and account masked unless entitled)."""

        birth_date = serializers.SerializerMethodField()
        ethnicity = serializers.CharField(allow_blank=True)
        phone = serializers.CharField(allow_blank=True)
        address = serializers.CharField(allow_blank=True)
        contribution_method = serializers.ChoiceField(choices=ContributionMethod.choices)
        benefit_bank_name = serializers.CharField(allow_blank=True)
        benefit_bank_account = serializers.SerializerMethodField()
        terminated_on = serializers.DateField(allow_null=True)
        termination_reason = serializers.CharField(allow_blank=True)
        version = serializers.IntegerField()
        id_number_masked = serializers.SerializerMethodField()
        enrolments = EnrolmentSerializer(many=True, source="enrolment_rows")

        @extend_schema_field(OpenApiTypes.STR)
        def get_id_number(self, person) -> str:
            return person.id_number if self.context.get("full") else mask_id(person.id_number)

        @extend_schema_field(OpenApiTypes.BOOL)
        def get_id_number_masked(self, person) -> bool:
            return not self.context.get("full")

        @extend_schema_field(serializers.DateField(allow_null=True))
        def get_birth_date(self, person):
            return person.birth_date.isoformat() if self.context.get("full") else None

        @extend_schema_field(OpenApiTypes.STR)
        def get_benefit_bank_account(self, person) -> str:
            account = person.benefit_bank_account
            return account if self.context.get("full") else mask_id(account)

    @extend_schema(summary="参保人详情", responses=responses({200: OutputSerializer}))
    def get(self, request, person_id: int):
        person = person_get_for(actor=request.user, person_id=person_id)
        person.enrolment_rows = list(enrolments_of(person))
        full = can_view_full_id(request.user, person_id=person.pk, employer_id=person.employer_id)
        # each field as the user's role may see it (masking rules, 1107); full ID numbers and accounts are logged
        shown = personal_view(
            request.user,
            {
                "id_number": person.id_number,
                "bank_account": person.benefit_bank_account,
                "phone": person.phone,
                "address": person.address,
            },
            object_type="person",
            object_id=person.pk,
            where="接口：参保人详情",
        )
        data = self.OutputSerializer(person, context={"full": full}).data
        data.update(
            id_number=shown["id_number"],
            benefit_bank_account=shown["bank_account"],
            phone=shown["phone"],
            address=shown["address"],
        )
        return Response(data)


class _PersonItemApi(ItemCaseApi):
    """An item about one person of the actor's scope (`/persons/{person_id}/…`)."""

    def get_subject(self, request, person_id: int):
        return person_get_for(actor=request.user, person_id=person_id)


class PersonChangeApi(_PersonItemApi):
    """01010202 个人变更登记: details, contribution method, benefit account, 增险/停保/续保 (减员 = 停保).

    A name change needs its proof (`material_1`, 变更姓名的户籍证明): send multipart with the file.
    """

    item_code = "01010202"
    summary = "01010202 个人变更登记"

    class InputSerializer(serializers.Serializer):
        """个人变更登记表: only the details sent change; 增险/停保/续保 from a month."""

        name = StrictCharField(max_length=50, required=False, allow_blank=True)
        phone = StrictCharField(max_length=20, required=False, allow_blank=True)
        address = StrictCharField(max_length=200, required=False, allow_blank=True)
        ethnicity = StrictCharField(max_length=20, required=False, allow_blank=True)
        contribution_method = StrictChoiceField(choices=ContributionMethod.choices, required=False)
        benefit_bank_name = StrictCharField(max_length=100, required=False, allow_blank=True)
        benefit_bank_account = StrictCharField(max_length=40, required=False, allow_blank=True)
        add_insurances = code_list_field(required=False, help_text="增加的险种")
        suspend_insurances = code_list_field(required=False, help_text="停保的险种（减员）")
        resume_insurances = code_list_field(required=False, help_text="续保的险种")
        change_month = month_field(required=False, help_text="险种变动月份 YYYY-MM")
        reason = StrictCharField(
            max_length=100, required=False, allow_blank=True, default="", help_text="变更（停保）原因"
        )

    CHANGE_FIELDS = (
        "name",
        "phone",
        "address",
        "ethnicity",
        "contribution_method",
        "benefit_bank_name",
        "benefit_bank_account",
    )

    def submit(self, request, data, person):
        return person_change(
            actor=request.user,
            person=person,
            changes={k: data[k] for k in self.CHANGE_FIELDS if k in data},
            add_insurances=data.get("add_insurances"),
            suspend_insurances=data.get("suspend_insurances"),
            resume_insurances=data.get("resume_insurances"),
            change_month=data.get("change_month"),
            reason=data["reason"],
            materials=self.materials,
        )


class PersonTerminateApi(_PersonItemApi):
    """01010203 社会保险关系终止: death, emigration, duplicate enrolment or other; ends every enrolment."""

    item_code = "01010203"
    summary = "01010203 社会保险关系终止"

    class InputSerializer(serializers.Serializer):
        """关系终止: reason, date and note."""

        reason = StrictChoiceField(choices=TerminationReason.choices, help_text="终止原因")
        end_date = StrictDateField(help_text="终止日期 YYYY-MM-DD，不能晚于今天")
        note = StrictCharField(
            max_length=200, required=False, allow_blank=True, default="", help_text="说明（原因为「其他」时必填）"
        )

    def submit(self, request, data, person):
        return person_terminate(
            actor=request.user,
            person=person,
            reason=data["reason"],
            end_date=data["end_date"],
            note=data["note"],
            materials=self.materials,
        )
