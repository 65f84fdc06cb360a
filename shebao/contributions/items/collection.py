"""Cluster 02 (collection): 020401 制定征收计划, 020402 征缴社会保险费, 020501 建立欠费台账, and the area's menus."""

from shebao.core.choices import Action, Role
from shebao.core.items import AppUi, BusinessItem, Grant, Link, register_app, register_item

from ..documents import collection as d
from ..presenters import collection as p
from ..services import collection_bank as bank
from ..services import collection_ledger as ledger
from ..services import collection_mandate as mandate
from ..services import collection_payments as pay
from ..services import collection_plan as plan
from ..services import collection_tax as tax

STAFF = (Role.CLERK, Role.REVIEWER, Role.AGENCY_ADMIN, Role.AUDITOR, Role.FINANCE)
VIEW = Action.VIEW

register_app(
    AppUi(
        app="contributions.collection",
        nav_links=(
            Link(
                "征收与欠费",
                "contributions:collection-home",
                STAFF,
                item_code="020501",
                action=VIEW,
                active_on=(
                    "contributions:collection-arrears",
                    "contributions:collection-employer",
                    "contributions:collection-plans",
                    "contributions:collection-plan",
                    "contributions:collection-ledgers",
                    "contributions:collection-ledger",
                    "contributions:collection-bank-files",
                    "contributions:collection-bank-file",
                    "contributions:collection-tax",
                ),
            ),
        ),
        portal_links=(
            Link("缴费账单", "contributions:collection-portal-bill", (Role.EMPLOYER,), item_code="020402", action=VIEW),
            Link("网上缴费", "contributions:collection-portal-pay", (Role.EMPLOYER,), item_code="020402"),
            Link(
                "欠费查询", "contributions:collection-portal-arrears", (Role.EMPLOYER,), item_code="020501", action=VIEW
            ),
        ),
        quick_links=(
            Link("欠费台账", "contributions:collection-arrears", STAFF, item_code="020501", action=VIEW),
            Link("托收与回盘", "contributions:collection-bank-files", STAFF, item_code="020402", action=VIEW),
        ),
        audit_labels={
            "payment.post": "缴费入账",
            "payment.credit_apply": "余额冲抵",
            "mandate.sign": "托收协议登记",
            "mandate.end": "托收协议终止",
            "bank_file.generate": "生成托收文件",
            "bank_file.import": "导入银行回盘文件",
            "bank_file.reject": "拒收导入文件",
            "bank_file.tax_export": "报送税务应征数据",
            "bank_file.tax_import": "导入税务入库信息",
        },
    )
)

register_item(
    BusinessItem(
        code="020401",
        services=(plan.collection_plan_make,),
        applier=plan.apply_collection_plan,
        presenter=p.present_collection_plan,
        payload_types=(plan.CollectionPlanPayload,),
        audit_labels={"collection_plan.make": "制定征收计划"},
    )
)
register_item(
    BusinessItem(
        code="020402",
        services=(
            pay.payment_counter,
            pay.payment_online,
            pay.credit_apply,
            mandate.mandate_sign,
            mandate.mandate_end,
            bank.collection_file_generate,
            bank.bank_return_import,
            tax.tax_export,
            tax.tax_import,
            tax.tax_reconcile,
        ),
        applier=pay.apply_payment_counter,
        presenter=p.present_payment_counter,
        receipt=d.receipt_020402,
        payload_types=(pay.PaymentCounterPayload,),
        audit_labels={"payment.post": "缴费入账"},
        grants=(
            Grant(Role.EMPLOYER, Action.HANDLE),
            Grant(Role.FINANCE, Action.HANDLE),
            Grant(Role.FINANCE, Action.REVIEW),
        ),
        # No 申请材料: the slip (收据号, POS 流水号, 进账单号) is keyed as the payment's reference and checked by the
        # reviewer; the agency's own receipt is the document of the payment.
    )
)
register_item(
    BusinessItem(
        code="020501",
        services=(ledger.arrears_ledger_make,),
        applier=ledger.apply_arrears_ledger,
        presenter=p.present_arrears_ledger,
        payload_types=(ledger.ArrearsLedgerPayload,),
        audit_labels={"arrears_ledger.make": "建立欠费台账"},
    )
)
