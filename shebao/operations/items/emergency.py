"""1111 应急管理: 111101 应急机制 (plans through a reviewed case) and 111102 定期演练 (drills)."""

from shebao.core.choices import Action, Role
from shebao.core.items import AppUi, BusinessItem, Link, register_app, register_item

from ..presenters import emergency as p
from ..services import emergency as e

STAFF = (Role.CLERK, Role.REVIEWER, Role.AGENCY_ADMIN, Role.AUDITOR)

register_app(
    AppUi(
        app="operations.emergency",
        nav_links=(
            Link(
                "应急预案",
                "operations:emergency-plans",
                STAFF,
                item_code="111101",
                action=Action.VIEW,
                active_on=(
                    "operations:emergency-plan",
                    "operations:emergency-plan-new",
                    "operations:emergency-plan-change",
                ),
            ),
            Link(
                "应急演练",
                "operations:emergency-drills",
                STAFF,
                item_code="111102",
                action=Action.VIEW,
                active_on=("operations:emergency-drill",),
            ),
        ),
    )
)

register_item(
    BusinessItem(
        code="111101",
        services=(e.emergency_plan_change,),
        applier=e.apply_emergency_plan_change,
        presenter=p.present_emergency_plan_change,
        payload_types=(e.EmergencyPlanChangePayload,),
        audit_labels={"emergency_plan.create": "制定应急预案", "emergency_plan.change": "修订应急预案"},
    )
)
register_item(
    BusinessItem(
        code="111102",
        services=(e.emergency_drill_schedule, e.emergency_drill_run_restore, e.emergency_drill_record),
        audit_labels={
            "emergency_drill.schedule": "安排应急演练",
            "emergency_drill.restore": "备份恢复演练（实测）",
            "emergency_drill.record": "记录演练结果",
        },
    )
)
