"""PostgreSQL COPY helpers for set-based bulk writes (psycopg 3 `cursor.copy`), used by batch appliers."""

from __future__ import annotations

from django.db import connection

_PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


def copy_columns(model) -> tuple[list, str]:
    """The concrete non-pk fields of `model` and the COPY … FROM STDIN statement for them."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
    return fields, sql


def copy_value(field, value):
    """A field value as COPY takes it (choices enums as plain strings, others through the field)."""
    if field.get_internal_type() in _PLAIN_TYPES:
        return str(value) if isinstance(value, str) else value  # choices enums become plain strings
    return field.get_db_prep_save(value, connection)


def copy_new_objects(model, objs: list, *, key: str) -> None:
    """PostgreSQL COPY of unsaved instances (every concrete field but the pk), then their pks read back by `key`."""
    if not objs:
        return
    fields, sql = copy_columns(model)
    with connection.wrap_database_errors, connection.cursor() as cur, cur.copy(sql) as copy:
        for obj in objs:
            copy.write_row([copy_value(f, f.pre_save(obj, True)) for f in fields])
    keys = [getattr(obj, key) for obj in objs]
    pks: dict = {}
    for i in range(0, len(keys), 5000):
        pks.update(model.objects.filter(**{f"{key}__in": keys[i : i + 5000]}).values_list(key, "pk"))
    for obj in objs:
        obj.pk = pks[getattr(obj, key)]
        obj._state.adding, obj._state.db = False, connection.alias
