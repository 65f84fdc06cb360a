"""Set-based helpers for bulk services: one statement per set on PostgreSQL (COPY, arrays), chunks elsewhere.

- `copy_rows`: COPY (psycopg 3 `cursor.copy`) instead of INSERT; `copy_layout` builds the rows from the values
  a service has, the other columns at their model defaults.
- `reserve_pks`: primary keys for rows about to be COPYed, from the table's own sequence, so nothing needs to
  be read back after the write.
- `rows_where_in`: the rows whose column is one of many values, as one `= ANY(array)` query on PostgreSQL
  (a 5,000-value `IN (%s, …)` costs more to build and to parse than to run) and 5,000-value chunks elsewhere;
  `array_param` passes such arrays as one literal when their elements are plain codes or integers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

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
CHUNK = 5000


def is_postgresql() -> bool:
    """True when the default connection is PostgreSQL (COPY and array parameters available)."""
    return connection.vendor == "postgresql"


_SAFE_ELEMENT = re.compile(r"[0-9A-Za-z:_.-]+", re.ASCII)


def array_param(values: Sequence):
    """A PostgreSQL array parameter: a ready `{…}` literal when every element is an int or a plain code (digits,
    letters, `:_.-`), which the server parses in a fraction of the time the driver takes to quote a 5,000-element
    list; the list itself otherwise."""
    parts = []
    for value in values:
        if type(value) is int:
            parts.append(str(value))
        elif type(value) is str and _SAFE_ELEMENT.fullmatch(value) and value.upper() != "NULL":
            parts.append(value)
        else:
            return list(values)
    return "{" + ",".join(parts) + "}"


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


def copy_rows(model, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """PostgreSQL COPY of prepared tuples into `columns` of the model's table (values already as COPY takes them)."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.wrap_database_errors, connection.cursor() as cur, cur.copy(sql) as copy:
        write = copy.write_row
        for row in rows:
            write(row)


def copy_layout(model, given: Sequence[str], **fixed) -> tuple[list[str], Callable[[Sequence], list]]:
    """Every concrete column of `model`, and a function that makes a COPY row from the `given` values (in that
    order); the other columns take the `fixed` values or their model defaults (plain values, as COPY takes them).
    The primary key is left to the table's sequence unless it is among the `given` columns.
    """
    plan, fields = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key and f.attname not in given:
            continue  # the table's own default (its sequence)
        fields.append(f)
        if f.attname in given:
            plan.append((given.index(f.attname), None))
            continue
        if f.attname in fixed:
            value = fixed[f.attname]
        elif f.has_default() or f.null or f.empty_strings_allowed:
            value = f.get_default()
        else:
            raise ValueError(f"{model.__name__}.{f.attname} has no default: give it")
        plan.append((None, copy_value(f, value)))

    def build(values: Sequence) -> list:
        return [const if pos is None else values[pos] for pos, const in plan]

    return [f.column for f in fields], build


def reserve_pks(model, count: int) -> list[int]:
    """`count` new primary keys of the model's table, drawn from its sequence (PostgreSQL)."""
    if count <= 0:
        return []
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cur:
        # The sequence's name first: inside the row-producing query it would be looked up once per row.
        cur.execute("SELECT pg_get_serial_sequence(%s, %s)", [connection.ops.quote_name(table), pk])
        (sequence,) = cur.fetchone()
        cur.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
        return [row[0] for row in cur.fetchall()]


def rows_where_in(model, column: str, values: Sequence, fields: Sequence[str], **equal) -> list[tuple]:
    """`fields` of the rows whose `column` is one of `values` and whose other columns equal `equal` (attnames).

    One `= ANY(array)` query on PostgreSQL; elsewhere the ORM reads 5,000 values at a time.
    """
    if not values:
        return []
    if not is_postgresql():
        out: list[tuple] = []
        for i in range(0, len(values), CHUNK):
            qs = model.objects.filter(**{f"{column}__in": values[i : i + CHUNK]}, **equal)
            out.extend(qs.values_list(*fields))
        return out
    opts, quote = model._meta, connection.ops.quote_name
    field = opts.get_field(column)
    cols = ", ".join(quote(opts.get_field(f).column) for f in fields)
    array_type = f"{field.cast_db_type(connection)}[]"
    sql = f"SELECT {cols} FROM {quote(opts.db_table)} WHERE {quote(field.column)} = ANY(%s::{array_type})"
    params: list = [array_param(values)]
    for name, value in equal.items():
        sql += f" AND {quote(opts.get_field(name).column)} = %s"
        params.append(str(value) if isinstance(value, str) else value)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()
