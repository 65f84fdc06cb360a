"""The planted-defect population of the 1106 tests: good records and one bad record (or pair) per rule.

`plant(agency)` builds, with the factories, in `agency`: good employers, persons and enrolments that no rule may
flag, and for every registered built-in rule the record(s) it must flag. It returns `{rule code: {(object type,
object id), …}}` — the exact set each rule must find. Some bad records rightly trip a second rule (a 15-digit or
lower-case duplicate is also not a valid 18-digit number); those are listed under both rules.
"""

from __future__ import annotations

import datetime as dt

from shebao.core.identifiers import id_check_digit
from shebao.core.synthetic import uscc
from shebao.core.tests.factories import valid_id_number
from shebao.registration.choices import EmployerStatus, EnrolmentStatus, PersonStatus
from shebao.registration.tests.factories import EmployerFactory, EnrolmentFactory, PersonFactory

_seq = iter(range(900_000, 10_000_000))

# rule → what is planted (the table of planted cases, shown in docs/operations-quality.md as well)
PLANTED_CASES = {
    "WZ01": "参保人姓名为空",
    "WZ02": "参保人社会保障号码为空",
    "WZ03": "参保人性别为空",
    "WZ04": "单位职工、关系正常、没有所在单位",
    "WZ05": "单位法定代表人为空",
    "WZ06": "单位地址为空",
    "WZ07": "单位联系电话为空",
    "WZ08": "单位行业代码为空",
    "YX01": "社会保障号码末位校验位改错（另：15位号码的重复人员）",
    "YX02": "地址码 990100（不存在）但校验位正确的号码",
    "YX03": "性别代码 9",
    "YX04": "出生日期在明年（号码与之一致）",
    "YX05": "统一社会信用代码末位改错（另：小写的重复单位）",
    "YX06": "统一社会信用代码区划码 999999，校验位正确",
    "YX07": "1970年起参保、1980年出生",
    "YX08": "终止月 2020-01 早于起始月 2020-06",
    "YX09": "注销日期早于登记日期",
    "YZ01": "同一单位同一险种 2019-01～2020-12 与 2020-06 起两段重叠",
    "YZ02": "两个单位同一险种 2019-01～2020-12 与 2020-06 起两段重叠",
    "YZ03": "已注销单位下仍在参保的一条记录",
    "YZ04": "登记出生日期比号码晚一天",
    "YZ05": "登记性别与号码第17位相反",
    "YZ06": "关系已终止人员仍在参保",
    "WY01": "18位号码与其15位旧号码各登记一人",
    "WY02": "统一社会信用代码与其小写形式各登记一个单位",
}


def _id(birth: dt.date, area: str = "330102") -> str:
    first17 = f"{area}{birth:%Y%m%d}{next(_seq) % 1000:03d}"
    return first17 + id_check_digit(first17)


def _person(agency, employer, **kw):
    kw.setdefault("id_number", valid_id_number(next(_seq)))
    return PersonFactory(agency=agency, employer=employer, enrolments=[], **kw)


def _enrol(person, employer=None, start=dt.date(2021, 1, 1), **kw):
    return EnrolmentFactory(person=person, employer=employer, agency=person.agency, start_month=start, **kw)


def plant(agency) -> dict[str, set[tuple[str, int]]]:
    """Good records plus one planted defect per rule in `agency`; the exact findings each rule must give."""
    n = next(_seq)
    good, other = EmployerFactory(agency=agency), EmployerFactory(agency=agency)
    for _i in range(3):  # good persons, each with two enrolments and a closed earlier one that does not overlap
        p = _person(agency, good)
        _enrol(p, good, dt.date(2018, 1, 1), end_month=dt.date(2020, 12, 1), status=EnrolmentStatus.ENDED)
        _enrol(p, good, dt.date(2021, 1, 1))
        _enrol(p, good, dt.date(2021, 1, 1), insurance_type_id="310")
    P = lambda obj: ("person", obj.pk)  # noqa: E731
    M = lambda obj: ("employer", obj.pk)  # noqa: E731
    N = lambda obj: ("enrolment", obj.pk)  # noqa: E731
    x: dict[str, set] = {code: set() for code in PLANTED_CASES}

    x["WZ01"].add(P(_person(agency, good, name="")))
    x["WZ02"].add(P(_person(agency, good, id_number="", gender="1", birth_date=dt.date(1980, 1, 1))))
    x["WZ03"].add(P(_person(agency, good, gender="")))
    x["WZ04"].add(P(_person(agency, None)))
    x["WZ05"].add(M(EmployerFactory(agency=agency, legal_rep="")))
    x["WZ06"].add(M(EmployerFactory(agency=agency, address="  ")))
    x["WZ07"].add(M(EmployerFactory(agency=agency, contact_phone="")))
    x["WZ08"].add(M(EmployerFactory(agency=agency, industry_code="")))

    number = valid_id_number(next(_seq))
    bad = number[:17] + ("0" if number[17] != "0" else "1")
    x["YX01"].add(P(_person(agency, good, id_number=bad)))
    x["YX02"].add(P(_person(agency, good, id_number=_id(dt.date(1980, 5, 5), area="990100"))))
    x["YX03"].add(P(_person(agency, good, gender="9")))
    future = dt.date.today().replace(month=1, day=1) + dt.timedelta(days=400)
    x["YX04"].add(P(_person(agency, good, id_number=_id(future), birth_date=future)))
    code = uscc(agency.region_id, 700_000 + n)
    x["YX05"].add(M(EmployerFactory(agency=agency, uscc=code[:17] + ("0" if code[17] != "0" else "1"))))
    x["YX06"].add(M(EmployerFactory(agency=agency, uscc=uscc("999999", 710_000 + n))))
    born80 = _person(agency, good, id_number=_id(dt.date(1980, 3, 3)))
    x["YX07"].add(N(_enrol(born80, good, dt.date(1970, 1, 1))))
    p = _person(agency, good)
    x["YX08"].add(N(_enrol(p, good, dt.date(2020, 6, 1), end_month=dt.date(2020, 1, 1), status=EnrolmentStatus.ENDED)))
    x["YX09"].add(
        M(
            EmployerFactory(
                agency=agency,
                status=EmployerStatus.CANCELLED,
                registered_on=dt.date(2020, 1, 1),
                cancelled_on=dt.date(2019, 1, 1),
            )
        )
    )

    p = _person(agency, good)
    _enrol(p, good, dt.date(2019, 1, 1), end_month=dt.date(2020, 12, 1), status=EnrolmentStatus.ENDED)
    x["YZ01"].add(N(_enrol(p, good, dt.date(2020, 6, 1))))
    p = _person(agency, good)
    _enrol(p, other, dt.date(2019, 1, 1), end_month=dt.date(2020, 12, 1), status=EnrolmentStatus.ENDED)
    x["YZ02"].add(N(_enrol(p, good, dt.date(2020, 6, 1))))
    gone = EmployerFactory(
        agency=agency, status=EmployerStatus.CANCELLED, registered_on=dt.date(2020, 1, 1), cancelled_on=dt.date.today()
    )
    x["YZ03"].add(N(_enrol(_person(agency, gone), gone)))
    p = _person(agency, good)
    p.birth_date += dt.timedelta(days=1)
    p.save(update_fields=["birth_date"])
    x["YZ04"].add(P(p))
    p = _person(agency, good)
    p.gender = "2" if p.gender == "1" else "1"
    p.save(update_fields=["gender"])
    x["YZ05"].add(P(p))
    p = _person(agency, good, status=PersonStatus.TERMINATED, terminated_on=dt.date(2024, 1, 1))
    x["YZ06"].add(N(_enrol(p, good)))

    eighteen = _id(dt.date(1975, 7, 7))
    fifteen = eighteen[:6] + eighteen[8:17]
    a = _person(agency, good, id_number=eighteen)
    b = _person(agency, good, id_number=fifteen, birth_date=a.birth_date, gender=a.gender)
    x["WY01"] |= {P(a), P(b)}
    x["YX01"].add(P(b))
    code = uscc(agency.region_id, 720_000 + n)
    while code == code.lower():  # make sure the code has a letter to lower-case
        n += 1
        code = uscc(agency.region_id, 720_000 + n)
    u1 = EmployerFactory(agency=agency, uscc=code)
    u2 = EmployerFactory(agency=agency, uscc=code.lower())
    x["WY02"] |= {M(u1), M(u2)}
    x["YX05"].add(M(u2))
    return x
