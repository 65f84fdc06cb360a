"""Login-lockout records (django-axes) in the admin with Chinese names: the package ships no Chinese translation."""

from __future__ import annotations

from axes import admin as axes_admin
from axes.conf import settings as axes_settings
from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin

_COMMON_FIELDS = {
    "id": "编号",
    "user_agent": "浏览器标识",
    "ip_address": "IP地址",
    "username": "用户名",
    "http_accept": "HTTP Accept 请求头",
    "path_info": "访问路径",
    "attempt_time": "尝试时间",
}
_MODELS = {
    AccessAttempt: (
        "登录失败记录",
        {"get_data": "GET 数据", "post_data": "POST 数据", "failures_since_start": "失败次数"},
    ),
    AccessLog: ("登录日志", {"logout_time": "退出时间", "session_hash": "会话标识哈希（SHA-256）"}),
    AccessFailureLog: ("登录失败明细", {"locked_out": "是否锁定"}),
    AccessAttemptExpiration: ("登录失败记录有效期", {"access_attempt": "登录失败记录", "expires_at": "到期时间"}),
}
_META = ("基本信息", "表单数据", "请求信息")


def name_axes_in_chinese() -> None:
    """Give the axes app, its models and their fields Chinese verbose names."""
    apps.get_app_config("axes").verbose_name = "登录防护"
    for model, (name, fields) in _MODELS.items():
        model._meta.verbose_name = model._meta.verbose_name_plural = name
        for field in model._meta.get_fields():
            label = fields.get(field.name) or _COMMON_FIELDS.get(field.name)
            if label and hasattr(field, "verbose_name"):
                field.verbose_name = label


class LockedOutFilter(axes_admin.IsLockedOutFilter):
    """是否已锁定 (in Chinese)."""

    title = "是否已锁定"

    def lookups(self, request, model_admin):
        return (("yes", "是"), ("no", "否"))


class AccessAttemptAdmin(axes_admin.AccessAttemptAdmin):
    """登录失败记录 with Chinese section titles, status and filter."""

    fieldsets = (
        (None, {"fields": ("username", "path_info", "failures_since_start", "expiration")}),
        ("表单数据", {"fields": ("get_data", "post_data")}),
        ("请求信息", {"fields": ("user_agent", "ip_address", "http_accept")}),
    )
    list_filter = [
        f if f != axes_admin.IsLockedOutFilter else LockedOutFilter for f in axes_admin.AccessAttemptAdmin.list_filter
    ]

    @admin.display(description="到期时间")
    def expiration(self, obj):
        return obj.expiration.expires_at if hasattr(obj, "expiration") else "未设置"

    @admin.display(description="状态")
    def status(self, obj):
        limit = axes_settings.AXES_FAILURE_LIMIT
        return f"还可尝试 {limit - obj.failures_since_start} 次" if obj.failures_since_start < limit else "已锁定"

    @admin.action(description="清理已过期的失败记录")
    def cleanup_expired_attempts(self, request, queryset):
        count = self.handler.clean_expired_user_attempts(request=request)
        self.message_user(request, f"已清理 {count} 条过期的失败记录。")


class AccessLogAdmin(axes_admin.AccessLogAdmin):
    """登录日志 with a Chinese section title."""

    fieldsets = (
        (None, {"fields": ("username", "path_info")}),
        ("请求信息", {"fields": ("user_agent", "ip_address", "http_accept")}),
    )


class AccessFailureLogAdmin(axes_admin.AccessFailureLogAdmin):
    """登录失败明细 with a Chinese section title."""

    fieldsets = (
        (None, {"fields": ("username", "path_info")}),
        ("请求信息", {"fields": ("user_agent", "ip_address", "http_accept")}),
    )


def register() -> None:
    """Swap the package's admin classes for the Chinese ones (only those axes registered)."""
    name_axes_in_chinese()
    for model, admin_class in (
        (AccessAttempt, AccessAttemptAdmin),
        (AccessLog, AccessLogAdmin),
        (AccessFailureLog, AccessFailureLogAdmin),
    ):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
            admin.site.register(model, admin_class)
