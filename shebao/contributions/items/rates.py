"""Cluster 02 (rates): 02020101 费率核定, 02020201 费率调整, 02020102 费额核定, 02020202 费额调整."""

from shebao.core.choices import Action, Role
from shebao.core.items import AppUi, BusinessItem, Grant, Link, Material, register_app, register_item

from ..presenters import rates as p
from ..presenters import rates_receipts as d
from ..services import rates as r
from ..services import rates_bulk as rb
from ..services import rates_choices as c

ONLINE_INSURED = Grant(Role.INSURED, Action.HANDLE)
STAFF = (Role.CLERK, Role.REVIEWER, Role.AGENCY_ADMIN, Role.AUDITOR, Role.FINANCE)

register_app(
    AppUi(
        app="contributions.rates",
        nav_links=(
            Link(
                "单位费率",
                "contributions:rates-employers",
                STAFF,
                action=Action.VIEW,
                active_on=(
                    "contributions:rates-employer",
                    "contributions:rates-employer-determine",
                    "contributions:rates-employer-change",
                ),
            ),
            Link(
                "缴费档次·基数",
                "contributions:rates-persons",
                STAFF,
                action=Action.VIEW,
                active_on=(
                    "contributions:rates-person",
                    "contributions:rates-person-determine",
                    "contributions:rates-person-change",
                ),
            ),
        ),
        portal_links=(
            Link("本单位费率", "contributions:rates-portal-unit", (Role.EMPLOYER,)),
            Link(
                "缴费档次·基数",
                "contributions:rates-my",
                (Role.INSURED,),
                active_on=("contributions:rates-my-determine", "contributions:rates-my-change"),
            ),
        ),
        quick_links=(
            Link("单位费率核定", "contributions:rates-employers", STAFF, item_code="02020101"),
            Link("缴费档次·基数核定", "contributions:rates-persons", STAFF, item_code="02020102"),
        ),
        audit_labels={"employer_rate.determine_region": "费率核定（全区初次核定）"},
        object_urls={},
    )
)

register_item(
    BusinessItem(
        code="02020101",
        services=(r.employer_rate_determine, rb.employer_rate_determine_region),
        applier=r.apply_employer_rate_determine,
        presenter=p.present_employer_rate_determine,
        receipt=d.receipt_02020101,
        payload_types=(r.EmployerRateDeterminePayload,),
        audit_labels={"employer_rate.determine": "工伤保险费率核定"},
        materials=(Material("工伤保险行业风险类别核定依据", required=False, note="如营业执照经营范围、主营业务说明"),),
    )
)
register_item(
    BusinessItem(
        code="02020201",
        services=(r.employer_rate_change,),
        applier=r.apply_employer_rate_change,
        presenter=p.present_employer_rate_change,
        receipt=d.receipt_02020201,
        payload_types=(r.EmployerRateChangePayload,),
        audit_labels={"employer_rate.change": "工伤保险费率调整"},
        materials=(
            Material("工伤保险浮动费率评估结果", required=False, note="年度浮动费率调整时提供"),
            Material("单位变更登记（行业变更）证明", required=False, note="行业变更调整风险类别时提供"),
        ),
    )
)
register_item(
    BusinessItem(
        code="02020102",
        services=(c.person_choice_determine,),
        applier=c.apply_person_choice_determine,
        presenter=p.present_person_choice_determine,
        receipt=d.receipt_02020102,
        payload_types=(c.PersonChoiceDeterminePayload,),
        audit_labels={"contribution_choice.determine": "缴费档次（基数）核定"},
        grants=(ONLINE_INSURED,),
        materials=(Material("居民身份证", required=False, note="窗口办理时核验原件"),),
    )
)
register_item(
    BusinessItem(
        code="02020202",
        services=(c.person_choice_change,),
        applier=c.apply_person_choice_change,
        presenter=p.present_person_choice_change,
        receipt=d.receipt_02020202,
        payload_types=(c.PersonChoiceChangePayload,),
        audit_labels={"contribution_choice.change": "缴费档次（基数）调整"},
        grants=(ONLINE_INSURED,),
        materials=(Material("居民身份证", required=False, note="窗口办理时核验原件"),),
    )
)
