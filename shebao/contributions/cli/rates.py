"""`manage.py contributions determine-rates --region R --from YYYY-MM [--grade 1.0] [--user NAME]` (02020101)."""

from __future__ import annotations

from . import Subcommand


def _arguments(parser) -> None:
    parser.add_argument("--region", required=True, help="行政区划代码（GB/T 2260），含其下级区划的经办机构")
    parser.add_argument(
        "--from", dest="from_month", required=True, help="起始月 YYYY-MM（晚于单位工伤参保起始月时从起始月）"
    )
    parser.add_argument("--grade", default="1.0", help="浮动费率档次（默认 1.0）")
    parser.add_argument("--user", default="", help="以该经办人员的名义办理（校验权限和数据范围）；默认为系统")


def _determine(command, *, region: str, from_month: str, grade: str, user: str = "", **_) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management.base import CommandError

    from shebao.contributions.services.rates_bulk import employer_rate_determine_region

    actor = None
    if user:
        actor = get_user_model().objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"用户 {user} 不存在或已停用")
    result = employer_rate_determine_region(actor=actor, region=region, from_month=from_month, float_grade=grade)
    write = command.stdout.write
    write(
        f"区划 {result.region}，{result.from_month:%Y-%m} 起，浮动档次 {result.float_grade}："
        f"核定 {result.created} 个单位"
    )
    for risk_class, count in sorted(result.by_class.items()):
        write(f"  第{risk_class}类行业：{count} 个")
    for risk_class, why in sorted(result.classes_refused.items()):
        write(f"  第{risk_class}类行业未核定：{why}")
    if result.skipped_assessed:
        write(f"  跳过 {result.skipped_assessed} 个单位：工伤保险已有核定应缴的月份，请逐户办理费率核定（补差）")


COMMANDS = {
    "determine-rates": Subcommand(
        help="全区工伤保险费率初次核定：为尚无工伤保险费率的正常参保单位按行业基准费率 × 浮动档次核定费率"
        "（可重复执行）",
        arguments=_arguments,
        handle=_determine,
    )
}
