"""1106 质量管理: start and execute a data-quality run over an agency's subtree; scoped reads of runs and findings.

A run is a business act of an agency administrator or auditor (机构管理员、稽核员; clerks may not start one), audited
at start (`quality.run.start`) and finish (`quality.run.finish`). Executing it runs every registered rule
(`quality_rules.QUALITY_RULES`) as one `INSERT INTO findings … SELECT` over the subtree's records, in one
transaction: a failed run leaves no findings and is marked 失败 with the reason. Runs and their findings are read
only by those roles, within their agency subtree (404 otherwise).
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from shebao.core.access import has_grant, is_staff
from shebao.core.audit import audit_write
from shebao.core.choices import Action, Role
from shebao.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from shebao.core.identifiers import normalise_code
from shebao.core.models import Agency
from shebao.registration.models import Employer, Enrolment, Person

from ..models import QualityFinding, QualityRun, QualityRunStatus
from .quality_rules import QUALITY_RULES, Dialect, QualityRule

ITEM = "1106"
QUALITY_ROLES = (Role.AGENCY_ADMIN, Role.AUDITOR)
STALE_AFTER = dt.timedelta(hours=1)  # a run still 检查中 after this is taken as dead (the process was stopped)
FAR = dt.date(9999, 12, 31)
EARLIEST = dt.date(1900, 1, 1)


def can_use_quality(actor) -> bool:
    """Agency administrators and auditors holding the view grant of 1106 may start and read quality runs."""
    return is_staff(actor) and actor.role in QUALITY_ROLES and has_grant(actor, ITEM, Action.VIEW)


def require_quality(actor) -> None:
    """403 unless the actor may start and read quality runs (checked before any work)."""
    if not can_use_quality(actor):
        raise PermissionDeniedError("数据质量检查仅限机构管理员、稽核员发起和查看（1106 质量管理）")


def rules_in_order() -> list[QualityRule]:
    """The registered rules in code order within each dimension's registration order."""
    return list(QUALITY_RULES.values())


def _parse_rules(rules, errors: dict) -> list[str]:
    if rules is None:
        return [r.code for r in rules_in_order()]
    if not isinstance(rules, list | tuple) or not all(isinstance(r, str) for r in rules):
        errors["rules"] = ['检查规则应为规则编码列表，如 ["YX01", "WY01"]']
        return []
    codes = [normalise_code(r) for r in rules]
    unknown = [c or "（空）" for c in codes if c not in QUALITY_RULES]
    if unknown:
        errors["rules"] = [f"未知的检查规则：{'、'.join(unknown)}"]
    elif not codes:
        errors["rules"] = ["请至少选择一条检查规则"]
    return [r.code for r in rules_in_order() if r.code in set(codes)]


def agencies_for(actor) -> QuerySet[Agency]:
    """The agencies whose subtree the actor may check: their own agency and those below it."""
    if not is_staff(actor):
        return Agency.objects.none()
    return Agency.objects.filter(path__startswith=actor.agency.path).order_by("path")


@transaction.atomic
def quality_run_start(*, actor, agency: str | None = None, rules: list[str] | None = None) -> QualityRun:
    """1106 质量管理: open a data-quality run over an agency's subtree (default the actor's own agency).

    403 for any role but 机构管理员/稽核员; `agency` (机构编码) unknown is 400, outside the actor's subtree 404;
    `rules` (codes; default every registered rule) with an unknown code is 400; a run of the same agency still
    检查中 is a 409 naming it. Audited as `quality.run.start`.
    """
    require_quality(actor)
    errors: dict[str, list[str]] = {}
    target = actor.agency
    if agency not in (None, ""):
        code = normalise_code(agency) if isinstance(agency, str) else ""
        if not code or len(code) > 20:
            errors["agency"] = ["经办机构编码无效"]
        else:
            target = Agency.objects.filter(code=code).first()
            if target is None:
                errors["agency"] = [f"经办机构「{code}」不存在"]
    codes = _parse_rules(rules, errors)
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], errors=errors)
    if not target.is_within(actor.agency):
        raise NotFoundError("经办机构不在您的数据范围内", field="agency")
    Agency.objects.select_for_update().filter(pk=target.pk).first()  # one start at a time per agency
    busy = (
        QualityRun.objects.filter(
            agency=target, status=QualityRunStatus.RUNNING, started_at__gte=timezone.now() - STALE_AFTER
        )
        .order_by("-id")
        .first()
    )
    if busy is not None:
        raise ConflictError(f"该经办机构的数据质量检查 #{busy.pk} 正在进行，请待其完成后再发起", field="agency")
    run = QualityRun.objects.create(agency=target, region_id=target.region_id, rules=codes, started_by=actor)
    audit_write(
        actor=actor,
        action="quality.run.start",
        item_code=ITEM,
        object_type="quality_run",
        object_id=run.pk,
        after={"agency": target.code, "rules": codes},
    )
    return run


def _execute(run: QualityRun) -> None:
    agency_ids = list(Agency.objects.filter(path__startswith=run.agency.path).values_list("pk", flat=True))
    d = Dialect(connection.vendor, agency_ids)
    d.prepare(connection)
    params = {
        "today": timezone.localdate(),
        "far": FAR,
        "earliest": EARLIEST,
        "run": run.pk,
    }
    table = QualityFinding._meta.db_table
    counts, seconds = {}, {}
    with connection.cursor() as cur:
        if d.pg:
            # For this transaction only: hash joins and aggregates over millions of rows stay in memory, and no JIT
            # compilation (it costs seconds per query here and saves less than it costs on these one-pass scans).
            cur.execute("SET LOCAL work_mem = '256MB'")
            cur.execute("SET LOCAL jit = off")
        for code in run.rules:
            rule = QUALITY_RULES[code]
            started = time.perf_counter()
            cur.execute(
                f"INSERT INTO {table} (run_id, rule, object_type, object_id, detail) "
                f"SELECT %(run)s, '{rule.code}', '{rule.object_type}', q.object_id, substr(q.detail, 1, 500) "
                f"FROM ({rule.query(d)}) q",
                params,
            )
            counts[code] = max(cur.rowcount, 0)
            seconds[code] = round(time.perf_counter() - started, 3)
    scope = {"agency__path__startswith": run.agency.path}
    run.counts, run.seconds, run.total = counts, seconds, sum(counts.values())
    run.persons = Person.objects.filter(**scope).count()
    run.employers = Employer.objects.filter(**scope).count()
    run.enrolments = Enrolment.objects.filter(**scope).count()


def quality_run(*, actor, run: QualityRun) -> QualityRun:
    """1106 质量管理: execute a started run — every rule's findings inserted set-wise, counted, audited.

    One transaction: findings, totals, 已完成 and the `quality.run.finish` audit row, or nothing and the run marked
    失败 with the reason (audited as `quality.run.fail`).
    """
    require_quality(actor)
    if run.status != QualityRunStatus.RUNNING:
        raise ConflictError(f"数据质量检查 #{run.pk} 已{run.get_status_display()}", field="run")
    try:
        with transaction.atomic():
            _execute(run)
            run.status, run.finished_at = QualityRunStatus.DONE, timezone.now()
            run.save()
            audit_write(
                actor=actor,
                action="quality.run.finish",
                item_code=ITEM,
                object_type="quality_run",
                object_id=run.pk,
                after={"total": run.total, "counts": run.counts},
            )
    except Exception as exc:
        with transaction.atomic():
            message = f"{type(exc).__name__}: {exc}"[:500]
            QualityRun.objects.filter(pk=run.pk).update(
                status=QualityRunStatus.FAILED, finished_at=timezone.now(), error=message
            )
            audit_write(
                actor=actor,
                action="quality.run.fail",
                item_code=ITEM,
                object_type="quality_run",
                object_id=run.pk,
                after={"error": message},
            )
        raise
    return run


def quality_check(*, actor, agency: str | None = None, rules: list[str] | None = None) -> QualityRun:
    """Start a run and execute it in this process (what the page and the API do)."""
    run = quality_run_start(actor=actor, agency=agency, rules=rules)
    return quality_run(actor=actor, run=run)


# -- reads -----------------------------------------------------------------------------------------------------


def quality_runs_for(actor) -> QuerySet[QualityRun]:
    """Runs the actor may read: those of agencies in their subtree (none for other roles)."""
    if not can_use_quality(actor):
        return QualityRun.objects.none()
    return QualityRun.objects.select_related("agency", "region", "started_by").filter(
        agency__path__startswith=actor.agency.path
    )


def quality_run_get_for(*, actor, run_id) -> QualityRun:
    """One run within the actor's scope, or NotFoundError (404)."""
    try:
        return quality_runs_for(actor).get(pk=int(run_id))
    except (QualityRun.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("数据质量检查不存在") from None


def check_rule(rule) -> str:
    """A rule code from a filter (normalised), 400 naming `rule` when unknown."""
    code = normalise_code(rule)
    if code not in QUALITY_RULES:
        raise ApplicationError(f"未知的检查规则：{code or '（空）'}", field="rule")
    return code


def findings_of(run: QualityRun, *, rule: str | None = None) -> QuerySet[QualityFinding]:
    """The run's findings (optionally of one rule), in rule then insertion order."""
    qs = QualityFinding.objects.filter(run=run)
    if rule:
        qs = qs.filter(rule=rule)
    return qs.order_by("rule", "id")


def rule_rows(run: QualityRun) -> list[dict]:
    """Per rule of the run: the rule, its count and seconds (rules no longer registered are shown by code)."""
    rows = []
    for code in run.rules:
        rule = QUALITY_RULES.get(code)
        rows.append(
            {
                "code": code,
                "rule": rule,
                "name": rule.name if rule else code,
                "dimension": rule.dimension_label if rule else "",
                "severity": rule.severity_label if rule else "",
                "severity_code": rule.severity if rule else "",
                "object_type": rule.object_label if rule else "",
                "count": int(run.counts.get(code, 0)),
                "seconds": run.seconds.get(code),
            }
        )
    return rows


def trend(run: QualityRun, *, last: int = 12) -> dict:
    """Counts per rule over the agency's last `last` finished runs up to this one (oldest first), as SVG bars."""
    runs = list(
        QualityRun.objects.filter(agency=run.agency, status=QualityRunStatus.DONE, pk__lte=run.pk)
        .order_by("-id")
        .only("id", "started_at", "counts", "total")[:last]
    )[::-1]
    series = []
    for code in run.rules:
        values = [int(r.counts[code]) if code in r.counts else None for r in runs]
        top = max([v for v in values if v is not None] or [0])
        points = []
        for idx, (r, v) in enumerate(zip(runs, values, strict=True)):
            height = 0 if not top or not v else max(2, round(30 * v / top))
            text = "未检查" if v is None else str(v)
            points.append(
                {
                    "run": r.pk,
                    "count": v,
                    "text": text,
                    "x": idx * 14,
                    "y": 31 - height,
                    "height": height,
                    "current": r.pk == run.pk,
                }
            )
        series.append(
            {
                "code": code,
                "name": QUALITY_RULES[code].name if code in QUALITY_RULES else code,
                "points": points,
                "label": "、".join(f"#{p['run']} {p['text']}" for p in points),
                "current": int(run.counts.get(code, 0)),
            }
        )
    return {"runs": runs, "series": series, "width": max(len(runs), 1) * 14}
