"""Keeping ``CoverageEntry`` in step with the records: one row per target person per campaign,
with their first reach and the ways they were reached (the definitions are those of
``selectors.coverage``; the rows only store them, so a district's coverage is a grouped count).

Three writes, each inside the caller's transaction, none of them audited on its own: the
service that calls it records what the user did.

* ``coverage_rebuild`` — a campaign's rows, all of them, from the registry and the records, in
  one ``INSERT … SELECT``. After a campaign is created or its target changes (scope, members,
  residents and groups, units), by the demo data and by ``manage.py coverage_rebuild``.
* ``coverage_mark_reached`` — the check-in and delivery hot path: one ``UPDATE`` of the persons'
  rows (first reach = the earlier of the two, ways |= the way's bit). It locks only those rows,
  so check-ins of different persons never wait for each other. A person outside the target has
  no row, and nothing is written.
* ``coverage_refresh_persons`` — the rows of some persons, in every campaign that is not closed,
  computed again from the registry and the records: after a person is added, edited, moved,
  deactivated, changes groups, becomes or stops being a party member (or changes flags), and
  after a bulk import (one refresh per batch, a few statements per 2,000 persons).

Each of them also marks the areas whose rows it changed (``CoverageDirty``, inserts only, in
the same transaction), and the next summary read counts their tallies again
(``selectors.coverage.tally``); ``coverage_rebuild`` counts every tally of the campaign anew.

A closed campaign's rows are no longer refreshed by registry changes: its figures stay as they
stood when it closed (a campaign reopened is rebuilt). ``manage.py coverage_rebuild`` rebuilds
any campaign from scratch, should the rows ever be doubted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from tongxin.campaigns.models import Campaign, CampaignStatus
from tongxin.orgs.models import OrgKind
from tongxin.people.models import Person, PersonGroup, PersonGroupMembership
from tongxin.people.selectors import ancestor_paths

from ..models import (
    Attendance, CoverageDirty, CoverageEntry, Delivery, DeliveryKind, MemberClass, Session, SessionKind, group_bit, way_bit,
)
from ..selectors.coverage import coverage_target, tally_rebuild

# Persons per statement in a refresh: the ids appear three times in it (SQLite takes 32,766
# parameters at most), and a batch of a bulk import is refreshed in a few statements.
REFRESH_CHUNK = 2000

_COLUMNS = ["campaign_id", "person_id", "name", "place_id", "place_path", "area_id", "branch_id", "branch_path",
            "member_class", "groups", "first_reached_at", "ways"]


def _member_class():
    return Case(
        When(party_member__isnull=True, then=Value(MemberClass.RESIDENT)),
        When(party_member__needs_home_delivery=True, party_member__is_mobile=True,
             then=Value(MemberClass.INFIRM_MOBILE)),
        When(party_member__needs_home_delivery=True, then=Value(MemberClass.INFIRM)),
        When(party_member__is_mobile=True, then=Value(MemberClass.MOBILE)),
        default=Value(MemberClass.REGULAR),
        output_field=IntegerField(),
    )


def _bits(column: str, codes: Sequence[str], bit) -> str:
    """A SQL CASE giving each code's bit (the codes are our own choices, never user input)."""
    whens = " ".join(f"WHEN '{code}' THEN {bit(code)}" for code in codes)
    return f"CASE {column} {whens} ELSE 0 END"


def _target_rows(campaign: Campaign, person_ids: Sequence[int] | None):
    """The campaign's target persons with what their rows hold, as a query of named columns."""
    target = coverage_target(campaign, [campaign.scope])
    if person_ids is not None:
        target = target.filter(pk__in=person_ids)
    group_sum = Sum(Case(*[When(group=code, then=Value(group_bit(code))) for code in PersonGroup.values],
                         default=Value(0), output_field=IntegerField()))
    groups = Subquery(PersonGroupMembership.objects.filter(person=OuterRef("pk")).order_by()
                      .values("person").annotate(bits=group_sum).values("bits"), output_field=IntegerField())
    # Annotations only, in the order of the columns: the SQL selects them in this order.
    return target.order_by().annotate(
        e_person=F("pk"), e_name=F("name"), e_place=F("org_id"), e_place_path=F("org_path"),
        e_area=Case(When(org__kind=OrgKind.BUILDING, then=F("org__parent_id")), default=F("org_id"),
                    output_field=IntegerField()),
        e_branch=F("party_member__branch_id"),
        e_branch_path=Coalesce(F("party_member__branch__path"), Value("")),
        e_class=_member_class(),
        e_groups=Coalesce(groups, Value(0)),
    ).values("e_person", "e_name", "e_place", "e_place_path", "e_area", "e_branch", "e_branch_path", "e_class",
             "e_groups")


def _insert_entries(campaign: Campaign, person_ids: Sequence[int] | None = None, *,
                    areas: set[int] | None = None, new: bool = False) -> int:
    """``INSERT … SELECT`` the rows of the campaign's target (or of those of ``person_ids`` who
    are in it): the person's data from the registry, the first reach and the ways from one
    grouped pass each over the campaign's attendance and deliveries (``new``: the persons were
    just created, so they have no records and not reached is written without looking). Returns
    the rows written; their areas are added to ``areas`` when it is given."""
    target_sql, target_params = _target_rows(campaign, person_ids).query.sql_with_params()
    if new:
        sql = f"""
            INSERT INTO {CoverageEntry._meta.db_table} ({", ".join(_COLUMNS)})
            SELECT %s, t.e_person, t.e_name, t.e_place, t.e_place_path, t.e_area, t.e_branch, t.e_branch_path,
                   t.e_class, t.e_groups, NULL, 0
            FROM ({target_sql}) t
        """
        return _execute_insert(sql, [campaign.pk, *target_params], areas)
    only, only_params = "", []
    if person_ids is not None:
        only = f" AND person_id IN ({', '.join(['%s'] * len(person_ids))})"
        only_params = list(person_ids)
    attendance, session, delivery, entry = (m._meta.db_table for m in (Attendance, Session, Delivery, CoverageEntry))
    session_bits = _bits("s.kind", SessionKind.values, lambda k: way_bit("session", k))
    delivery_bits = _bits("kind", DeliveryKind.values, lambda k: way_bit("delivery", k))
    # Grouped by person and kind first, so that each kind's bit is added once per person: the
    # ways are distinct bits, so their sum is their OR (SQLite has no BIT_OR).
    sql = f"""
        INSERT INTO {entry} ({", ".join(_COLUMNS)})
        SELECT %s, t.e_person, t.e_name, t.e_place, t.e_place_path, t.e_area, t.e_branch, t.e_branch_path,
               t.e_class, t.e_groups,
               CASE WHEN a.first_at IS NULL THEN d.first_at
                    WHEN d.first_at IS NULL OR a.first_at <= d.first_at THEN a.first_at
                    ELSE d.first_at END,
               COALESCE(a.ways, 0) + COALESCE(d.ways, 0)
        FROM ({target_sql}) t
        LEFT JOIN (
            SELECT person_id, MIN(first_at) AS first_at, SUM(bit) AS ways FROM (
                SELECT a.person_id, MIN(a.checked_in_at) AS first_at, {session_bits} AS bit
                FROM {attendance} a JOIN {session} s ON s.id = a.session_id
                WHERE a.campaign_id = %s{only.replace("person_id", "a.person_id")}
                GROUP BY a.person_id, s.kind
            ) by_kind GROUP BY person_id
        ) a ON a.person_id = t.e_person
        LEFT JOIN (
            SELECT person_id, MIN(first_at) AS first_at, SUM(bit) AS ways FROM (
                SELECT person_id, MIN(delivered_at) AS first_at, {delivery_bits} AS bit
                FROM {delivery} WHERE campaign_id = %s{only}
                GROUP BY person_id, kind
            ) by_kind GROUP BY person_id
        ) d ON d.person_id = t.e_person
    """
    params = [campaign.pk, *target_params, campaign.pk, *only_params, campaign.pk, *only_params]
    return _execute_insert(sql, params, areas)


def _execute_insert(sql: str, params: list, areas: set[int] | None) -> int:
    with connection.cursor() as cursor:  # (jit is off for the app's connections: see the settings)
        if areas is None:
            cursor.execute(sql, params)
            return cursor.rowcount
        cursor.execute(sql + " RETURNING area_id", params)
        written = cursor.fetchall()
    areas.update(area_id for (area_id,) in written)
    return len(written)


@transaction.atomic
def coverage_rebuild(campaign: Campaign) -> int:
    """Write the campaign's rows anew from the registry and the records. Returns their number."""
    campaign.__dict__.pop("_coverage_unit_paths", None)  # the units may have just changed
    CoverageEntry.objects.filter(campaign=campaign).delete()
    written = _insert_entries(campaign)
    if connection.vendor == "postgresql":
        # A new campaign's rows are unknown to the planner's statistics until autovacuum gets to
        # them: it then guesses one row for the campaign and may read a check-in's row through the
        # index of places, scanning the whole campaign (measured: 20 ms a check-in on a street of
        # 50,000, instead of 0.1 ms). Counted now, in this transaction.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {CoverageEntry._meta.db_table}")
    tally_rebuild(campaign)  # drops the tallies and marks, and counts every area anew
    return written


# The columns of a reach mark (``CoverageDirty``), in the order ``reach_sql`` returns them.
REACH_COLUMNS = ("campaign_id", "area_id", "member_class", "place_id", "groups", "old_first", "new_first",
                 "old_ways", "new_ways")


def reach_sql(persons: str) -> str:
    """(PostgreSQL) The UPDATE that marks the persons of the SQL condition ``persons`` (on
    ``person_id``) reached at ``%(at)s`` by the way ``%(way)s`` in the campaign ``%(campaign)s``.
    Only an earlier first reach or a new way is written, so a second check-in of the day writes
    nothing. Returns, for each row it changed, the ``REACH_COLUMNS`` of its mark: the values
    before come from the row locked in the same statement. Also the check-in's single statement
    (``services.attendance``)."""
    table = CoverageEntry._meta.db_table
    return (
        f"UPDATE {table} e SET "
        f"first_reached_at = CASE WHEN e.first_reached_at IS NULL OR e.first_reached_at > %(at)s THEN %(at)s "
        f"ELSE e.first_reached_at END, ways = e.ways | %(way)s "
        f"FROM (SELECT b.id, b.first_reached_at, b.ways FROM {table} b "
        f"WHERE b.campaign_id = %(campaign)s AND b.{persons} "
        f"AND (b.first_reached_at IS NULL OR b.first_reached_at > %(at)s OR b.ways & %(way)s <> %(way)s) "
        f"FOR UPDATE OF b) before "
        f"WHERE e.id = before.id "
        f"RETURNING e.campaign_id, e.area_id, e.member_class, e.place_id, e.groups, "
        f"before.first_reached_at AS old_first, e.first_reached_at AS new_first, before.ways AS old_ways, "
        f"e.ways AS new_ways"
    )


def coverage_mark_reached(*, campaign_id: int | None, person_ids: Iterable[int], when: datetime, way: int) -> int:
    """The persons were reached at ``when`` by the way whose bit is ``way`` (``models.way_bit``).
    Their rows that change (an earlier first reach, or a new way) are written, each with a reach
    mark for the tally; persons outside the target have none. Returns the rows changed."""
    if campaign_id is None:
        return 0
    person_ids = list(person_ids)
    if not person_ids:
        return 0
    if connection.vendor == "postgresql":
        # Plain SQL: building it with the ORM (Case, When, F) cost the app server about four times
        # as long as the statement (profiled, bench/checkin.py).
        params = {"at": when, "way": way, "campaign": campaign_id}
        params.update((f"p{i}", pk) for i, pk in enumerate(person_ids))
        persons = f"person_id IN ({', '.join(f'%(p{i})s' for i in range(len(person_ids)))})"
        with connection.cursor() as cursor:
            cursor.execute(reach_sql(persons), params)
            changed = cursor.fetchall()
    else:
        # SQLite runs one writer at a time: read the rows, write those that change.
        changed = []
        for pk, *mark, first, ways in (CoverageEntry.objects.filter(campaign_id=campaign_id, person_id__in=person_ids)
                                       .values_list("pk", *REACH_COLUMNS[:5], "first_reached_at", "ways")):
            new_first = when if first is None or first > when else first
            if new_first != first or ways | way != ways:
                CoverageEntry.objects.filter(pk=pk).update(first_reached_at=new_first, ways=ways | way)
                changed.append((*mark, first, new_first, ways, ways | way))
    CoverageDirty.objects.bulk_create([CoverageDirty(**dict(zip(REACH_COLUMNS, row))) for row in changed])
    return len(changed)


def _mark_dirty(pairs: Iterable[tuple[int, int]]) -> None:
    """Mark (campaign, area) pairs for a new tally: inserts only, in the caller's transaction, so
    that the mark commits with the change (see ``selectors.coverage.tally``)."""
    pairs = sorted(pairs)
    if not pairs:
        return
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), 1000):
            chunk = pairs[start:start + 1000]
            cursor.execute(f"INSERT INTO {CoverageDirty._meta.db_table} (campaign_id, area_id) VALUES "
                           + ", ".join(["(%s, %s)"] * len(chunk)), [v for pair in chunk for v in pair])


def _areas_of(campaign_ids: Sequence[int], person_ids: Sequence[int]) -> set[tuple[int, int]]:
    return set(CoverageEntry.objects.filter(campaign_id__in=campaign_ids, person_id__in=person_ids)
               .values_list("campaign_id", "area_id").distinct())


def _maintained() -> list[Campaign]:
    return list(Campaign.objects.exclude(status=CampaignStatus.CLOSED).select_related("scope")
                .prefetch_related("units").order_by("pk"))


@transaction.atomic
def coverage_refresh_persons(person_ids: Iterable[int], *, new: bool = False) -> int:
    """Compute the rows of these persons again, in every campaign that is not closed, from the
    registry and the records. ``new``: the persons were just created and have no rows yet (an
    import of 100,000 need not look for them). Returns the rows written."""
    campaigns = _maintained()
    person_ids = sorted(set(person_ids))
    if not campaigns or not person_ids:
        return 0
    written = 0
    campaign_ids = [c.pk for c in campaigns]
    for start in range(0, len(person_ids), REFRESH_CHUNK):
        chunk = person_ids[start:start + REFRESH_CHUNK]
        # The areas the persons leave and those they come to get a new tally (a group or a flag
        # changed within one area marks it too).
        marked: set[tuple[int, int]] = set()
        if not new:
            marked = _areas_of(campaign_ids, chunk)
            CoverageEntry.objects.filter(campaign_id__in=campaign_ids, person_id__in=chunk).delete()
        # Only the campaigns whose scope lies above one of the persons' places or branches can
        # hold them: one look at their paths instead of a query per campaign.
        paths = set()
        for place, branch in Person.objects.filter(pk__in=chunk).values_list(
                "org_path", "party_member__branch__path").distinct():
            paths.update(ancestor_paths(place))
            if branch:
                paths.update(ancestor_paths(branch))
        for campaign in campaigns:
            if campaign.scope_path in paths:
                areas: set[int] = set()
                written += _insert_entries(campaign, chunk, areas=areas, new=new)
                marked |= {(campaign.pk, area_id) for area_id in areas}
        _mark_dirty(marked)
    return written
