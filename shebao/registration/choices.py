"""Enumerations of cluster 01 (社会保险关系管理)."""

from django.db import models


class UnitType(models.TextChoices):
    ENTERPRISE = "10", "企业"
    INSTITUTION = "30", "事业单位"
    ORGAN = "50", "机关"
    SOCIAL_ORG = "55", "社会团体"
    PRIVATE_NONPROFIT = "60", "民办非企业单位"
    INDIVIDUAL_BUSINESS = "70", "个体工商户"
    OTHER = "90", "其他"


class EmployerStatus(models.TextChoices):
    ACTIVE = "active", "正常参保"
    CANCELLED = "cancelled", "已注销"


class PersonCategory(models.TextChoices):
    EMPLOYEE = "employee", "单位职工"
    FLEXIBLE = "flexible", "灵活就业人员"
    RESIDENT = "resident", "城乡居民"


class PersonStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    TERMINATED = "terminated", "关系终止"


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", "参保缴费"
    SUSPENDED = "suspended", "暂停缴费（停保）"
    ENDED = "ended", "终止参保"


class ContributionMethod(models.TextChoices):
    EMPLOYER = "employer", "单位代扣代缴"
    BANK = "bank", "银行代扣"
    SELF = "self", "个人自行缴纳"


class TerminationReason(models.TextChoices):
    DEATH = "death", "死亡"
    EMIGRATION = "emigration", "出国（境）定居"
    DUPLICATE = "duplicate", "重复参保"
    OTHER = "other", "其他"


class Gender(models.TextChoices):
    MALE = "1", "男"
    FEMALE = "2", "女"


class Scheme(models.TextChoices):
    EMPLOYEE = "employee", "职工"
    RESIDENT = "resident", "城乡居民"
