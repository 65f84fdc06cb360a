"""Demo of 111101 应急机制 and 111102 定期演练: the four scenarios' plans (made and reviewed through cases) in 上城区,
a restore drill scheduled for next week and a tabletop exercise held with its findings."""

from __future__ import annotations

import datetime as dt

from shebao.core.cases import case_approve

from ..models import DrillKind
from ..services.emergency import emergency_drill_record, emergency_drill_schedule, emergency_plan_change

PLANS = {
    "db_loss": {
        "title": "核心业务数据库损毁应急预案",
        "roles": ["总指挥：分管副主任", "技术组：信息科负责数据库恢复", "业务组：经办科负责窗口解释与补录"],
        "steps": [
            "确认损毁范围，停止应用写入",
            "取最近一次备份，按清单校验 SHA-256",
            "pg_restore 恢复到备用数据库并核对各表行数与审计链头",
            "切换应用连接，补录备份后的业务",
        ],
        "contacts": ["信息科 王工 13800571001", "机房值班 0571-87000001"],
        "rto_minutes": 240,
        "rpo_minutes": 1440,
    },
    "dc_outage": {
        "title": "机房故障（断电、网络中断）应急预案",
        "roles": ["总指挥：中心主任", "技术组：信息科", "后勤组：办公室"],
        "steps": ["启用备用电源并评估恢复时间", "超过30分钟无法恢复时启用异地备份环境", "窗口改为登记受理，恢复后补办"],
        "contacts": ["信息科 李工 13800571002", "供电抢修 0571-95598"],
        "rto_minutes": 480,
        "rpo_minutes": 1440,
    },
    "data_leak": {
        "title": "个人信息数据泄露应急预案",
        "roles": ["总指挥：中心主任", "调查组：稽核科", "技术组：信息科"],
        "steps": [
            "封堵泄露途径，冻结相关账号",
            "导出审计日志与个人信息访问记录",
            "评估影响范围并按规定报告",
            "通知受影响的参保人",
        ],
        "contacts": ["稽核科 赵工 13800571003", "网信部门 0571-12377"],
        "rto_minutes": 120,
        "rpo_minutes": 60,
    },
    "batch_failure": {
        "title": "月度批处理失败应急预案",
        "roles": ["技术组：信息科负责续跑", "业务组：征缴科负责核对"],
        "steps": ["查看批处理页面失败分块与错误", "修正原因后续跑（已完成分块不重复）", "核对应缴汇总与上月差异"],
        "contacts": ["信息科 钱工 13800571004"],
        "rto_minutes": 180,
        "rpo_minutes": 60,
    },
}


def load(ctx) -> None:
    """Four plans (made by the clerk, approved by the reviewer of 上城区) and two drills."""
    clerk, reviewer = ctx.staff["sc:clerk"], ctx.staff["sc:reviewer"]
    plans = {}
    for scenario, data in PLANS.items():
        case = emergency_plan_change(actor=clerk, data=data, scenario=scenario, note="初次制定")
        case = case_approve(actor=reviewer, case=case)
        plans[scenario] = case.result["plan_id"]
    from ..models import EmergencyPlan

    today = ctx.today
    db_plan = EmergencyPlan.objects.get(pk=plans["db_loss"])
    emergency_drill_schedule(
        actor=clerk, plan=db_plan, scheduled_on=today + dt.timedelta(days=7), responsible="王工", kind=DrillKind.RESTORE
    )
    leak = emergency_drill_schedule(
        actor=clerk,
        plan=EmergencyPlan.objects.get(pk=plans["data_leak"]),
        scheduled_on=today,
        responsible="赵工",
        kind=DrillKind.TABLETOP,
    )
    emergency_drill_record(
        actor=clerk,
        drill=leak,
        ok=True,
        total_minutes=95,
        findings="通知参保人的短信模板未预先备案，需补充；稽核科与网信部门联系方式需每季度核对。",
    )
