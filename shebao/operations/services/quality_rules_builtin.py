"""1106 质量管理: the built-in data-quality rules over cluster 01 (persons, employers, enrolments), by dimension.

Registered on import (by `quality_rules`); each rule is one set-based SELECT written against `Dialect`.
"""

from __future__ import annotations

from collections.abc import Callable

from .quality_rules import USCC18, Dialect, Dimension, ObjectType, QualityRule, Severity, register_quality_rule

# ----------------------------------------------------------------------------------------------------------------
# The built-in rules over cluster 01 (persons, employers, enrolments)
# ----------------------------------------------------------------------------------------------------------------


def _who(d: Dialect, p: str = "p") -> str:
    """「姓名（110105********002X）」 of a person row alias."""
    return f"{p}.name || '（' || {d.mask(f'{p}.id_number')} || '）'"


def _unit(m: str = "m") -> str:
    return f"{m}.name || '（' || {m}.reg_no || '）'"


def _person_rule(condition: Callable[[Dialect], str], message: Callable[[Dialect], str]):
    def query(d: Dialect) -> str:
        return (
            f"SELECT p.id AS object_id, {message(d)} AS detail FROM {d.person} p "
            f"WHERE {d.scope('p.agency_id')} AND {condition(d)}"
        )

    return query


def _employer_rule(condition: Callable[[Dialect], str], message: Callable[[Dialect], str]):
    def query(d: Dialect) -> str:
        return (
            f"SELECT m.id AS object_id, {message(d)} AS detail FROM {d.employer} m "
            f"WHERE {d.scope('m.agency_id')} AND {condition(d)}"
        )

    return query


def _blank(column: str) -> str:
    return f"trim({column}) = ''"


def _overlap(d: Dialect, employers: str) -> str:
    """Pairs of one person's enrolments of one insurance type whose periods overlap (end_month inclusive).

    The unique index `uniq_open_enrolment` allows one enrolment per person and insurance type that is not 终止参保,
    so every overlapping pair holds at least one ended enrolment `a`: the query starts from those (few) and looks
    up the same person's other enrolments `b` of the type through the index on (person, insurance type, start
    month). A pair of two ended enrolments is taken once (b.id > a.id). The later enrolment (higher id) is reported.
    """
    return (
        "SELECT CASE WHEN b.id > a.id THEN b.id ELSE a.id END AS object_id, "
        f"'险种 ' || a.insurance_type_id || ' 参保记录 #' || {d.text('a.id')} || '（' || {d.text('a.start_month')} || "
        f"' 起）与 #' || {d.text('b.id')} || '（' || {d.text('b.start_month')} || ' 起）期间重叠：' || {_who(d)} "
        "AS detail "
        f"FROM {d.enrolment} a JOIN {d.enrolment} b ON b.person_id = a.person_id "
        "AND b.insurance_type_id = a.insurance_type_id AND b.id <> a.id "
        f"JOIN {d.person} p ON p.id = a.person_id "
        f"WHERE a.status = 'ended' AND (b.status <> 'ended' OR b.id > a.id) AND {d.scope('a.agency_id')} "
        "AND a.start_month <= COALESCE(b.end_month, %(far)s) AND b.start_month <= COALESCE(a.end_month, %(far)s) "
        f"AND {employers}"
    )


def _dup_ids(d: Dialect) -> str:
    """Persons whose 社会保障号码 equals another's after normalisation (full-width, case, spaces, 15 → 18 digits).

    Exact duplicates cannot exist (unique constraint), so every duplicate group holds a non-canonical number: take
    those (one scan with a cheap form test), their normalised keys, the canonical persons holding one of the keys
    (looked up through the unique index, the keys passed as one array), and keep the keys held more than once.
    """
    return (
        f"WITH odd AS {d.materialized} (SELECT p.id, {d.norm_id('p.id_number')} AS k, p.name, p.id_number "
        f"FROM {d.person} p WHERE {d.scope('p.agency_id')} AND p.id_number <> '' AND NOT {d.id18('p.id_number')}), "
        "cand AS (SELECT id, k, name, id_number FROM odd UNION "
        f"SELECT q.id, q.id_number, q.name, q.id_number FROM {d.person} q "
        f"WHERE {d.in_set('q.id_number', 'SELECT k FROM odd')} AND {d.scope('q.agency_id')}), "
        "dup AS (SELECT k, COUNT(*) AS n FROM cand GROUP BY k HAVING COUNT(*) > 1) "
        f"SELECT c.id AS object_id, '规范化后的社会保障号码 ' || {d.mask('dup.k')} || ' 与其他 ' || "
        f"{d.text('dup.n - 1')} || ' 人重复：' || {_who(d, 'c')} AS detail "
        "FROM cand c JOIN dup ON dup.k = c.k"
    )


def _dup_uscc(d: Dialect) -> str:
    key = d.norm_code("m.uscc")
    return (
        f"WITH keyed AS (SELECT m.id, {key} AS k FROM {d.employer} m WHERE {d.scope('m.agency_id')}), "
        "dup AS (SELECT k, COUNT(*) AS n FROM keyed GROUP BY k HAVING COUNT(*) > 1) "
        f"SELECT c.id AS object_id, '规范化后的统一社会信用代码 ' || dup.k || ' 与其他 ' || {d.text('dup.n - 1')} || "
        f"' 个单位重复：' || {_unit()} AS detail "
        f"FROM keyed c JOIN dup ON dup.k = c.k JOIN {d.employer} m ON m.id = c.id"
    )


_R = register_quality_rule
C, V, K, U = Dimension.COMPLETENESS, Dimension.VALIDITY, Dimension.CONSISTENCY, Dimension.UNIQUENESS
HIGH, MEDIUM, LOW = Severity.HIGH, Severity.MEDIUM, Severity.LOW
P, E, N = ObjectType.PERSON, ObjectType.EMPLOYER, ObjectType.ENROLMENT

# 完整性 -------------------------------------------------------------------------------------------------------
_R(
    QualityRule(
        "WZ01",
        "参保人姓名为空",
        C,
        HIGH,
        P,
        _person_rule(lambda d: _blank("p.name"), lambda d: f"'姓名为空：社会保障号码 ' || {d.mask('p.id_number')}"),
    )
)
_R(
    QualityRule(
        "WZ02",
        "参保人社会保障号码为空",
        C,
        HIGH,
        P,
        _person_rule(lambda d: _blank("p.id_number"), lambda d: "'社会保障号码为空：' || p.name"),
    )
)
_R(
    QualityRule(
        "WZ03",
        "参保人性别为空",
        C,
        MEDIUM,
        P,
        _person_rule(lambda d: _blank("p.gender"), lambda d: f"'性别为空：' || {_who(d)}"),
    )
)
_R(
    QualityRule(
        "WZ04",
        "单位职工未登记所在单位",
        C,
        MEDIUM,
        P,
        _person_rule(
            lambda d: "p.category = 'employee' AND p.employer_id IS NULL AND p.status = 'active'",
            lambda d: f"'人员类别为单位职工但未登记所在单位：' || {_who(d)}",
        ),
        "人员类别为单位职工、关系正常，但没有所在单位",
    )
)
_R(
    QualityRule(
        "WZ05",
        "单位法定代表人为空",
        C,
        MEDIUM,
        E,
        _employer_rule(lambda d: _blank("m.legal_rep"), lambda d: f"'法定代表人为空：' || {_unit()}"),
    )
)
_R(
    QualityRule(
        "WZ06",
        "单位地址为空",
        C,
        MEDIUM,
        E,
        _employer_rule(lambda d: _blank("m.address"), lambda d: f"'地址为空：' || {_unit()}"),
    )
)
_R(
    QualityRule(
        "WZ07",
        "单位联系人或联系电话为空",
        C,
        LOW,
        E,
        _employer_rule(
            lambda d: f"({_blank('m.contact_name')} OR {_blank('m.contact_phone')})",
            lambda d: f"'联系人或联系电话为空：' || {_unit()}",
        ),
    )
)
_R(
    QualityRule(
        "WZ08",
        "单位行业代码为空",
        C,
        LOW,
        E,
        _employer_rule(lambda d: _blank("m.industry_code"), lambda d: f"'行业代码（GB/T 4754）为空：' || {_unit()}"),
    )
)

# 有效性 -------------------------------------------------------------------------------------------------------
_R(
    QualityRule(
        "YX01",
        "社会保障号码格式或校验位错误",
        V,
        HIGH,
        P,
        _person_rule(
            lambda d: f"p.id_number <> '' AND NOT {d.id_ok('p.id_number')}",
            lambda d: f"'社会保障号码不是18位或校验位错误（ISO 7064 MOD 11-2）：' || {_who(d)}",
        ),
        "18位，前17位为数字，末位按 GB 11643 的 MOD 11-2 校验",
    )
)
_R(
    QualityRule(
        "YX02",
        "社会保障号码地址码不在行政区划代码表中",
        V,
        MEDIUM,
        P,
        _person_rule(
            lambda d: f"{d.id18('p.id_number')} AND substr(p.id_number, 1, 6) NOT IN (SELECT r.code FROM {d.region} r)",
            lambda d: f"'社会保障号码前6位不是 GB/T 2260 行政区划代码（含已撤销代码）：' || {_who(d)}",
        ),
    )
)
_R(
    QualityRule(
        "YX03",
        "性别代码无效",
        V,
        MEDIUM,
        P,
        _person_rule(
            lambda d: "trim(p.gender) <> '' AND p.gender NOT IN ('1', '2')",
            lambda d: f"'性别代码「' || p.gender || '」不在 GB/T 2261.1 代码表中（1 男、2 女）：' || {_who(d)}",
        ),
    )
)
_R(
    QualityRule(
        "YX04",
        "出生日期不合理",
        V,
        HIGH,
        P,
        _person_rule(
            lambda d: "(p.birth_date > %(today)s OR p.birth_date < %(earliest)s)",
            lambda d: f"'出生日期 ' || {d.text('p.birth_date')} || ' 晚于检查日或早于1900年：' || {_who(d)}",
        ),
    )
)
_R(
    QualityRule(
        "YX05",
        "统一社会信用代码格式或校验位错误",
        V,
        HIGH,
        E,
        _employer_rule(
            lambda d: f"NOT {d.uscc_ok('m.uscc')}",
            lambda d: f"'统一社会信用代码 ' || m.uscc || ' 格式或校验位错误（GB 32100）：' || {_unit()}",
        ),
    )
)
_R(
    QualityRule(
        "YX06",
        "统一社会信用代码中的区划码无效",
        V,
        LOW,
        E,
        _employer_rule(
            lambda d: (
                f"{d.matches('m.uscc', USCC18)} AND substr(m.uscc, 3, 6) NOT IN (SELECT r.code FROM {d.region} r)"
            ),
            lambda d: f"'统一社会信用代码第3–8位 ' || substr(m.uscc, 3, 6) || ' 不是行政区划代码：' || {_unit()}",
        ),
    )
)
_R(
    QualityRule(
        "YX07",
        "参保起始月早于出生月",
        V,
        HIGH,
        N,
        lambda d: (
            f"SELECT e.id AS object_id, '险种 ' || e.insurance_type_id || ' 参保起始月 ' || {d.text('e.start_month')} "
            f"|| ' 早于出生日期 ' || {d.text('p.birth_date')} || '：' || {_who(d)} AS detail "
            f"FROM {d.enrolment} e JOIN {d.person} p ON p.id = e.person_id "
            f"WHERE {d.scope('e.agency_id')} AND e.start_month < {d.month_start('p.birth_date')}"
        ),
    )
)
_R(
    QualityRule(
        "YX08",
        "参保终止月早于起始月",
        V,
        HIGH,
        N,
        lambda d: (
            f"SELECT e.id AS object_id, '险种 ' || e.insurance_type_id || ' 终止月 ' || {d.text('e.end_month')} || "
            f"' 早于起始月 ' || {d.text('e.start_month')} || '：' || {_who(d)} AS detail "
            f"FROM {d.enrolment} e JOIN {d.person} p ON p.id = e.person_id "
            f"WHERE {d.scope('e.agency_id')} AND e.end_month < e.start_month"
        ),
    )
)
_R(
    QualityRule(
        "YX09",
        "单位注销日期早于登记日期",
        V,
        MEDIUM,
        E,
        _employer_rule(
            lambda d: "m.cancelled_on < m.registered_on",
            lambda d: (
                f"'注销日期 ' || {d.text('m.cancelled_on')} || ' 早于登记日期 ' || "
                f"{d.text('m.registered_on')} || '：' || {_unit()}"
            ),
        ),
    )
)

# 一致性 -------------------------------------------------------------------------------------------------------
_R(
    QualityRule(
        "YZ01",
        "同一险种参保期间重叠",
        K,
        HIGH,
        N,
        lambda d: _overlap(d, "(a.employer_id IS NULL OR b.employer_id IS NULL OR a.employer_id = b.employer_id)"),
        "同一人同一险种的两条参保记录期间重叠（同一单位或个人参保）",
    )
)
_R(
    QualityRule(
        "YZ02",
        "同一险种同时在两个单位参保",
        K,
        HIGH,
        N,
        lambda d: _overlap(d, "a.employer_id <> b.employer_id"),
        "同一人同一险种在两个不同单位的参保期间重叠",
    )
)
_R(
    QualityRule(
        "YZ03",
        "已注销单位仍有未终止的参保记录",
        K,
        HIGH,
        N,
        lambda d: (
            f"SELECT e.id AS object_id, '单位已注销，险种 ' || e.insurance_type_id || ' 参保记录未终止：' || "
            f"{_unit()} || ' ' || {_who(d)} AS detail "
            f"FROM {d.employer} m JOIN {d.enrolment} e ON e.employer_id = m.id JOIN {d.person} p ON p.id = e.person_id "
            f"WHERE m.status = 'cancelled' AND e.status <> 'ended' AND {d.scope('e.agency_id')}"
        ),
    )
)
_R(
    QualityRule(
        "YZ04",
        "社会保障号码中的出生日期与登记不符",
        K,
        MEDIUM,
        P,
        _person_rule(
            lambda d: f"{d.id18('p.id_number')} AND substr(p.id_number, 7, 8) <> {d.ymd('p.birth_date')}",
            lambda d: f"'登记出生日期 ' || {d.text('p.birth_date')} || ' 与社会保障号码第7–14位不符：' || {_who(d)}",
        ),
    )
)
_R(
    QualityRule(
        "YZ05",
        "社会保障号码中的性别与登记不符",
        K,
        MEDIUM,
        P,
        _person_rule(
            lambda d: (
                f"p.gender IN ('1', '2') AND {d.id18('p.id_number')} AND "
                "(CASE WHEN CAST(substr(p.id_number, 17, 1) AS INTEGER) %% 2 = 1 THEN '1' ELSE '2' END) <> p.gender"
            ),
            lambda d: f"'登记性别与社会保障号码第17位（奇数为男、偶数为女）不符：' || {_who(d)}",
        ),
    )
)
_R(
    QualityRule(
        "YZ06",
        "关系已终止人员仍有未终止的参保记录",
        K,
        HIGH,
        N,
        lambda d: (
            f"SELECT e.id AS object_id, '社会保险关系已终止，险种 ' || e.insurance_type_id || ' 参保记录未终止：' || "
            f"{_who(d)} AS detail "
            f"FROM {d.person} p JOIN {d.enrolment} e ON e.person_id = p.id "
            f"WHERE p.status = 'terminated' AND e.status <> 'ended' AND {d.scope('p.agency_id')}"
        ),
    )
)

# 唯一性 -------------------------------------------------------------------------------------------------------
_R(
    QualityRule(
        "WY01",
        "社会保障号码重复（规范化后）",
        U,
        HIGH,
        P,
        _dup_ids,
        "全角、大小写、空格规范化并将15位号码升为18位后相同的号码",
    )
)
_R(QualityRule("WY02", "统一社会信用代码重复（规范化后）", U, HIGH, E, _dup_uscc))
