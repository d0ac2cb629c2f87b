"""Who did something in a period, read from the dates of their first and last time.

A row that keeps when its events first and last happened (an account's awards, a household's
visits) did one in ``[start, end)`` when its first or its last one lies in the period; when both
lie on the same side of it, it did none; only a row whose first lies before the period and last
after it may or may not have, and only that one is asked (``probe``, an ``Exists`` over its own
events in the period). So a count over a district reads one table once and probes a few rows.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, Q


def happened_within(first: str, last: str, start: datetime | None, end: datetime | None, probe: Exists) -> Q:
    """Rows with an event in ``[start, end)`` (either end open), by their ``first`` and ``last``
    date columns; ``probe`` decides for those whose events surround the period."""
    condition = Q(**{f"{first}__isnull": False})
    if end is not None:
        condition &= Q(**{f"{first}__lt": end})
    if start is not None:
        condition &= Q(**{f"{last}__gte": start})
    if start is None or end is None:
        return condition  # with an end open, the first (or the last) event lies in the period
    return condition & (Q(**{f"{first}__gte": start}) | Q(**{f"{last}__lt": end}) | probe)
