"""The receivable ledger and payment allocations are append-only: on PostgreSQL a trigger refuses UPDATE/DELETE."""

from django.db import migrations

TABLES = ("contributions_receivable", "contributions_paymentallocation")

FUNCTION = """
CREATE OR REPLACE FUNCTION shebao_refuse_ledger_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = '账簿只能追加，不能修改或删除（表 ' || TG_TABLE_NAME || '）',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION shebao_refuse_ledger_change()"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")


class Migration(migrations.Migration):
    dependencies = [("contributions", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
