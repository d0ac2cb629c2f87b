"""Inserting many rows at once: COPY on PostgreSQL, one prepared INSERT on SQLite.

``bulk_create`` turns every value of every object into SQL through the field machinery and,
with DEBUG on, logs each statement with all its parameters quoted. For a roster of 100,000
persons with their groups and audit entries that took longer than the database needed to store
them. The functions here write the same rows — every concrete field, ``auto_now`` and
``auto_now_add`` stamped as ``pre_save`` stamps them, and each value prepared by its field
(``get_db_prep_save``) unless the driver takes it as it is — with COPY on PostgreSQL and
``executemany`` of one prepared INSERT on SQLite.

The services' bulk writes use them (``person_bulk_create``, ``audit_record_many``, …); a service
that writes one row saves it the ordinary way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from itertools import chain, islice
from operator import itemgetter

from django.db import connections, models, router, transaction
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

BATCH_SIZE = 5000  # rows per executemany; COPY streams them all in one statement

# Fields whose values both drivers take as they are: ``get_db_prep_save`` would return them
# unchanged (dates too: Django registers SQLite's adapter, psycopg has its own). Exact classes
# only, so that a subclass with a conversion of its own is prepared by its field.
_AS_IS = frozenset({
    models.AutoField, models.BigAutoField, models.SmallAutoField, models.IntegerField, models.BigIntegerField,
    models.SmallIntegerField, models.PositiveIntegerField, models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField, models.BooleanField, models.CharField, models.TextField, models.DateField,
    models.ForeignKey, models.OneToOneField,
})


def _stamps(opts, now) -> dict[models.Field, object]:
    """The values ``pre_save`` gives the ``auto_now``/``auto_now_add`` fields of a new row."""
    return {field: now if isinstance(field, models.DateTimeField) else date.today()
            for field in opts.concrete_fields
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)}


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence], *,
                using: str | None = None) -> int:
    """Insert ``rows`` of ``model``, each a sequence of the values of ``fields`` as an instance
    holds them (the id for a foreign key). ``auto_now``/``auto_now_add`` fields not named get the
    current time; any other column left out must be nullable or have a database default. No
    ids are returned: for rows that others will refer to, use ``insert_instances``.
    """
    connection = connections[using or router.db_for_write(model)]
    given = [model._meta.get_field(name) for name in fields]
    stamps = {f: v for f, v in _stamps(model._meta, timezone.now()).items() if f not in given}
    return _insert(connection, model, given, rows, stamps)


def _insert(connection, model: type[models.Model], given: list[models.Field], rows: Iterable[Sequence],
            stamps: dict[models.Field, object]) -> int:
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0  # no statement at all, as bulk_create([])
    rows = chain([first], rows)
    # The stamps are prepared once, not per row: a DateTimeField's get_db_prep_save costs as
    # much as the rest of a row.
    extra = tuple(f.get_db_prep_save(value, connection) for f, value in stamps.items())
    columns = [f.column for f in (*given, *stamps)]
    prepare = [(i, f) for i, f in enumerate(given) if type(f) not in _AS_IS]

    def prepared(row: Sequence) -> tuple:
        if prepare:
            row = list(row)
            for i, field in prepare:
                row[i] = field.get_db_prep_save(row[i], connection)
        return (*row, *extra)

    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in columns)
    count = 0
    # One transaction, as bulk_create: all rows or none (and on SQLite not a commit per row).
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(prepared(row))
                    count += 1
            return count
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
        while batch := [prepared(row) for row in islice(rows, BATCH_SIZE)]:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _reserve_ids(connection, model: type[models.Model], count: int) -> list[int]:
    """``count`` new primary keys for ``model`` (an auto-incremented id).

    PostgreSQL draws them from the identity sequence. SQLite continues its AUTOINCREMENT
    counter, which is safe only while this transaction holds the write lock: it does from its
    first statement (``transaction_mode`` IMMEDIATE in the settings), and the insert follows in
    the same transaction.
    """
    opts = model._meta
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [opts.db_table, opts.pk.column, count])
            return [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(
            f"SELECT MAX(n) FROM (SELECT seq AS n FROM sqlite_sequence WHERE name = %s"
            f" UNION ALL SELECT MAX({quote(opts.pk.column)}) FROM {quote(opts.db_table)})",
            [opts.db_table],
        )
        top = cursor.fetchone()[0] or 0
        return list(range(top + 1, top + count + 1))


def insert_instances(model: type[models.Model], objs: list[models.Model], *, using: str | None = None) -> None:
    """Insert unsaved instances as ``bulk_create`` would: related objects checked, ``auto_now``
    fields stamped, primary keys set on the objects (so that rows inserted next can refer to
    them). Falls back to ``bulk_create`` on databases other than PostgreSQL and SQLite."""
    if not objs:
        return
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    opts = model._meta
    fast = connection.vendor in ("postgresql", "sqlite") and isinstance(opts.pk, AutoFieldMixin)
    if not fast or any(obj.pk is not None for obj in objs):
        model._default_manager.using(alias).bulk_create(objs, batch_size=BATCH_SIZE)
        return
    for obj in objs:  # before the transaction, as bulk_create checks
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    stamps = _stamps(opts, timezone.now())
    fields = [f for f in opts.concrete_fields if not f.primary_key and f not in stamps]
    attnames = [f.attname for f in fields]
    values = itemgetter(*attnames) if len(attnames) > 1 else lambda state: tuple(state[a] for a in attnames)
    with transaction.atomic(using=alias, savepoint=False):
        ids = _reserve_ids(connection, model, len(objs))
        _insert(connection, model, [opts.pk, *fields], ((pk, *values(obj.__dict__)) for obj, pk in zip(objs, ids)),
                stamps)
    # As bulk_create leaves them: saved, with their ids and the times pre_save gave them.
    for obj, pk in zip(objs, ids):
        obj.pk = pk
        for field, value in stamps.items():
            obj.__dict__[field.attname] = value
        obj._state.adding = False
        obj._state.db = alias
