"""Keyed, anchored audit chain: HMAC rows, signed checkpoints outside the database, masking of secrets."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from shebao.core.audit import AuditEntry, audit_checkpoint, audit_verify, audit_write, audit_write_many
from shebao.core.audit_anchor import _key_from_file, audit_key, checkpoints_read
from shebao.core.cases import case_approve
from shebao.core.models import AuditEvent, AuditHead
from shebao.core.tests.auditkit import keyed_hash, plain_sha256
from shebao.registration.services import person_change

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table
HEAD = AuditHead._meta.db_table


@pytest.fixture
def log(db):
    """Three transactions' worth of audit rows (30 rows)."""
    for t in range(3):
        with transaction.atomic():
            audit_write_many(
                actor=None,
                item_code="01010201",
                entries=[
                    AuditEntry("person.enrol", "person", str(t * 10 + i), None, {"n": t * 10 + i}) for i in range(10)
                ],
            )
    return AuditEvent.objects.count()


def _verify_command() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def _set_head_to_last_row() -> None:
    last = AuditEvent.objects.order_by("-seq").first()
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {HEAD} SET seq = %s, hash = %s WHERE id = 1", [last.seq, last.hash])


def test_untouched_log_with_checkpoints_passes(log, anchor_file):
    call_command("audit_checkpoint", stdout=StringIO())
    with transaction.atomic():
        audit_write(actor=None, action="person.change", object_type="person", object_id="1", after={"x": 1})
    call_command("audit_checkpoint", stdout=StringIO())
    assert len(checkpoints_read()) == 2
    result = audit_verify()
    assert result.ok, result.reason
    assert (result.checked, result.checkpoints) == (log + 1, 2)
    assert "共检查 31 条记录、2 个检查点，OK" in _verify_command()


def test_deleting_the_tail_and_setting_the_head_back_is_found_by_the_checkpoint(log, anchor_file):
    call_command("audit_checkpoint", stdout=StringIO())
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {TABLE} WHERE seq > %s", [log - 4])
    _set_head_to_last_row()
    result = audit_verify()
    assert not result.ok
    assert "锚定文件第 1 行" in result.reason and f"seq={log}" in result.reason and "链尾记录被删除" in result.reason
    with pytest.raises(CommandError) as exc:
        _verify_command()
    assert "检查点" in str(exc.value) and exc.value.returncode == 1


def test_rewriting_a_row_and_recomputing_the_chain_with_sha256_is_found(log):
    """Without the key an intruder can only recompute plain SHA-256 hashes: the first forged row is reported."""
    target = 12
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {TABLE} SET after = %s WHERE seq = %s", ['{"n": 999}', target])
    prev = AuditEvent.objects.get(seq=target - 1).hash
    for event in AuditEvent.objects.filter(seq__gte=target).order_by("seq"):
        digest = plain_sha256(event, prev)
        with connection.cursor() as cur:
            cur.execute(f"UPDATE {TABLE} SET prev_hash = %s, hash = %s WHERE seq = %s", [prev, digest, event.seq])
        prev = digest
    _set_head_to_last_row()
    result = audit_verify()
    assert result.broken_seq == target and "篡改" in result.reason
    with pytest.raises(CommandError) as exc:
        _verify_command()
    assert f"seq={target}" in str(exc.value)


def test_a_chain_rewritten_even_with_the_key_disagrees_with_the_checkpoint(log):
    """An insider holding the key recomputes every HMAC: the checkpoint taken earlier still holds the old hash."""
    audit_checkpoint()
    target = 5
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {TABLE} SET after = %s WHERE seq = %s", ['{"n": 999}', target])
    prev = AuditEvent.objects.get(seq=target - 1).hash
    for event in AuditEvent.objects.filter(seq__gte=target).order_by("seq"):
        digest = keyed_hash(event, prev)
        with connection.cursor() as cur:
            cur.execute(f"UPDATE {TABLE} SET prev_hash = %s, hash = %s WHERE seq = %s", [prev, digest, event.seq])
        prev = digest
    _set_head_to_last_row()
    result = audit_verify()
    assert result.broken_seq == log and "检查点" in result.reason and "改写" in result.reason


def test_a_forged_checkpoint_line_is_refused(log, anchor_file):
    audit_checkpoint()
    line = json.loads(anchor_file.read_text())
    line["seq"] = 3
    with anchor_file.open("a") as fh:
        fh.write(json.dumps(line) + "\n")
    result = audit_verify()
    assert not result.ok and "第 2 行签名无效" in result.reason


def test_checkpoint_command_skips_an_unchanged_head_and_keeps_the_file_private(log, anchor_file):
    out = StringIO()
    call_command("audit_checkpoint", stdout=out)
    assert f"seq={log}" in out.getvalue()
    call_command("audit_checkpoint", stdout=(out := StringIO()))
    assert "未写入检查点" in out.getvalue()
    assert len(anchor_file.read_text().splitlines()) == 1
    assert stat.S_IMODE(os.stat(anchor_file).st_mode) == 0o600


def test_a_different_key_fails_verification(log, settings):
    settings.SHEBAO_AUDIT_KEY = "another-key-another-key-another-key-0000"
    assert audit_verify().broken_seq == 1


def test_key_file_is_created_private_on_first_use(settings, tmp_path):
    settings.SHEBAO_AUDIT_KEY = ""
    settings.SHEBAO_AUDIT_KEY_FILE = tmp_path / "keys" / "audit.key"
    _key_from_file.cache_clear()
    key = audit_key()
    assert len(key) == 64 and audit_key() == key
    assert stat.S_IMODE(os.stat(settings.SHEBAO_AUDIT_KEY_FILE).st_mode) == 0o600
    settings.SHEBAO_AUDIT_KEY_FILE = tmp_path / "missing.key"
    settings.SHEBAO_AUDIT_KEY_CREATE = False
    with pytest.raises(ImproperlyConfigured):
        audit_key()


def test_production_settings_require_the_audit_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHEBAO_AUDIT_KEY")}
    env["SHEBAO_SECRET_KEY"] = "x" * 50
    code = "import shebao.settings.production"
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=django_settings.BASE_DIR
    )
    assert run.returncode != 0 and "SHEBAO_AUDIT_KEY" in run.stderr
    env["SHEBAO_AUDIT_KEY"] = "k" * 40
    assert subprocess.run([sys.executable, "-c", code], env=env, cwd=django_settings.BASE_DIR).returncode == 0


# ----------------------------------------------------------------------------------------------------------------
# Masking of ID numbers and bank accounts
# ----------------------------------------------------------------------------------------------------------------


def test_old_bank_account_is_masked_in_the_audit_before(clerk, reviewer, make_employer, make_person):
    person = make_person(make_employer())
    first = {"benefit_bank_account": "6222021202001234567", "benefit_bank_name": "工商银行"}
    case_approve(actor=reviewer, case=person_change(actor=clerk, person=person, changes=first))
    person.refresh_from_db()
    changes = {"benefit_bank_account": "6222021202007654321", "benefit_bank_name": "建设银行"}
    case_approve(actor=reviewer, case=person_change(actor=clerk, person=person, changes=changes))
    event = AuditEvent.objects.filter(action="person.change", object_id=str(person.pk)).order_by("-seq").first()
    assert event.before["benefit_bank_account"] == "622202*********4567"
    assert event.after["benefit_bank_account"].endswith("4321") and "76543" not in event.after["benefit_bank_account"]
    stored = json.dumps([event.before, event.after])
    assert "6222021202001234567" not in stored and "6222021202007654321" not in stored
    assert audit_verify().ok


def test_id_numbers_and_accounts_are_masked_anywhere_in_before_and_after(db):
    with transaction.atomic():
        audit_write(
            actor=None,
            action="person.import",
            before={"id_number": "110105194912310021", "bank_account": 6222021202009999},
            after={"rows": [{"id_number": "11010519491231002X", "name": "张三"}], "employer_bank_account": "12345678"},
        )
    event = AuditEvent.objects.get()
    assert event.before == {"id_number": "110105********0021", "bank_account": "622202******9999"}
    assert event.after == {
        "rows": [{"id_number": "110105********002X", "name": "张三"}],
        "employer_bank_account": "****5678",
    }
    assert audit_verify().ok


def test_integer_keys_and_decimals_verify(db):
    from decimal import Decimal

    with transaction.atomic():
        audit_write(
            actor=None, action="x", after={"amount": Decimal("1.10"), "by_month": {2: "b", 10: "a"}, "q": [1, None]}
        )
    assert AuditEvent.objects.get().after == {"amount": "1.10", "by_month": {"2": "b", "10": "a"}, "q": [1, None]}
    assert audit_verify().ok


# ----------------------------------------------------------------------------------------------------------------
# Migration 0003: an existing plain SHA-256 chain is re-signed with the key, only when intact
# ----------------------------------------------------------------------------------------------------------------


def _make_legacy_chain() -> None:
    """Rewrite the current rows' hashes the way the pre-0003 code computed them (plain SHA-256)."""
    prev = "0" * 64
    for event in AuditEvent.objects.order_by("seq"):
        digest = plain_sha256(event, prev)
        with connection.cursor() as cur:
            cur.execute(f"UPDATE {TABLE} SET prev_hash = %s, hash = %s WHERE seq = %s", [prev, digest, event.seq])
        prev = digest
    _set_head_to_last_row()


def test_migration_rekeys_an_intact_legacy_chain(log):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("shebao.core.migrations.0003_audit_anchor")
    _make_legacy_chain()
    assert audit_verify().broken_seq == 1
    migration.rekey_chain(apps, None)
    result = audit_verify()
    assert result.ok and result.checked == log


def test_migration_refuses_to_rekey_a_tampered_legacy_chain(log):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("shebao.core.migrations.0003_audit_anchor")
    _make_legacy_chain()
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {TABLE} SET object_id = %s WHERE seq = 7", ["forged"])
    with pytest.raises(RuntimeError, match="seq=7"):
        migration.rekey_chain(apps, None)
