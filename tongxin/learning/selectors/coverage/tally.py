"""The tallies of a campaign (``CoverageTally``): the summary figures of each area, counted from
its ``CoverageEntry`` rows, so that the summary of a place at grid level or above adds up the
tallies of the areas under it instead of counting every row (see the package docstring, Cost).

The services mark an area (``CoverageDirty``, an insert in the writer's transaction) when they
change its rows: a check-in or a delivery with a *reach* mark that carries the row's change, a
registry change with a *recount* mark. The first summary read after that *settles* the campaign:
it adds the reaches to the tallies and counts the recount areas again, so its cost follows the
number of marks, not of rows. Reads therefore write, in their own transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from functools import reduce
from operator import or_

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from tongxin.campaigns.models import Campaign
from tongxin.core.prepared import model_from_row
from tongxin.orgs.models import Org, OrgKind

from ...models import CoverageDirty, CoverageEntry, CoverageTally, MemberClass
from .target import _disjoint, _figures_transaction, contains_scope, is_place

# The first key of the PostgreSQL advisory lock that serialises the settling of one campaign
# (the second is the campaign's id). Any constant of our own; it only has to differ from other
# advisory locks of the application (there are none today).
_SETTLE_LOCK = 7_401

# Up to this many areas, a count reads their ranges of places; more, one pass over the campaign
# (on a district of a million, measured: ranges win up to a few dozen areas).
RANGE_AREAS = 20


def tallied(org: Org) -> bool:
    """Whether the summary of ``org`` is read from the tallies: a place at grid level or above.
    A building, a unit and a party org hold few people and are counted from the rows directly."""
    return is_place(org) and org.kind != OrgKind.BUILDING


def _local_week(value) -> str:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.date().isoformat()


def _empty() -> dict:
    return {"classes": {}, "places": {}, "groups": [], "ways": [], "weeks": {}}


def _add(pairs: dict, key, target: int, reached: int) -> None:
    figures = pairs.setdefault(str(key), [0, 0])
    figures[0] += target
    figures[1] += reached


def _count(campaign: Campaign, area_ids: Sequence[int] | None, *, take_marks: bool = False) -> dict[int, dict]:
    """The figures of the campaign's areas (all of them when ``area_ids`` is None) from the rows.
    An area without rows is not in the result. On PostgreSQL one scan with ``GROUPING SETS``;
    elsewhere four queries.

    ``take_marks``: delete the marks of these areas as well, seen as the count sees the rows: on
    PostgreSQL in the same statement (one snapshot), so that exactly the marks of the changes
    counted go; on SQLite before counting, in the settler's transaction, which holds the only
    write lock."""
    if take_marks:
        marks = CoverageDirty.objects.filter(campaign=campaign)
        if area_ids is not None:
            marks = marks.filter(area_id__in=list(area_ids))
        if connection.vendor != "postgresql":
            marks.delete()
        else:
            marks_sql, marks_params = marks.values("pk").query.sql_with_params()
    rows = CoverageEntry.objects.filter(campaign=campaign).order_by()
    if area_ids is not None:
        rows = rows.filter(area_id__in=list(area_ids))
        if connection.vendor == "postgresql" and len(area_ids) <= RANGE_AREAS:
            # The rows have no index by area: a few areas are read as the ranges of their paths
            # in the index of places (a few thousand rows instead of the whole campaign's).
            paths = Org.objects.filter(pk__in=list(area_ids)).values_list("path", flat=True)
            rows = rows.filter(reduce(or_, [Q(place_path__startswith=p) for p in paths], Q(pk__in=[])))
    found: dict[int, dict] = {}

    def of(area_id: int) -> dict:
        return found.setdefault(area_id, _empty())

    def cell(area_id, cls, week, n):
        figures = of(area_id)
        _add(figures["classes"], cls, n, n if week is not None else 0)
        if week is not None:
            day = _local_week(week)
            figures["weeks"][day] = figures["weeks"].get(day, 0) + n

    # Four groupings: (area, class, week of first reach), (area, place) — apart, so as not to
    # multiply the buildings by the weeks —, the residents' (area, groups), and (area, ways).
    cells = rows.annotate(week=TruncWeek("first_reached_at"))
    if connection.vendor != "postgresql":
        for area_id, cls, week, n in cells.values_list("area_id", "member_class", "week").annotate(n=Count("*")):
            cell(area_id, cls, week, n)
        for area_id, place_id, target, reached in (rows.values_list("area_id", "place_id")
                                                   .annotate(target=Count("*"), reached=Count("first_reached_at"))):
            _add(of(area_id)["places"], place_id, target, reached)
        for area_id, bits, target, reached in (
                rows.filter(member_class=MemberClass.RESIDENT).values_list("area_id", "groups")
                .annotate(target=Count("*"), reached=Count("first_reached_at"))):
            of(area_id)["groups"].append([bits, target, reached])
        for area_id, bits, n in rows.filter(ways__gt=0).values_list("area_id", "ways").annotate(n=Count("*")):
            of(area_id)["ways"].append([bits, n])
        return found
    try:
        sql, params = cells.values("area_id", "member_class", "week", "place_id", "groups", "ways",
                                   "first_reached_at").query.sql_with_params()
    except EmptyResultSet:
        return found
    # GROUPING(...) tells the sets apart: 1 for each column a set leaves out (the first column
    # is the highest bit).
    taking = ""
    if take_marks:
        # A data-modifying WITH runs to completion whether or not the query reads it.
        taking = f"WITH taken AS (DELETE FROM {CoverageDirty._meta.db_table} WHERE id IN ({marks_sql}))"
        params = (*marks_params, *params)
    grouped = f"""{taking}
        SELECT GROUPING(t.area_id, t.member_class, t.week, t.place_id, t.groups, t.ways), t.area_id,
               t.member_class, t.week, t.place_id, t.groups, t.ways, COUNT(*), COUNT(t.first_reached_at)
        FROM ({sql}) t
        GROUP BY GROUPING SETS ((t.area_id, t.member_class, t.week), (t.area_id, t.place_id),
                                (t.area_id, t.member_class, t.groups), (t.area_id, t.ways))
    """
    with connection.cursor() as cursor:
        cursor.execute(grouped, params)
        for grouping, area_id, cls, week, place_id, bits, ways, n, reached in cursor.fetchall():
            if grouping == 0b000111:
                cell(area_id, cls, week, n)
            elif grouping == 0b011011:
                _add(of(area_id)["places"], place_id, n, reached)
            elif grouping == 0b001101:
                if cls == MemberClass.RESIDENT:
                    of(area_id)["groups"].append([bits, n, reached])
            elif ways:
                of(area_id)["ways"].append([ways, n])
    return found


def _store(campaign: Campaign, area_ids: Iterable[int] | None) -> None:
    """Count the areas again (all when None), taking their marks (``_count``), and write their
    tallies: an upsert of those with rows, a delete of those left without any."""
    counted = _count(campaign, None if area_ids is None else sorted(set(area_ids)), take_marks=True)
    now = timezone.now()
    CoverageTally.objects.bulk_create(
        [CoverageTally(campaign=campaign, area_id=area_id, figures=figures, computed_at=now)
         for area_id, figures in counted.items()],
        update_conflicts=True, unique_fields=["campaign", "area"], update_fields=["figures", "computed_at"],
        batch_size=500)
    stale = CoverageTally.objects.filter(campaign=campaign).exclude(area_id__in=list(counted))
    if area_ids is not None:
        stale = stale.filter(area_id__in=sorted(set(area_ids)))
    stale.delete()


def _lock(campaign: Campaign) -> None:
    """One settler of a campaign at a time, until its transaction ends (PostgreSQL; SQLite runs
    one writing transaction at a time anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_SETTLE_LOCK, campaign.pk])


class _Unaccounted(Exception):
    """A reach mark finds no entry of its class, place or groups in the tally: count the area."""


def _bump(counts: dict, key: str, by: int) -> None:
    counts[key] = counts.get(key, 0) + by
    if not counts[key]:
        del counts[key]


def _bump_entry(entries: list, bits: int, by: int) -> None:
    for entry in entries:
        if entry[0] == bits:
            entry[1] += by
            if not entry[1]:
                entries.remove(entry)
            return
    entries.append([bits, by])


def _week_of(moment) -> str:
    """The key of ``figures["weeks"]`` for a first reach at ``moment``: its week's Monday, local."""
    day = timezone.localtime(moment).date()
    return (day - timedelta(days=day.weekday())).isoformat()


def _apply_reach(figures: dict, mark: CoverageDirty) -> None:
    """Bring ``figures`` from a row's old first reach and ways to its new ones, as a count would."""
    member_class, groups, old_first, new_first = mark.member_class, mark.groups, mark.old_first, mark.new_first
    try:
        if old_first is None:
            figures["classes"][str(member_class)][1] += 1
            figures["places"][str(mark.place_id)][1] += 1
            if member_class == MemberClass.RESIDENT:
                next(entry for entry in figures["groups"] if entry[0] == groups)[2] += 1
        elif old_first != new_first:
            _bump(figures["weeks"], _week_of(old_first), -1)
        if old_first != new_first:
            _bump(figures["weeks"], _week_of(new_first), 1)
    except (KeyError, StopIteration):
        raise _Unaccounted from None
    if mark.old_ways != mark.new_ways:
        if mark.old_ways:
            _bump_entry(figures["ways"], mark.old_ways, -1)
        _bump_entry(figures["ways"], mark.new_ways, 1)


def _take_reaches(campaign: Campaign) -> dict[int, list[CoverageDirty]]:
    """Delete the campaign's reach marks, of the areas without a recount mark, in one statement
    (one snapshot); return them by area."""
    table = CoverageDirty._meta.db_table
    columns = ", ".join(connection.ops.quote_name(f.column) for f in CoverageDirty._meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE campaign_id = %s AND new_ways IS NOT NULL AND area_id NOT IN "
            f"(SELECT area_id FROM {table} WHERE campaign_id = %s AND new_ways IS NULL) RETURNING {columns}",
            [campaign.pk, campaign.pk])
        rows = cursor.fetchall()
    taken: dict[int, list[CoverageDirty]] = {}
    for row in rows:
        mark = model_from_row(CoverageDirty, row)
        taken.setdefault(mark.area_id, []).append(mark)
    return taken


def _write_figures(tallies: list[CoverageTally]) -> None:
    """One UPDATE per tally, sent together (``executemany``: one round trip on PostgreSQL).
    ``bulk_update`` builds one CASE over all of them: after 1,000 check-ins over a district's
    400 grids, building that statement took longer than settling the marks."""
    if not tallies:
        return
    table = CoverageTally._meta.db_table
    field = CoverageTally._meta.get_field("figures")
    now = field.model._meta.get_field("computed_at").get_db_prep_value(timezone.now(), connection)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET figures = %s, computed_at = %s WHERE id = %s",
                           [(field.get_db_prep_value(t.figures, connection), now, t.pk) for t in tallies])


def tally_settle(campaign: Campaign) -> None:
    """Bring the campaign's tallies up to date with the marks left since the last read: count the
    areas with a recount mark again, and add the reach marks of the others to their tallies.
    Every area has a tally or a mark: a campaign's rows are written with its tallies
    (``coverage_rebuild``), and the migration that brought the tallies marked every area of the
    rows that existed then.

    Why this is right under READ COMMITTED, with check-ins committing all the time. Each mark is
    inserted in the same transaction as its change to the rows. A count takes the marks of its
    areas in the same statement (``_count``), so it takes exactly the marks of the changes it
    counts: those committed later stay for the next read. The reach marks are deleted in one
    statement, which leaves those of an area with a recount mark (it will be counted, and a count
    replaces the tally); each reach taken is added once, and the changes of a later commit leave
    their marks behind. Two readers settling at once are serialised by an advisory lock held
    until the end of the transaction: without it, the one that counted first could write last
    and put back older figures. The second, once it has the lock, reads the first one's writes
    (its statements start after that commit) and settles only the marks left."""
    with transaction.atomic(), _figures_transaction():  # the settings of a count over a district
        _lock(campaign)
        recount = set(CoverageDirty.objects.filter(campaign=campaign, new_ways__isnull=True)
                      .values_list("area_id", flat=True).distinct())
        if recount:
            _store(campaign, recount)
        reaches = _take_reaches(campaign)
        if not reaches:
            return
        tallies = {t.area_id: t for t in CoverageTally.objects.filter(campaign=campaign, area_id__in=list(reaches))}
        unaccounted = set(reaches) - set(tallies)
        for area_id, tally in tallies.items():
            try:
                for mark in reaches[area_id]:
                    _apply_reach(tally.figures, mark)
            except _Unaccounted:
                unaccounted.add(area_id)
        _write_figures([t for area_id, t in tallies.items() if area_id not in unaccounted])
        if unaccounted:
            # Not expected (every area with rows has a tally or a recount mark); a count puts it right.
            _store(campaign, unaccounted)


def tally_rebuild(campaign: Campaign) -> None:
    """Drop the campaign's tallies and marks and count every area again (after a rebuild of the
    rows, in its transaction)."""
    with transaction.atomic(), _figures_transaction():
        _lock(campaign)
        CoverageTally.objects.filter(campaign=campaign).delete()
        _store(campaign, None)


def campaign_tallies(campaign: Campaign, orgs: Sequence[Org]) -> QuerySet[CoverageTally]:
    """The tallies of the areas held by any of ``orgs`` (places at grid level or above): every
    area when one of them contains the scope, else those whose path lies under one of them. The
    areas under such a place hold exactly the rows whose place lies under it (an area is a
    person's place, or their building's parent)."""
    tallies = CoverageTally.objects.filter(campaign=campaign)
    orgs = [o for o in orgs if not _disjoint(campaign, o)]
    if not orgs:
        return tallies.none()
    if any(contains_scope(campaign, o) for o in orgs):
        return tallies
    return tallies.filter(reduce(or_, [Q(area__path__startswith=o.path) for o in orgs]))


def tally_gap_count(campaign: Campaign, orgs: Sequence[Org]) -> int:
    """The number of gaps held by ``orgs``, from the tallies (settled first)."""
    tally_settle(campaign)
    total = 0
    for figures in campaign_tallies(campaign, orgs).values_list("figures", flat=True):
        total += sum(target - reached for target, reached in figures["classes"].values())
    return total


__all__ = ["campaign_tallies", "tallied", "tally_gap_count", "tally_rebuild", "tally_settle"]
