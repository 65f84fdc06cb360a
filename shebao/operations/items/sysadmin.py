"""Cluster 11 (sysadmin): 1105 系统管理 — users, per-user grants, agencies, parameters and the query monitor."""

from shebao.core.choices import Action, Role
from shebao.core.items import AppUi, BusinessItem, Link, register_app, register_item

from ..services import sysadmin as s

register_app(
    AppUi(
        app="operations.sysadmin",
        nav_links=(
            Link(
                "系统管理",
                "operations:admin-home",
                (Role.AGENCY_ADMIN,),
                item_code="1105",
                action=Action.HANDLE,
                active_on=(
                    "operations:admin-users",
                    "operations:admin-user-new",
                    "operations:admin-user",
                    "operations:admin-agencies",
                    "operations:admin-agency",
                    "operations:admin-parameters",
                    "operations:admin-activity",
                ),
            ),
        ),
        audit_labels={
            "sysadmin.user_create": "新建用户",
            "sysadmin.user_update": "修改用户",
            "sysadmin.user_disable": "停用用户",
            "sysadmin.user_enable": "启用用户",
            "sysadmin.password_reset": "重置密码",
            "sysadmin.force_logout": "强制下线",
            "sysadmin.grant_add": "按人授权",
            "sysadmin.grant_revoke": "撤销授权",
            "sysadmin.agency_create": "新建经办机构",
            "sysadmin.agency_update": "修改经办机构",
        },
    )
)

register_item(
    BusinessItem(
        code="1105",
        services=(
            s.admin_user_create,
            s.admin_user_update,
            s.admin_user_set_active,
            s.admin_user_reset_password,
            s.admin_user_force_logout,
            s.admin_grant_add,
            s.admin_grant_revoke,
            s.admin_agency_create,
            s.admin_agency_update,
        ),
        immediate=True,
    )
)
