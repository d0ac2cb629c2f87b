"""Prepared statements for the few queries every request of the hot path runs.

Django's PostgreSQL cursors bind parameters on the client (``ClientCursor``): each statement
arrives as new text that the server parses and plans again. For the check-in (a thousand people
in two minutes) that was most of the database's work: profiled under ``bench/checkin.py``, the
server spent about 3.3 ms of CPU per check-in on statements whose execution took 0.7 ms.

``prepared_cursor()`` gives a cursor that binds on the server, and the connection's
``prepare_threshold`` (settings: ``DATABASES["default"]["OPTIONS"]``) lets psycopg prepare a
statement once it has run that many times on the connection. Every other query keeps Django's
cursor, so nothing else changes. On SQLite it is Django's cursor.

The cursor is wrapped as Django wraps its own: queries are logged in debug and counted by the
tests, and database errors arrive as ``django.db`` exceptions. ``model_from_row`` turns a row
into a model instance as a queryset would, without the cost of building one.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Model


def prepared_cursor():
    """A cursor (use it in ``with``) whose statements PostgreSQL prepares after a few runs."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    return connection._prepare_cursor(ServerBindingCursor(connection.connection))


@cache
def _converters(model: type[Model]) -> list[tuple[int, Any, list]]:
    """For each concrete field of ``model`` that needs one, the converters the ORM would apply to
    its column (the backend's, e.g. SQLite's text dates, and the field's own)."""
    found = []
    for index, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if converters:
            found.append((index, column, converters))
    return found


def model_from_row(model: type[Model], row: Sequence[Any]) -> Model:
    """An instance of ``model`` from a row of its concrete fields' columns in their order, converted
    as a queryset would, without building a queryset."""
    values = list(row)
    for index, column, converters in _converters(model):
        value = values[index]
        for converter in converters:
            value = converter(value, column, connection)
        values[index] = value
    return model.from_db(connection.alias, [f.attname for f in model._meta.concrete_fields], values)
