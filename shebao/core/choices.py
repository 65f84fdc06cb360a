"""Enumerations of the platform spine."""

from django.db import models


class Role(models.TextChoices):
    CLERK = "clerk", "经办员"
    REVIEWER = "reviewer", "复核员"
    AGENCY_ADMIN = "agency_admin", "机构管理员"
    AUDITOR = "auditor", "稽核员"
    FINANCE = "finance", "财务人员"
    EMPLOYER = "employer", "单位经办人"
    INSURED = "insured", "参保人"


class Action(models.TextChoices):
    HANDLE = "handle", "经办"
    REVIEW = "review", "复核"
    VIEW = "view", "查询"


class Channel(models.TextChoices):
    WINDOW = "window", "窗口"
    ONLINE = "online", "网上经办"
    BATCH = "batch", "批量"


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", "已申报"
    ACCEPTED = "accepted", "已受理"
    APPROVED = "approved", "已复核"
    COMPLETED = "completed", "已办结"
    REJECTED = "rejected", "已退回"
    WITHDRAWN = "withdrawn", "已撤回"


OPEN_CASE_STATUSES = (CaseStatus.SUBMITTED, CaseStatus.ACCEPTED, CaseStatus.APPROVED)


class RegionLevel(models.TextChoices):
    PROVINCE = "province", "省级"
    PREFECTURE = "prefecture", "地级"
    COUNTY = "county", "县级"


class PersonalField(models.TextChoices):
    """Personal data shown in full only to those entitled, each showing logged (个人敏感信息)."""

    ID_NUMBER = "id_number", "社会保障号码"
    BANK_ACCOUNT = "bank_account", "银行账号"
