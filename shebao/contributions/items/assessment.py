"""Cluster 02 (assessment): 020301 应缴额核定 — the monthly assessment batch kind, the item and its menus."""

from shebao.core.batch import register_batch_kind
from shebao.core.choices import Action, Role
from shebao.core.items import AppUi, BusinessItem, Link, register_app, register_item

from ..services import assessment as s
from ..services.assessment_batch import ASSESSMENT_KIND

STAFF = (Role.CLERK, Role.REVIEWER, Role.AGENCY_ADMIN, Role.AUDITOR, Role.FINANCE)

register_batch_kind(ASSESSMENT_KIND)

register_app(
    AppUi(
        app="contributions.assessment",
        nav_links=(
            Link(
                "应缴核定",
                "contributions:assessment-home",
                STAFF,
                item_code="020301",
                action=Action.VIEW,
                active_on=("contributions:assessment-month", "contributions:assessment-employer"),
            ),
        ),
        portal_links=(Link("我的账单", "contributions:assessment-bill", (Role.EMPLOYER,)),),
        quick_links=(Link("月度应缴核定", "contributions:assessment-home", STAFF, item_code="020301"),),
    )
)

register_item(
    BusinessItem(
        code="020301",
        services=(s.assessment_start,),
        audit_labels={"batch.start": "发起批处理", "batch.finish": "批处理完成"},
    )
)
