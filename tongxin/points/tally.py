"""The figures kept beside the ledger, so that the points of a district are read without reading
its million and more entries:

- ``PointsDayTally``: what each community earned, spent and got back each local day, by action.
  Every entry of those kinds leaves a ``PointsTallyMark`` in the statement that writes it (an
  insert: writers never wait on a tally row). The first read of the figures after that folds the
  marks into the tallies (``tally_settle``), so its cost follows the number of new entries.
- ``PointsAccount.first_earned_at`` / ``last_earned_at``: written with each award. Who earned in
  a period is then read from the accounts (``earners_count``, see ``core.spans``): only an
  account that earned both before and after the period has its entries looked at.

Why the settling is exact under READ COMMITTED, with awards committing all the time: a settle
deletes the marks it folds in, in its own transaction, and adds exactly the deleted rows to the
tallies. A mark committed later is not seen by that delete and stays for the next read. Two
settles at once cannot take the same mark: the second waits on the first one's deleted rows and
skips them once it commits; their additions to the same tally row are serialised by the row
lock of the upsert.

An entry's org is its account's, which never changes (see ``services.ledger``), so the accounts
under a place are exactly those whose entries are counted under it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncDate

from tongxin.core.spans import happened_within
from tongxin.orgs.models import Org

from .models import EntryKind, PointsAccount, PointsDayTally, PointsEntry, PointsTallyMark

# The kinds the tallies add up; a correction is in none of the figures' sums.
TALLIED = {EntryKind.EARN: "earned", EntryKind.SPEND: "spent", EntryKind.REFUND: "refunded"}


def _signed(kind: str, amount: int) -> int:
    return -amount if kind == EntryKind.SPEND else amount  # spent is shown positive


def tally_settle() -> int:
    """Fold every mark left since the last read into the day tallies; the number folded."""
    marks, tallies = PointsTallyMark._meta.db_table, PointsDayTally._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {marks} RETURNING org_id, org_path, day, action, kind, amount")
        taken = cursor.fetchall()
        if not taken:
            return 0
        sums: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(TALLIED.values(), 0))
        for org_id, org_path, day, action, kind, amount in taken:
            sums[(org_id, org_path, day, action)][TALLIED[kind]] += _signed(kind, amount)
        cursor.executemany(
            f"INSERT INTO {tallies} (org_id, org_path, day, action, earned, spent, refunded) "
            f"VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (org_id, day, action) DO UPDATE SET "
            f"earned = {tallies}.earned + excluded.earned, spent = {tallies}.spent + excluded.spent, "
            f"refunded = {tallies}.refunded + excluded.refunded",
            [(*key, s["earned"], s["spent"], s["refunded"]) for key, s in sums.items()])
    return len(taken)


@transaction.atomic
def tally_rebuild(org: Org) -> None:
    """Count the tallies and the accounts' earning dates of ``org``'s subtree again from its entries
    (after entries were written in bulk, as the demo's seeders do). Not for a place taking awards
    at the same moment: a mark of its written meanwhile would be counted twice."""
    PointsTallyMark.objects.filter(org_path__startswith=org.path).delete()
    PointsDayTally.objects.filter(org_path__startswith=org.path).delete()
    entries = PointsEntry.objects.filter(org_path__startswith=org.path)
    PointsDayTally.objects.bulk_create(
        [PointsDayTally(org_id=row["org_id"], org_path=row["org_path"], day=row["day"], action=row["action"],
                        earned=row["earned"], spent=-row["spent"], refunded=row["refunded"])
         for row in (entries.filter(kind__in=list(TALLIED)).annotate(day=TruncDate("at"))
                     .values("org_id", "org_path", "day", "action")
                     .annotate(**{name: Coalesce(Sum("amount", filter=Q(kind=kind)), 0)
                                  for kind, name in TALLIED.items()})
                     .order_by())],
        batch_size=2_000)
    accounts, table = PointsAccount._meta.db_table, PointsEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {accounts} SET first_earned_at = span.first, last_earned_at = span.last "
            f"FROM (SELECT account_id, MIN(at) AS first, MAX(at) AS last FROM {table} "
            f"WHERE kind = %s AND org_path LIKE %s GROUP BY account_id) AS span "
            f"WHERE {accounts}.id = span.account_id",
            [EntryKind.EARN, org.path + "%"])


def day_tallies(org: Org, date_from, date_to):
    """The day tallies of ``org``'s subtree from ``date_from`` to ``date_to`` (local days, both
    included), settled first."""
    tally_settle()
    return PointsDayTally.objects.filter(org_path__startswith=org.path, day__gte=date_from, day__lte=date_to)


def earners_count(org: Org, start: datetime, end: datetime) -> int:
    """How many people of ``org``'s subtree earned points in ``[start, end)``."""
    earned_between = Exists(PointsEntry.objects.filter(account=OuterRef("pk"), kind=EntryKind.EARN, at__gte=start,
                                                       at__lt=end))
    return (PointsAccount.objects.filter(org_path__startswith=org.path)
            .filter(happened_within("first_earned_at", "last_earned_at", start, end, earned_between))
            .count())


__all__ = ["TALLIED", "day_tallies", "earners_count", "tally_rebuild", "tally_settle"]
