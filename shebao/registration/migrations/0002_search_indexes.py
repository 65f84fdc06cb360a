"""Search indexes on PostgreSQL: name contains (bigrams, GIN), pinyin order by initial, ID/USCC last digits."""

from django.db import migrations

BIGRAMS = """
CREATE OR REPLACE FUNCTION registration_name_bigrams(text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
$$ SELECT ARRAY(SELECT DISTINCT substr($1, i, 2) FROM generate_series(1, char_length($1) - 1) AS i) $$
"""

# (index name, table, expression) — created only on PostgreSQL; SQLite searches without them.
INDEXES = [
    ("person_name_bigrams_idx", "registration_person", "USING gin (registration_name_bigrams(name))"),
    ("person_id_number_rev_idx", "registration_person", "(reverse(id_number) text_pattern_ops)"),
    ("employer_name_bigrams_idx", "registration_employer", "USING gin (registration_name_bigrams(name))"),
    ("employer_uscc_rev_idx", "registration_employer", "(reverse(uscc) text_pattern_ops)"),
    ("employer_reg_no_rev_idx", "registration_employer", "(reverse(reg_no) text_pattern_ops)"),
]
# One-character (surname) search in pinyin order: WHERE left(name, 1) = %s ORDER BY name COLLATE "zh-x-icu", id
PINYIN_INDEXES = [
    ("person_initial_pinyin_idx", "registration_person", '(left(name, 1), (name COLLATE "zh-x-icu"), id)'),
    ("employer_initial_pinyin_idx", "registration_employer", '(left(name, 1), (name COLLATE "zh-x-icu"), id)'),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        cur.execute(BIGRAMS)
        for name, table, expression in INDEXES:
            cur.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {expression}")
        cur.execute("SELECT 1 FROM pg_collation WHERE collname = 'zh-x-icu'")
        if cur.fetchone():
            for name, table, expression in PINYIN_INDEXES:
                cur.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {expression}")
        cur.execute("ANALYZE registration_person")
        cur.execute("ANALYZE registration_employer")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        for name, _, _ in [*INDEXES, *PINYIN_INDEXES]:
            cur.execute(f"DROP INDEX IF EXISTS {name}")
        cur.execute("DROP FUNCTION IF EXISTS registration_name_bigrams(text)")


class Migration(migrations.Migration):
    dependencies = [("registration", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
