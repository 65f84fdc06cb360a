"""Platform spine: regions, agencies, users, business catalogue, cases, audit, parameters."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from .choices import Action, CaseStatus, Channel, PersonalField, RegionLevel, Role


class Region(models.Model):
    """GB/T 2260 行政区划: a province, prefecture or county code (retired codes stay valid)."""

    code = models.CharField("区划代码", max_length=6, primary_key=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("级别", max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    retired = models.BooleanField("已撤销", default=False)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def lineage_codes(self) -> list[str]:
        """Codes from this region up to its province (self first)."""
        codes, node = [], self
        while node is not None:
            codes.append(node.code)
            node = node.parent
        return codes


class Agency(models.Model):
    """社会保险经办机构: a node of the agency tree (province → city → district)."""

    code = models.CharField("机构编码", max_length=20, unique=True)
    name = models.CharField("机构名称", max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name="所在区划")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # Materialised path "/330100/330102/": a subtree is one indexed prefix query.
    path = models.CharField(max_length=255, db_index=True, editable=False)

    class Meta:
        verbose_name = "经办机构"
        verbose_name_plural = "经办机构"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent_id else "/") + f"{self.code}/"
        super().save(*args, **kwargs)

    def is_within(self, other: Agency) -> bool:
        """True when this agency is `other` or lies in its subtree."""
        return self.path.startswith(other.path)


class User(AbstractUser):
    """A Shebao login: agency staff (clerk, reviewer, admin, auditor, finance), employer user or person."""

    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.CLERK)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, verbose_name="经办机构")
    employer = models.ForeignKey(
        "registration.Employer", null=True, blank=True, on_delete=models.PROTECT, verbose_name="所属单位"
    )
    person = models.ForeignKey(
        "registration.Person", null=True, blank=True, on_delete=models.PROTECT, verbose_name="本人"
    )
    display_name = models.CharField("姓名", max_length=50, blank=True)
    id_number = models.CharField(
        "本人社会保障号码",
        max_length=18,
        blank=True,
        help_text="工作人员本人的号码：复核时回避本人及本人参保记录的业务",
    )

    # Bumped to end every session of the user at once (强制下线, 停用) without changing the password: it is part of
    # the session auth hash, so sessions signed with the old value stop working on their next request.
    session_epoch = models.PositiveIntegerField("会话代次", default=0, editable=False)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username

    def _get_session_auth_hash(self, secret=None):
        """Django's session hash of the password, salted with `session_epoch` once it has been bumped."""
        from django.utils.crypto import salted_hmac

        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        value = self.password if not self.session_epoch else f"{self.password}#{self.session_epoch}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    @property
    def is_staff_role(self) -> bool:
        return self.role in (Role.CLERK, Role.REVIEWER, Role.AGENCY_ADMIN, Role.AUDITOR, Role.FINANCE)


class RoleGrant(models.Model):
    """Permission of a role on a catalogue item (code or code prefix) for an action (handle/review/view)."""

    role = models.CharField("角色", max_length=20, choices=Role.choices)
    item_prefix = models.CharField("业务编码(前缀)", max_length=8, help_text="'' 表示全部业务")
    action = models.CharField("操作", max_length=10, choices=Action.choices)

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        constraints = [
            models.UniqueConstraint(fields=["role", "item_prefix", "action"], name="uniq_role_grant"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.item_prefix or '*'} {self.get_action_display()}"


class UserGrant(models.Model):
    """按人授权: one user may also do `action` on a catalogue item (code or prefix), on top of the role's grants."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="item_grants", verbose_name="用户"
    )
    item_prefix = models.CharField("业务编码(前缀)", max_length=8)
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="授权人"
    )
    granted_at = models.DateTimeField("授权时间", default=timezone.now)

    class Meta:
        verbose_name = "按人授权"
        verbose_name_plural = "按人授权"
        ordering = ["user_id", "item_prefix", "action"]
        constraints = [
            models.UniqueConstraint(fields=["user", "item_prefix", "action"], name="uniq_user_grant"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.item_prefix} {self.get_action_display()}"


class ActivityCount(models.Model):
    """查询量统计: how many queries of a kind (search page, API read) one user made on one day (an upsert counter)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="用户")
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="所属机构"
    )
    day = models.DateField("日期")
    kind = models.CharField("类别", max_length=20)
    count = models.PositiveIntegerField("次数", default=0)

    class Meta:
        verbose_name = "查询量统计"
        verbose_name_plural = "查询量统计"
        ordering = ["-day", "user_id", "kind"]
        constraints = [models.UniqueConstraint(fields=["user", "day", "kind"], name="uniq_activity_count")]
        indexes = [models.Index(fields=["day", "agency"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day} {self.kind} {self.count}"


class ActivitySample(models.Model):
    """查询记录样本: the last queries of each user (what was asked, ID numbers masked), for the activity monitor."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="用户")
    at = models.DateTimeField("时间", default=timezone.now)
    kind = models.CharField("类别", max_length=20)
    what = models.CharField("查询内容（脱敏）", max_length=200)

    class Meta:
        verbose_name = "查询记录样本"
        verbose_name_plural = "查询记录样本"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.at:%Y-%m-%d %H:%M} {self.what}"


class CatalogItem(models.Model):
    """GB/T 35617 社会保险业务分类: a cluster, group or leaf business item."""

    code = models.CharField("业务编码", max_length=8, primary_key=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    name = models.CharField("业务名称", max_length=100)
    name_en = models.CharField("英文名称", max_length=200, blank=True)
    description = models.TextField("业务描述", blank=True)
    is_leaf = models.BooleanField("末级业务", default=False)
    needs_review = models.BooleanField("需复核", default=True)
    retention = models.CharField("档案保管期限", max_length=20, blank=True)
    local_code = models.CharField("地方业务编码", max_length=30, blank=True)

    class Meta:
        verbose_name = "业务目录"
        verbose_name_plural = "业务目录"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def full_name(self) -> str:
        """Name with its parent's (e.g. 单位登记·参保登记) so leaf names are unambiguous."""
        if self.parent_id and self.parent and self.parent.parent_id and len(self.code) == 8:
            return f"{self.parent.name}·{self.name}"
        return self.name


class Case(models.Model):
    """业务经办单: one business act, from application to completion; nothing applies before approval."""

    number = models.CharField("业务流水号", max_length=32, unique=True)
    item = models.ForeignKey(CatalogItem, on_delete=models.PROTECT, verbose_name="业务事项")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, verbose_name="经办机构")
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    status = models.CharField("状态", max_length=12, choices=CaseStatus.choices, default=CaseStatus.SUBMITTED)
    employer = models.ForeignKey(
        "registration.Employer", null=True, blank=True, on_delete=models.PROTECT, verbose_name="申请单位"
    )
    person = models.ForeignKey(
        "registration.Person", null=True, blank=True, on_delete=models.PROTECT, verbose_name="申请人"
    )
    applicant_name = models.CharField("申请人名称", max_length=100)
    summary = models.CharField("摘要", max_length=200)
    payload = models.JSONField("申请内容", default=dict)
    result = models.JSONField("办理结果", default=dict, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申报人"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="经办人",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="复核人",
    )
    submitted_at = models.DateTimeField("申报时间")
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    approved_at = models.DateTimeField("复核时间", null=True, blank=True)
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_at = models.DateTimeField("退回/撤回时间", null=True, blank=True)
    due_date = models.DateField("办结时限", null=True, blank=True)
    due_note = models.CharField("时限说明", max_length=200, blank=True)
    reason = models.CharField("退回/撤回原因", max_length=500, blank=True)
    materials_waiver = models.CharField("容缺受理原因", max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "业务经办单"
        verbose_name_plural = "业务经办单"
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "status"]),
            models.Index(fields=["item", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.item.name}"

    @property
    def is_open(self) -> bool:
        return self.status in (CaseStatus.SUBMITTED, CaseStatus.ACCEPTED, CaseStatus.APPROVED)


class CaseKey(models.Model):
    """An open case's claim on its subject (item + ID number, unit or person): one open case per key.

    The unique index is what refuses a second submission for the same subject, even when two arrive at once;
    the keys are removed when the case is completed, rejected or withdrawn.
    """

    key = models.CharField("业务主体键", max_length=120)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="keys", verbose_name="业务经办单")
    field = models.CharField("字段", max_length=50, blank=True)

    class Meta:
        verbose_name = "在办业务主体"
        verbose_name_plural = "在办业务主体"
        # A constraint rather than `unique=True`: on PostgreSQL the latter adds a second (pattern) index on the key,
        # which nothing reads and which a bulk case of 5,000 persons paid for on every claim.
        constraints = [models.UniqueConstraint(fields=["key"], name="core_casekey_key_unique")]

    def __str__(self) -> str:
        return self.key


def _attachment_path(instance: Attachment, filename: str) -> str:
    return f"materials/{instance.case.submitted_at:%Y/%m}/{instance.case.number}/{instance.sha256[:16]}{instance.ext}"


class Attachment(models.Model):
    """申请材料: a file attached to a case (type and size checked on upload)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField("材料名称", max_length=50)
    file = models.FileField(upload_to=_attachment_path, max_length=255)
    original_name = models.CharField("原文件名", max_length=255)
    ext = models.CharField(max_length=10)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField("大小(字节)")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"

    def __str__(self) -> str:
        return f"{self.kind} {self.original_name}"


class AuditEvent(models.Model):
    """审计日志: append-only, hash-chained record of every business act (who, what, before/after)."""

    seq = models.BigIntegerField("序号", unique=True)
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="操作人账号"
    )
    actor_name = models.CharField("操作人", max_length=150)
    agency = models.ForeignKey(Agency, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="经办机构")
    item_code = models.CharField("业务编码", max_length=8, blank=True)
    action = models.CharField("动作", max_length=50)
    object_type = models.CharField("对象类型", max_length=50, blank=True)
    object_id = models.CharField("对象标识", max_length=64, blank=True)
    case = models.ForeignKey(Case, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="业务经办单")
    before = models.JSONField("变更前", null=True)
    after = models.JSONField("变更后", null=True)
    prev_hash = models.CharField("前序哈希", max_length=64)
    hash = models.CharField("本条哈希", max_length=64)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计日志只能追加，不能删除")


class AuditHead(models.Model):
    """The chain head (last sequence and hash); locked by each writer so the chain stays linear."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField("链头序号", default=0)
    hash = models.CharField("链头哈希", max_length=64, default="0" * 64)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"

    def __str__(self) -> str:
        return f"审计链头 #{self.seq}"


class PersonalDataAccess(models.Model):
    """个人敏感信息查看记录: who was shown a full ID number or bank account, of which record, on which page."""

    at = models.DateTimeField("查看时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="查看人账号"
    )
    actor_name = models.CharField("查看人", max_length=150)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="查看人所属机构"
    )
    object_type = models.CharField("对象类型", max_length=50)
    object_id = models.CharField("对象标识", max_length=64)
    field = models.CharField("查看内容", max_length=20, choices=PersonalField.choices)
    where = models.CharField("查看页面", max_length=200, blank=True)

    class Meta:
        verbose_name = "敏感信息查看记录"
        verbose_name_plural = "敏感信息查看记录"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"]), models.Index(fields=["actor", "at"])]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.get_field_display()} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("查看记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("查看记录只能追加，不能删除")


class IssuedDocument(models.Model):
    """出具文件登记: a receipt or certificate the system printed, what it certified (masked) and its digest.

    The verification code on the paper (`shebao.core.verification`) names this row and is signed; the page
    `/verify/<code>` shows the stored summary when the signature, the row and its digest all agree.
    """

    code = models.CharField("文件编号", max_length=16, unique=True)
    kind = models.CharField("文件种类", max_length=40)
    title = models.CharField("文件名称", max_length=100)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="业务经办单"
    )
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="出具机构"
    )
    issuer = models.CharField("出具机构名称", max_length=100)
    object_type = models.CharField("对象类型", max_length=50, blank=True)
    object_id = models.CharField("对象标识", max_length=64, blank=True)
    issued_at = models.DateTimeField("出具时间", default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    digest = models.CharField("内容摘要", max_length=64)
    summary = models.JSONField("证明内容（脱敏）", default=dict)

    class Meta:
        verbose_name = "出具文件"
        verbose_name_plural = "出具文件"
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_type", "object_id", "digest"], name="uniq_issued_document_content"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.code}"


class Parameter(models.Model):
    """业务参数: a dated value (rate, limit, base) for a region or nationally, with its legal source."""

    key = models.CharField("参数键", max_length=100)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, verbose_name="适用区划", help_text="空表示全国"
    )
    effective_from = models.DateField("生效日期")
    value = models.CharField("参数值", max_length=200)
    unit = models.CharField("单位", max_length=30, blank=True)
    legal_reference = models.CharField("政策依据", max_length=300, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    is_default = models.BooleanField("系统默认", default=False)
    verified = models.BooleanField(
        "依据已核实", default=True, help_text="政策依据是否已与正式文件核对；仅机构管理员可见，不向经办人员和群众显示"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "业务参数"
        verbose_name_plural = "业务参数"
        ordering = ["key", "region_id", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "region", "effective_from"],
                name="uniq_param_region_date",
            ),
            models.UniqueConstraint(
                fields=["key", "effective_from"],
                condition=models.Q(region__isnull=True),
                name="uniq_param_national_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.region_id or '全国'} {self.effective_from}: {self.value}"


class CalendarDay(models.Model):
    """法定节假日与调休: an exception to the Monday–Friday working week, maintained each year."""

    date = models.DateField("日期", primary_key=True)
    is_workday = models.BooleanField("是否工作日")
    name = models.CharField("说明", max_length=50, blank=True)

    class Meta:
        verbose_name = "节假日历"
        verbose_name_plural = "节假日历"

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '休息'} {self.name}"


class CalendarYear(models.Model):
    """A year whose holiday arrangement has been entered (a working-day count fails outside these)."""

    year = models.PositiveSmallIntegerField("年度", primary_key=True)
    source = models.CharField("来源", max_length=200, blank=True)

    class Meta:
        verbose_name = "节假日历年度"
        verbose_name_plural = "节假日历年度"

    def __str__(self) -> str:
        return str(self.year)


class Sequence(models.Model):
    """Named counter for human-readable numbers (case numbers, registration numbers)."""

    name = models.CharField(max_length=50, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


# Batch runs live in their own module (this one is long enough); importing them here makes them core's models.
from .batch_models import BatchChunk, BatchRun  # noqa: E402, F401
