"""1109 数据备份: backups with their SHA-256 manifests, retention and restore drills (no case: a system act)."""

from shebao.core.choices import Action, Role
from shebao.core.items import AppUi, BusinessItem, Link, register_app, register_item

from ..services import backup as b

register_app(
    AppUi(
        app="operations.backup",
        nav_links=(
            Link(
                "数据备份",
                "operations:backup-list",
                (Role.AGENCY_ADMIN, Role.AUDITOR),
                item_code="1109",
                action=Action.VIEW,
            ),
        ),
    )
)

register_item(
    BusinessItem(
        code="1109",
        services=(b.backup_create, b.backup_prune, b.restore_drill),
        audit_labels={
            "backup.create": "数据备份",
            "backup.fail": "数据备份失败",
            "backup.prune": "清理过期备份",
            "backup.restore_drill": "备份恢复演练",
        },
    )
)
