"""020402: the set-based allocation agrees with a plain Python reading of the documented order, on random ledgers
(several months, types, persons, late fees, negative adjustments) and several payments."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

import pytest

from shebao.contributions.choices import PaymentChannel, ReceivableKind
from shebao.contributions.models import PaymentAllocation
from shebao.contributions.services.collection import post_payment
from shebao.contributions.services.collection_check import check_ledgers
from shebao.contributions.tests.collection.factories import receivable
from shebao.registration.tests.factories import EmployerFactory, PersonFactory

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020402")]

D = Decimal
ZERO = D("0.00")


def reference(lines: list[dict], payments: list[tuple[int, Decimal]]) -> dict[tuple[int, int], list[Decimal]]:
    """(payment, line) → [employer part, individual part], by the rules of docs/decisions.md."""
    caps = {}
    groups = defaultdict(list)
    for ln in lines:
        groups[(ln["person"], ln["itype"], ln["period"], ln["lf"])].append(ln)
    for members in groups.values():
        for part in ("e", "i"):
            open_total = sum(m[part] for m in members)
            before = ZERO
            for m in sorted(members, key=lambda x: x["id"]):
                rem = max(m[part], ZERO)
                caps[(m["id"], part)] = max(min(open_total - before, rem), ZERO)
                before += rem
    queue = sorted(
        ((ln, part) for ln in lines for part in ("i", "e") if caps[(ln["id"], part)] > 0),
        key=lambda x: (x[0]["period"], x[0]["lf"], x[1] != "i", x[0]["itype"], x[0]["person"] or 0, x[0]["id"]),
    )
    out: dict[tuple[int, int], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    slot = iter(queue)
    current, left = None, ZERO
    for payment_id, amount in payments:
        money = amount
        while money > 0:
            if left == 0:
                current = next(slot, None)
                if current is None:
                    break
                left = caps[(current[0]["id"], current[1])]
            take = min(money, left)
            out[(payment_id, current[0]["id"])][0 if current[1] == "e" else 1] += take
            money -= take
            left -= take
    return {k: v for k, v in out.items() if v != [ZERO, ZERO]}


@pytest.mark.parametrize("seed", range(12))
def test_engine_matches_the_reference(clerk, agencies, seed):
    rng = random.Random(seed)
    unit = EmployerFactory(agency=agencies["a"])
    persons = [PersonFactory(employer=unit) for _ in range(2)]
    lines = []
    for m in range(1, rng.randint(2, 4)):
        period = dt.date(2026, m, 1)
        for person in persons:
            for itype in rng.sample(["110", "210", "310"], 2):
                e, i = D(rng.randint(1, 400)), D(rng.randint(0, 200))
                line = receivable(
                    employer=unit, person=person, itype=itype, period=period, employer_amount=e, individual_amount=i
                )
                lines.append(
                    {"id": line.pk, "person": person.pk, "itype": itype, "period": period, "lf": 0, "e": e, "i": i}
                )
                if rng.random() < 0.3:  # a later downward correction of the same person, type and month
                    de, di = -D(rng.randint(0, int(e))), -D(rng.randint(0, int(i)))
                    adj = receivable(
                        employer=unit,
                        person=person,
                        itype=itype,
                        period=period,
                        employer_amount=de,
                        individual_amount=di,
                        kind=ReceivableKind.ADJUSTMENT,
                    )
                    lines.append(
                        {"id": adj.pk, "person": person.pk, "itype": itype, "period": period, "lf": 0, "e": de, "i": di}
                    )
        if rng.random() < 0.5:
            fee = receivable(
                employer=unit,
                itype="110",
                period=period,
                employer_amount=D(rng.randint(1, 30)),
                kind=ReceivableKind.LATE_FEE,
            )
            lines.append(
                {
                    "id": fee.pk,
                    "person": None,
                    "itype": "110",
                    "period": period,
                    "lf": 1,
                    "e": fee.employer_amount,
                    "i": ZERO,
                }
            )
    total = sum(ln["e"] + ln["i"] for ln in lines)
    payments = []
    for n in range(rng.randint(1, 3)):
        amount = D(rng.randint(1, int(total * 2 // 3) + 1)) + D(rng.randint(0, 99)) / 100
        payment, _ = post_payment(
            actor=clerk,
            employer=unit,
            agency=unit.agency,
            channel=PaymentChannel.COUNTER,
            reference=f"S{seed}-{n}",
            amount=amount,
            paid_on=dt.date(2026, 4, 1 + n),
        )
        payments.append((payment.pk, amount))
    got = {}
    for a in PaymentAllocation.objects.filter(payment__employer=unit):
        got[(a.payment_id, a.receivable_id)] = [a.employer_part, a.individual_part]
    assert got == reference(lines, payments)
    assert check_ledgers(employer_ids=[unit.pk]).ok
