"""Cluster 11 (rectification): 111103 问题整改 — tasks from drills, operations and audits, closed by a second user.

Overdue tasks (deadline passed, not closed) are a panel of the staff dashboard (`AppUi.dashboard_panels`).
"""

from shebao.core.access import STAFF_ROLES
from shebao.core.choices import Action
from shebao.core.items import AppUi, BusinessItem, DashboardPanel, Link, register_app, register_item

from ..services import rectification as r


def overdue_panel(request) -> dict | None:
    """整改超期 panel: the overdue tasks of the user's agency subtree (shown only when there are some)."""
    qs = r.overdue_rectifications(r.rectifications_for(request.user))
    count = qs.count()
    if not count:
        return None
    return {"count": count, "tasks": list(qs.order_by("deadline", "id")[:5])}


register_app(
    AppUi(
        app="operations.rectification",
        nav_links=(
            Link(
                "问题整改",
                "operations:rectification-list",
                STAFF_ROLES,
                item_code="111103",
                action=Action.VIEW,
                active_on=("operations:rectification-new", "operations:rectification-detail"),
            ),
        ),
        dashboard_panels=(DashboardPanel("operations/rectification/_dashboard_panel.html", overdue_panel),),
        audit_labels={
            "rectification.create": "登记整改任务",
            "rectification.start": "开始整改",
            "rectification.submit": "提请销号",
            "rectification.close": "验收销号",
            "rectification.return": "退回整改",
        },
    )
)

register_item(
    BusinessItem(
        code="111103",
        services=(
            r.rectification_create,
            r.rectification_start,
            r.rectification_submit,
            r.rectification_close,
            r.rectification_return,
        ),
        immediate=True,
    )
)
