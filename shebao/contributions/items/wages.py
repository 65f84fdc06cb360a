"""Cluster 02 (wages): 020101 工资总额审核, 020102 缴费基数核定, 020103 缴费基数调整, as the system knows them."""

from shebao.core.batch import register_batch_kind
from shebao.core.choices import Action, Role
from shebao.core.items import AppUi, BusinessItem, Grant, Link, Material, register_app, register_item

from ..documents import wages as d
from ..presenters import wages as p
from ..services import wages as dec
from ..services import wages_adjust as adj
from ..services import wages_bases as bas
from ..services import wages_batch as batch

ONLINE_EMPLOYER = Grant(Role.EMPLOYER, Action.HANDLE)
STAFF = (Role.CLERK, Role.REVIEWER, Role.AGENCY_ADMIN, Role.AUDITOR, Role.FINANCE)

register_app(
    AppUi(
        app="contributions.wages",
        nav_links=(
            Link(
                "工资申报",
                "contributions:wage-list",
                STAFF,
                active_on=("contributions:wage-detail", "contributions:wage-declare"),
            ),
            Link(
                "缴费基数",
                "contributions:base-list",
                STAFF,
                active_on=(
                    "contributions:base-person",
                    "contributions:base-determine",
                    "contributions:base-adjust",
                    "contributions:base-run",
                ),
            ),
        ),
        portal_links=(
            Link(
                "工资申报",
                "contributions:portal-wages",
                (Role.EMPLOYER,),
                item_code="020101",
                active_on=("contributions:wage-detail",),
            ),
            Link("职工缴费基数", "contributions:portal-bases", (Role.EMPLOYER,)),
        ),
        quick_links=(
            Link("工资总额申报", "contributions:wage-list", STAFF, item_code="020101", action=Action.VIEW),
            Link("年度基数核定", "contributions:base-run", STAFF, item_code="020102"),
        ),
        audit_labels={"wage_declaration.import": "历史数据导入"},
    )
)

register_item(
    BusinessItem(
        code="020101",
        services=(dec.wage_declaration_submit,),
        applier=dec.apply_wage_declaration,
        presenter=p.present_wage_declaration,
        receipt=d.receipt_020101,
        payload_types=(dec.WageDeclarationPayload,),
        audit_labels={"wage_declaration.approve": "工资总额审核"},
        grants=(ONLINE_EMPLOYER,),
        materials=(Material("上年度工资发放明细或工资总额统计报表", required=False, note="经办机构要求时提供"),),
    )
)
register_item(
    BusinessItem(
        code="020102",
        services=(bas.contribution_base_determine, batch.contribution_bases_determine_region),
        applier=bas.apply_base_determine,
        presenter=p.present_base_determine,
        receipt=d.receipt_020102,
        payload_types=(bas.BaseDeterminePayload,),
        audit_labels={"contribution_base.determine": "缴费基数核定"},
        materials=(Material("劳动合同或起薪证明", required=False, note="新参保人员按起薪核定时提供"),),
    )
)
register_item(
    BusinessItem(
        code="020103",
        services=(adj.contribution_base_adjust,),
        applier=adj.apply_base_adjust,
        presenter=p.present_base_adjust,
        receipt=d.receipt_020103,
        payload_types=(adj.BaseAdjustPayload,),
        audit_labels={"contribution_base.adjust": "缴费基数调整"},
        grants=(ONLINE_EMPLOYER,),
        materials=(
            Material("稽核意见书、监察处理决定、仲裁裁决书或判决书", required=False, note="按查处或裁决调整时提供"),
            Material("单位自查报告及工资发放明细", required=False, note="单位自查申报时提供"),
        ),
    )
)

register_batch_kind(batch.BASE_KIND)
