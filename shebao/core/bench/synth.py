"""Synthetic populations: valid ID numbers from real county codes and plausible Chinese names, deterministic."""

from __future__ import annotations

import datetime as dt

from shebao.core.models import Region
from shebao.core.synthetic import citizen_id

# The most common surnames and given-name characters (enough for realistic prefix selectivity).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪"
    "范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹香月莺媛"
    "瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园"
    "艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽浩宇轩博文涛鹏辉"
)

_EPOCH = dt.date(1960, 1, 1)
_DAYS = 16_000  # birth dates 1960-01-01 … 2003-10-22: every person is of working age


def county_codes(*, province: str | None = None, exclude_province: str | None = None) -> list[str]:
    """County-level region codes from the Region table (optionally of one province, or all but one)."""
    qs = Region.objects.filter(level="county", retired=False)
    if province:
        qs = qs.filter(code__startswith=province)
    if exclude_province:
        qs = qs.exclude(code__startswith=exclude_province)
    return list(qs.order_by("code").values_list("code", flat=True))


def indexed_id(index: int, areas: list[str]) -> str:
    """The index-th synthetic ID number: distinct indexes give distinct numbers (1,000 per birth date)."""
    seq = index % 1000
    day = (index // 1000) % _DAYS
    area = areas[(index // (1000 * _DAYS)) % len(areas)]
    return citizen_id(area, _EPOCH + dt.timedelta(days=day), seq)


def indexed_name(index: int) -> str:
    """A deterministic two- or three-character Chinese name for a person index."""
    s = SURNAMES[index % len(SURNAMES)]
    g1 = GIVEN[(index // len(SURNAMES)) % len(GIVEN)]
    rest = index // (len(SURNAMES) * len(GIVEN))
    if rest % 3 == 0:
        return s + g1
    return s + g1 + GIVEN[(rest * 7 + index) % len(GIVEN)]


def birth_of(number: str) -> dt.date:
    """Birth date encoded in an 18-digit ID number."""
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def gender_of(number: str) -> str:
    """'1' male (odd 17th digit) or '2' female."""
    return "1" if int(number[16]) % 2 else "2"
