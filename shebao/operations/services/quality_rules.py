"""1106 质量管理: the registry of data-quality rules (GB/T 31954-2015 dimensions) and their SQL dialect.

A rule is ONE set-based SELECT that yields `object_id` and `detail` for every offending record in the checked
agency subtree; the run wraps it in `INSERT INTO <findings> … SELECT` (see `services/quality.py`), so no record is
read into Python. The SQL is written once against a small `Dialect`: on PostgreSQL every check (ISO 7064 MOD 11-2
for 社会保障号码, GB 32100 for 统一社会信用代码, masking, normalisation) is plain SQL; on SQLite (development and
the SQLite test run) the same query calls Python functions registered on the connection.

Parameters every query may use (write the agency scope with `d.scope(column)`):
`%(today)s` (the run's date), `%(far)s` (9999-12-31, the open end of a period), `%(earliest)s` (1900-01-01).
Write `%%` for a literal percent sign. Add a rule from any app with `register_quality_rule(QualityRule(...))`
(in its `items` module, so it is registered at start-up).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from shebao.core.identifiers import USCC_ALPHABET, id_check_digit, mask_id, normalise_code, uscc_check_char
from shebao.core.models import Agency, Region
from shebao.registration.models import Employer, Enrolment, Person

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ID18 = "^[0-9]{17}[0-9X]$"
USCC18 = "^[0-9A-HJ-NPQRTUWXY]{18}$"
FULL_WIDTH = ("０１２３４５６７８９ＸｘＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ", "0123456789XXABCDEFGHJKLMNPQRTUWXY")


class Dimension(models.TextChoices):
    """GB/T 31954-2015 数据质量维度."""

    COMPLETENESS = "completeness", "完整性"
    VALIDITY = "validity", "有效性"
    CONSISTENCY = "consistency", "一致性"
    UNIQUENESS = "uniqueness", "唯一性"


class Severity(models.TextChoices):
    HIGH = "high", "高"
    MEDIUM = "medium", "中"
    LOW = "low", "低"


class ObjectType(models.TextChoices):
    PERSON = "person", "参保人"
    EMPLOYER = "employer", "参保单位"
    ENROLMENT = "enrolment", "参保记录"


@dataclass(frozen=True)
class QualityRule:
    """1106 质量规则: code, Chinese name, dimension, severity, the kind of record it flags and its one query."""

    code: str
    name: str
    dimension: str
    severity: str
    object_type: str
    query: Callable[[Dialect], str]  # SELECT object_id, detail FROM … (scoped with d.scope)
    description: str = ""

    @property
    def dimension_label(self) -> str:
        return Dimension(self.dimension).label

    @property
    def severity_label(self) -> str:
        return Severity(self.severity).label

    @property
    def object_label(self) -> str:
        return ObjectType(self.object_type).label


QUALITY_RULES: dict[str, QualityRule] = {}


def register_quality_rule(rule: QualityRule) -> QualityRule:
    """Add a rule to the registry; a code registered twice, or an unknown dimension, stops start-up."""
    if rule.code in QUALITY_RULES:
        raise ImproperlyConfigured(f"质量规则 {rule.code} 重复登记")
    if rule.dimension not in Dimension.values or rule.severity not in Severity.values:
        raise ImproperlyConfigured(f"质量规则 {rule.code} 的维度或严重程度无效")
    if rule.object_type not in ObjectType.values:
        raise ImproperlyConfigured(f"质量规则 {rule.code} 的对象类型无效")
    QUALITY_RULES[rule.code] = rule
    return rule


# ----------------------------------------------------------------------------------------------------------------
# Dialect: the few expressions that differ between PostgreSQL and SQLite
# ----------------------------------------------------------------------------------------------------------------


def _py_id_ok(value) -> int:
    if value is None or len(value) != 18 or not value[:17].isascii() or not value[:17].isdigit():
        return 0
    return int(value[17] == id_check_digit(value[:17]))


def _py_uscc_ok(value) -> int:
    if value is None or len(value) != 18 or any(ch not in USCC_ALPHABET for ch in value):
        return 0
    return int(uscc_check_char(value[:17]) == value[17])


def _py_norm_id(value) -> str:
    number = normalise_code(value)
    if len(number) == 15 and number.isascii() and number.isdigit():
        first17 = number[:6] + "19" + number[6:]
        return first17 + id_check_digit(first17)
    return number


def _py_regexp(pattern, value) -> int:
    import re

    return int(value is not None and re.search(pattern, str(value)) is not None)


class Dialect:
    """SQL fragments for one database vendor (PostgreSQL: plain SQL; SQLite: registered Python functions)."""

    def __init__(self, vendor: str, agency_ids: list[int] | tuple[int, ...] = ()):
        self.vendor = vendor
        self.pg = vendor == "postgresql"
        self.agency_ids = tuple(int(pk) for pk in agency_ids)

    # tables
    person = Person._meta.db_table
    employer = Employer._meta.db_table
    enrolment = Enrolment._meta.db_table
    agency = Agency._meta.db_table
    region = Region._meta.db_table

    def scope(self, column: str) -> str:
        """`column` (an agency id) lies in the checked agency subtree.

        The subtree's agency ids are listed literally (they are integers read from the database): the planner then
        estimates the rows in scope from its statistics, where a sub-select on the path would look selective and
        lead it into millions of index probes.
        """
        return f"{column} IN ({', '.join(map(str, self.agency_ids)) or 'NULL'})"

    def matches(self, expr: str, pattern: str) -> str:
        return f"{expr} ~ '{pattern}'" if self.pg else f"{expr} REGEXP '{pattern}'"

    def id18(self, expr: str) -> str:
        """`expr` has the form of an 18-digit number: 18 ASCII bytes, digits, the last a digit or X.

        Cheaper than a regular expression (one scan of the 1M-row table in a fraction of the time): 18 bytes means
        18 ASCII characters, and stripping the leading digits leaves nothing or the final X.
        """
        if not self.pg:
            return self.matches(expr, ID18)
        return f"(octet_length({expr}) = 18 AND ltrim({expr}, '0123456789') IN ('', 'X'))"

    @property
    def materialized(self) -> str:
        """A CTE computed once (PostgreSQL inlines CTEs referenced once unless told)."""
        return "MATERIALIZED" if self.pg else ""

    def in_set(self, expr: str, subquery: str) -> str:
        """`expr` is one of the subquery's values; on PostgreSQL as `= ANY(ARRAY(…))`, so an index on `expr` is used
        whatever the planner guesses about the subquery's size."""
        return f"{expr} = ANY(ARRAY({subquery}))" if self.pg else f"{expr} IN ({subquery})"

    def mask(self, expr: str) -> str:
        """`core.identifiers.mask_id` in SQL: 110105********002X."""
        if not self.pg:
            return f"shebao_mask({expr})"
        return (
            f"CASE WHEN length({expr}) <= 10 THEN substr({expr}, 1, 2) || repeat('*', greatest(length({expr}) - 2, 0))"
            f" ELSE substr({expr}, 1, 6) || repeat('*', length({expr}) - 10) || right({expr}, 4) END"
        )

    def id_ok(self, expr: str) -> str:
        """True when `expr` is 17 digits and the right ISO 7064 MOD 11-2 check character (GB 11643)."""
        if not self.pg:
            return f"shebao_id_ok({expr}) = 1"
        total = " + ".join(f"(ascii(substr({expr}, {i}, 1)) - 48) * {w}" for i, w in enumerate(ID_WEIGHTS, start=1))
        return (
            f"(CASE WHEN {self.id18(expr)} "
            f"THEN substr('{ID_CHECK}', ({total}) %% 11 + 1, 1) = substr({expr}, 18, 1) ELSE false END)"
        )

    def uscc_ok(self, expr: str) -> str:
        """True when `expr` is 18 characters of the GB 32100 alphabet with the right check character."""
        if not self.pg:
            return f"shebao_uscc_ok({expr}) = 1"
        total = " + ".join(
            f"(strpos('{USCC_ALPHABET}', substr({expr}, {i}, 1)) - 1) * {w}" for i, w in enumerate(USCC_WEIGHTS, 1)
        )
        return (
            f"(CASE WHEN {self.matches(expr, USCC18)} "
            f"THEN substr('{USCC_ALPHABET}', (31 - ({total}) %% 31) %% 31 + 1, 1) = substr({expr}, 18, 1) "
            "ELSE false END)"
        )

    def norm_code(self, expr: str) -> str:
        """`normalise_code` for the characters that matter in codes: trimmed, upper case, full-width to ASCII."""
        if not self.pg:
            return f"shebao_norm_code({expr})"
        return f"translate(upper(btrim({expr})), '{FULL_WIDTH[0]}', '{FULL_WIDTH[1]}')"

    def norm_id(self, expr: str) -> str:
        """The normalised 社会保障号码: `norm_code`, and a 15-digit number converted to 18 (as `id_from_15`)."""
        if not self.pg:
            return f"shebao_norm_id({expr})"
        n = self.norm_code(expr)
        # first17 = n[1..6] + '19' + n[7..15]; '1' and '9' at weights 2 and 1 add 11 ≡ 0 (mod 11).
        picks = [(i, w) for i, w in zip(range(1, 7), ID_WEIGHTS[:6], strict=True)]
        picks += [(i - 2, w) for i, w in zip(range(9, 18), ID_WEIGHTS[8:], strict=True)]
        total = " + ".join(f"(ascii(substr(x.n, {i}, 1)) - 48) * {w}" for i, w in picks)
        return (
            f"(SELECT CASE WHEN x.n ~ '^[0-9]{{15}}$' THEN substr(x.n, 1, 6) || '19' || substr(x.n, 7, 9) || "
            f"substr('{ID_CHECK}', ({total}) %% 11 + 1, 1) ELSE x.n END FROM (SELECT {n} AS n) x)"
        )

    def month_start(self, expr: str) -> str:
        if self.pg:
            return f"({expr} - (EXTRACT(DAY FROM {expr})::int - 1))"
        return f"date({expr}, 'start of month')"

    def ymd(self, expr: str) -> str:
        """A date as YYYYMMDD text."""
        return f"to_char({expr}, 'YYYYMMDD')" if self.pg else f"replace({expr}, '-', '')"

    def text(self, expr: str) -> str:
        """Any value as text, for a detail message."""
        return f"CAST({expr} AS {'text' if self.pg else 'TEXT'})"

    def prepare(self, connection) -> None:
        """Register the Python fallbacks on a SQLite connection (nothing to do on PostgreSQL)."""
        if self.pg:
            return
        connection.ensure_connection()
        raw = connection.connection
        raw.create_function("shebao_mask", 1, mask_id, deterministic=True)
        raw.create_function("shebao_id_ok", 1, _py_id_ok, deterministic=True)
        raw.create_function("shebao_uscc_ok", 1, _py_uscc_ok, deterministic=True)
        raw.create_function("shebao_norm_code", 1, normalise_code, deterministic=True)
        raw.create_function("shebao_norm_id", 1, _py_norm_id, deterministic=True)


# The built-in rules live in their own module; importing it registers them (it imports the registry above).
from . import quality_rules_builtin  # noqa: E402, F401
