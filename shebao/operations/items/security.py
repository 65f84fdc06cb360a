"""Cluster 11 (security): 1107 数据安全 — personal-data export requests (maker-checker), masking rules, access log."""

from django.db.models.signals import post_migrate

from shebao.core.choices import Action, Role
from shebao.core.items import AppUi, BusinessItem, Link, register_app, register_item
from shebao.core.masking import register_rule_source

from ..presenters import security as p
from ..services import security as s

STAFF = (Role.CLERK, Role.REVIEWER, Role.AGENCY_ADMIN, Role.AUDITOR, Role.FINANCE)
AUDITORS = (Role.AUDITOR, Role.AGENCY_ADMIN)

register_rule_source(s.masking_rules_source)
# the defaults are seeded by migration 0001_security and again after every migrate/flush (missing rows only)
post_migrate.connect(s.masking_rules_seed, dispatch_uid="shebao.operations.masking_rules")

register_app(
    AppUi(
        app="operations.security",
        nav_links=(
            Link(
                "个人数据导出",
                "operations:security-exports",
                STAFF,
                action=Action.VIEW,
                active_on=("operations:security-export", "operations:security-export-new"),
            ),
            Link("敏感信息查看记录", "operations:security-access-log", AUDITORS, action=Action.VIEW),
            Link("脱敏规则", "operations:security-masking", (Role.AGENCY_ADMIN, Role.AUDITOR), action=Action.VIEW),
        ),
        quick_links=(Link("个人数据导出申请", "operations:security-export-new", STAFF, item_code="1107"),),
        audit_labels={
            "masking_rule.update": "脱敏规则修改",
            "pd_access.export": "敏感信息查看记录导出",
            "pd_export.download": "个人数据导出文件下载",
        },
        object_urls={},
    )
)

register_item(
    BusinessItem(
        code="1107",
        services=(s.pd_export_request, s.pd_export_download, s.masking_rule_update, s.access_log_export),
        applier=s.apply_pd_export,
        presenter=p.present_pd_export,
        payload_types=(s.PdExportPayload,),
        audit_labels={"pd_export.produce": "个人数据导出（复核通过后生成文件）"},
    )
)
