"""Audit log: append-only, hash-chained over every service; tampering and deletion are found by audit_verify."""

from __future__ import annotations

import itertools
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from shebao.conftest import employer_data
from shebao.core.audit import AuditEntry, audit_verify, audit_write, audit_write_many
from shebao.core.cases import case_approve, case_reject
from shebao.core.models import AuditEvent, AuditHead
from shebao.core.tests.auditkit import keyed_hash
from shebao.registration.services import employer_change, employer_enrol, person_change
from shebao.testing import material_files

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table


@pytest.fixture
def history(clerk, reviewer, make_employer, make_person):
    """A few services' worth of audit rows: employer and person enrolment, a change, a rejection."""
    employer = make_employer()
    person = make_person(employer)
    case_approve(
        actor=reviewer,
        case=employer_change(
            actor=clerk, employer=employer, changes={"name": "新名称有限公司"}, materials=material_files("01010102")
        ),
    )
    case_approve(actor=reviewer, case=person_change(actor=clerk, person=person, changes={"phone": "13700137000"}))
    case_reject(
        actor=reviewer,
        case=employer_enrol(actor=clerk, data=employer_data(), materials=material_files("01010101")),
        reason="材料不全",
    )
    return AuditEvent.objects.count()


def _run_verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def test_chain_is_continuous_over_several_services(history):
    events = list(AuditEvent.objects.order_by("seq"))
    assert history >= 15
    assert [e.seq for e in events] == list(range(1, history + 1))
    assert events[0].prev_hash == "0" * 64
    for prev, event in itertools.pairwise(events):
        assert event.prev_hash == prev.hash
    head = AuditHead.objects.get(id=1)
    assert (head.seq, head.hash) == (events[-1].seq, events[-1].hash)
    actions = {e.action for e in events}
    assert {
        "case.submit",
        "case.accept",
        "case.approve",
        "case.complete",
        "employer.create",
        "person.enrol",
        "employer.change",
        "person.change",
        "case.reject",
    } <= actions
    result = audit_verify()
    assert result.ok and result.checked == history


def test_verify_in_small_chunks(history):
    assert audit_verify(chunk=3).checked == history


def test_rows_refuse_update_and_delete(history):
    event = AuditEvent.objects.get(seq=2)
    event.action = "forged"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.get(seq=2).action != "forged"


@pytest.mark.django_db(transaction=True)
def test_audit_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        audit_write(actor=None, action="x")
    assert not AuditEvent.objects.exists()


def test_command_reports_ok(history):
    out = _run_verify()
    assert f"共检查 {history} 条记录" in out and "OK" in out


def test_command_reports_the_tampered_row(history):
    target = history // 2
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {TABLE} SET object_id = %s WHERE seq = %s", ["999999", target])
    result = audit_verify()
    assert result.broken_seq == target and result.checked == target - 1
    assert "篡改" in result.reason
    with pytest.raises(CommandError) as exc:
        _run_verify()
    assert f"seq={target}" in str(exc.value)
    assert exc.value.returncode == 1


def test_tampering_with_json_content_is_found(history):
    target = AuditEvent.objects.filter(action="employer.change").values_list("seq", flat=True).first()
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {TABLE} SET after = %s WHERE seq = %s", ['{"name": "伪造"}', target])
    assert audit_verify().broken_seq == target


def test_rehashing_a_tampered_row_breaks_the_next_link(history):
    """Recomputing the forged row's own hash does not help: the next row still points at the old hash."""
    target = 5
    event = AuditEvent.objects.get(seq=target)
    event.actor_name = "someone else"
    forged = keyed_hash(event)  # even with the key, the next row still points at the old hash
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {TABLE} SET actor_name = %s, hash = %s WHERE seq = %s", ["someone else", forged, target])
    result = audit_verify()
    assert result.broken_seq == target + 1
    assert "前序哈希" in result.reason


def test_deleting_a_middle_row_is_found(history):
    target = history // 2
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {TABLE} WHERE seq = %s", [target])
    result = audit_verify()
    assert result.broken_seq == target + 1
    with pytest.raises(CommandError) as exc:
        _run_verify()
    assert f"seq={target + 1}" in str(exc.value)


def test_deleting_the_last_rows_is_found(history):
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {TABLE} WHERE seq >= %s", [history - 1])
    result = audit_verify()
    assert not result.ok
    assert result.broken_seq == history - 1
    assert "链尾" in result.reason


def test_empty_chain_is_ok(db):
    assert audit_verify().ok
    assert "共检查 0 条记录" in _run_verify()


def test_write_many_in_one_transaction(db):
    with transaction.atomic():
        n = audit_write_many(
            actor=None, entries=[AuditEntry("test.bulk", "thing", str(i), None, {"i": i}) for i in range(250)]
        )
    assert n == 250
    assert audit_verify().checked == 250
    assert AuditEvent.objects.get(seq=1).actor_name == "系统"


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain():
    """Two threads append audit rows at the same time (PostgreSQL row lock on the chain head)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers on the whole database")
    rounds, per_round, errors = 15, 4, []
    barrier = threading.Barrier(2)

    def writer(name: str) -> None:
        try:
            barrier.wait(timeout=10)
            for r in range(rounds):
                with transaction.atomic():
                    audit_write_many(
                        actor=None,
                        item_code="",
                        entries=[
                            AuditEntry("test.concurrent", name, f"{r}-{i}", None, {"thread": name, "i": i})
                            for i in range(per_round)
                        ],
                    )
        except Exception as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("t1", "t2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    total = 2 * rounds * per_round
    assert AuditEvent.objects.filter(action="test.concurrent").count() == total
    result = audit_verify()
    assert result.ok, result.reason
    assert result.checked == AuditEvent.objects.count()
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
