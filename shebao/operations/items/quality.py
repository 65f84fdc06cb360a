"""Cluster 11 (quality): 1106 质量管理 — data-quality runs, the rule registry and the menu."""

from shebao.core.choices import Action, Role
from shebao.core.items import AppUi, BusinessItem, Link, register_app, register_item

from ..services import quality as s
from ..services import quality_rules  # noqa: F401  (registers the built-in rules)

register_app(
    AppUi(
        app="operations.quality",
        nav_links=(
            Link(
                "数据质量检查",
                "operations:quality-home",
                (Role.AGENCY_ADMIN, Role.AUDITOR),
                item_code="1106",
                action=Action.VIEW,
                active_on=("operations:quality-run",),
            ),
        ),
        audit_labels={
            "quality.run.start": "发起数据质量检查",
            "quality.run.finish": "数据质量检查完成",
            "quality.run.fail": "数据质量检查失败",
        },
    )
)

register_item(
    BusinessItem(
        code="1106",
        services=(s.quality_run_start, s.quality_run),
        audit_labels={"quality.run.start": "发起数据质量检查", "quality.run.finish": "数据质量检查完成"},
    )
)
