"""Cluster 02 (arrears): 020302 缓缴额核定, 020303 补缴核定, 020304 退费, 020502 欠费处理, and the area's menus.

Also registers with core the check that refuses 单位注销登记 while the unit owes contributions
(`core.blockers`, action `employer.deregister`), so registration never imports contributions.
"""

from shebao.core.blockers import register_blocker
from shebao.core.choices import Action, Role
from shebao.core.items import AppUi, BusinessItem, Grant, Link, Material, register_app, register_item

from ..documents import arrears as d
from ..presenters import arrears as p
from ..services import arrears_back as back
from ..services import arrears_deferral as deferral
from ..services import arrears_notice as notice
from ..services import arrears_refund as refund

STAFF = (Role.CLERK, Role.REVIEWER, Role.AGENCY_ADMIN, Role.AUDITOR, Role.FINANCE)

register_blocker("employer.deregister", notice.deregistration_blocker)

register_app(
    AppUi(
        app="contributions.arrears",
        nav_links=(
            Link(
                "欠费处理",
                "contributions:arrears-home",
                STAFF,
                item_code="020502",
                action=Action.VIEW,
                active_on=("contributions:arrears-employer", "contributions:arrears-overdue"),
            ),
        ),
        quick_links=(
            Link("逾期未缴通知", "contributions:arrears-overdue", STAFF, item_code="020502", action=Action.VIEW),
        ),
        audit_labels={
            "arrears.bank_inquiry": "查询存款账户",
            "arrears.enforcement": "申请强制执行",
            "arrears.settled": "欠费结清",
        },
    )
)

register_item(
    BusinessItem(
        code="020302",
        services=(deferral.deferral_apply,),
        applier=deferral.apply_deferral,
        presenter=p.present_deferral,
        receipt=d.receipt_020302,
        payload_types=(deferral.DeferralApplyPayload,),
        audit_labels={"deferral.approve": "缓缴协议"},
        materials=(Material("缓缴申请书及生产经营困难的证明材料"),),
        grants=(Grant(Role.EMPLOYER, Action.HANDLE),),  # the unit applies online (网上经办)
        portal_links=(Link("缓缴申请", "contributions:portal-deferral", (Role.EMPLOYER,), item_code="020302"),),
    )
)
register_item(
    BusinessItem(
        code="020303",
        services=(back.back_payment_assess,),
        applier=back.apply_back_payment,
        presenter=p.present_back_payment,
        payload_types=(back.BackPaymentPayload,),
        audit_labels={"back_payment.assess": "补缴核定"},
        materials=(Material("劳动合同、工资发放记录等补缴依据", required=False),),
    )
)
register_item(
    BusinessItem(
        code="020304",
        services=(refund.refund_request,),
        applier=refund.apply_refund,
        presenter=p.present_refund,
        payload_types=(refund.RefundPayload, refund.RefundEntry),
        audit_labels={"refund.approve": "退费"},
        materials=(Material("退费申请及多缴、误缴的证明材料"),),
    )
)
register_item(
    BusinessItem(
        code="020502",
        services=(
            notice.arrears_notice_issue,
            notice.arrears_action_record,
            notice.arrears_settle,
            notice.arrears_close_settled,
        ),
        applier=notice.apply_arrears_notice,
        presenter=p.present_arrears_notice,
        receipt=d.receipt_020502,
        payload_types=(notice.ArrearsNoticePayload,),
        audit_labels={"arrears.notice": "责令限期缴纳通知"},
    )
)
