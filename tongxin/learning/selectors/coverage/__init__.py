"""Coverage (覆盖率, "全覆盖, 不漏一人"): for a campaign and an org, who must be reached, who is,
by which way, and who is not yet — with the way that fits each of them and who answers for them.

Definitions
-----------
**Where.** An org *holds* a person in one of two ways. A place (city … grid, building) holds
the active persons who live in its subtree (``Person.org_path`` starts with its path). A unit or a
party organisation holds the party members whose branch lies in its subtree. The coverage of a
campaign *within org O* is read over the persons held by O and by the campaign's scope. When O
contains the scope (O is the scope or above it, e.g. the district for a street campaign), it is
clipped to the scope: the figures are the campaign's own. An org outside the scope (a sibling
street) has an empty target.

**Target** (应覆盖). The active persons held by the scope (and by O) who are

* party members, if the campaign ``targets_members``;
* residents — persons who are *not* party members — if it ``targets_residents``: those in one of
  its ``resident_groups``, or all of them when the list is empty;
* party members whose branch lies under one of the campaign's ``units``.

A person counts once, whatever makes them a target. A unit's member counts where they live: one
who lives outside the scope is not in the target (the services refuse to record study for them in
the campaign either).

**Reached** (已覆盖). A target person with an ``Attendance`` whose ``campaign`` is the campaign, or
a ``Delivery`` whose ``campaign`` is the campaign. Attendance of another campaign, or of no
campaign, does not count. **By way**: attendance by the session's kind (集中学习, 微课堂, 宣讲 …)
and deliveries by their kind (送学上门, 网络助学, 口袋书 …). A person reached several ways counts
once in ``reached`` and once under each way, so the ways add up to ``reached`` or more.

**Rate** = reached / target, 0 when the target is 0, shown as a percentage with one decimal.
Rounded half up, except that it never shows 100.0 % while someone is missing, nor 0.0 % when
someone is reached (99.96 % shows as 99.9 %, 0.04 % as 0.1 %).

**By group.** Members: regular (neither of the two below), infirm (``needs_home_delivery``,
老弱病残), mobile (``is_mobile``, 流动党员); a member who is both counts in both rows. Residents
(non-members) by ``PersonGroup``: a person in two groups counts in both rows (so these rows
overlap); residents in no group are "其他居民" (only when the campaign targets all residents).
For every row, reached + gaps = target.

**By place.** Each child of O (street → communities → grids → buildings), with the persons held
directly by O itself in a row of their own; and each grid under O. For a unit or party org the
children are its branches, by the members' branch.

**Week by week.** For each ISO week (Monday to Sunday, local time) of the campaign's period, up to
the current week, the persons whose first reach (the earliest ``checked_in_at`` of their
attendances and ``delivered_at`` of their deliveries, in the campaign) falls in it, and the
cumulative number reached by its end. A reach dated before the first week counts in the first
week; one after the period's last week in no week (so the last cumulative can be below
``reached``).

**Gap list** (未覆盖名单). The target persons not reached, ordered by place (``org_path``), then
name, paginated in SQL. Each with the suggested way (``GapWay``):

* an infirm member → 送学上门;
* a mobile member → 网络助学 或 口袋书;
* a member with an active study pair (as the one helped) → 由结对党员 X 助学;
* anyone else → the next session of the campaign that would reach them: the soonest not closed
  one starting after now, of kind 宣讲 or 微课堂 (or 集中学习 for a member), held by an org whose
  path is a prefix of the person's place (their building, grid, community, street …) or, for a
  member, of their branch's path. Only a session *of this campaign* closes the gap, so sessions
  of other campaigns are not suggested. None → "待安排宣讲/微课堂".

A member of the first two kinds who also has a study partner gets the partner's name as well.

Who answers for a gap (``Responsible``): the 包户 holders of the person's household; else the
包楼 holders of their building (the deepest org above them with one); else the grid workers of
their grid (accounts with ``Role.GRID_WORKER`` on an org above them); else the 包片 holders of the
area. It is ``people.selectors.who_answers_for`` for a page of people at once.

Where it is read from
---------------------
The definitions above are evaluated for each target person once and kept: ``CoverageEntry``
holds one row per target person per campaign — place, branch, member class, groups, and the
first reach and the ways, NULL and none for a gap. ``services.coverage`` writes them: a whole
campaign when it is created or its target changes, a person's rows when the registry changes
them, and the check-in and delivery services mark a row reached in their own transaction.
``coverage_target`` (the definition, read live) and the rows agree; the tests compare the rows
with a rebuild after every kind of write. A closed campaign's rows are no longer refreshed by
changes to the registry: its figures stay as they stood when it closed.

Above the rows, ``CoverageTally`` keeps the summary figures of each *area* (a person's grid, or
their place when it is not in a building) of a campaign. A service that changes rows marks their
areas (``CoverageDirty``, an insert in its own transaction: nothing locked on the check-in path;
a check-in that changes neither the first reach nor the ways marks nothing). The summary of a
place at grid level or above first settles the campaign — adds the changes the reach marks of
check-ins and deliveries carry to their areas' tallies, and counts the areas with a recount mark
(a registry change) again from the rows, under an advisory lock so that two readers cannot write
older figures over newer ones (``tally.tally_settle`` explains why that is right while check-ins
commit) — then adds up the tallies of the areas under the place. A building, a unit and a party org are counted from
the rows (``coverage_for_org_direct``, which the tests compare with the tallies after every kind
of write). The gap count of an unfiltered list above the grids is target − reached of the
tallies; a grid's, or a list narrowed to what a grid worker sees, is counted from the rows.

Cost
----
Counted from the rows, the summary is one grouped pass over the rows the org holds (on PostgreSQL one scan with
``GROUPING SETS``: place key × member class × week of first reach, the residents' sets of groups,
the sets of ways), plus two small queries on orgs; Python adds up at most grids × 5 member
classes × weeks rows, and a few dozen sets of groups and of ways. A page of the gap list is the
count and the page's ids from the partial index of the gaps (already in the list's order), its
persons, and four queries for the ways and the responsible persons of its 30 people.

That costs in proportion to the people under O. Measured on PostgreSQL 15
with the demo district — 1,000,008 residents, 10.0 million attendance rows, a district-wide
campaign — on two cores shared with other work (load average 2 to 7, so slower than on an idle
server), summary / one page of the gap list, median of five runs:

    counted from the rows (before the tallies): grid 37 ms / 112 ms, street of 20,001 91 ms /
    104 ms, street of 128,603 622 ms / 181 ms, district 3.9 s (1.6 s on a quieter machine) / 576 ms

    from the tallies, warm (nothing marked since the last read):
    grid (623 people)          13 ms /   40 ms
    community (4,148)          14 ms /   58 ms
    street (20,001)            19 ms /   57 ms
    street (128,603)           28 ms /   55 ms
    district (1,000,008)      123 ms /   96 ms

The district's page is read from the partial index of the gaps with its LIMIT (``Index Only
Scan using coverage_entry_gap``, 60 rows read for page 2, no sort), a street's from its range of
that index. The cost moves to the first read after writes, which counts the marked areas again
(513 areas of about 2,000 people in the district): after 1 or 10 check-ins about 200 ms (up to
``tally.RANGE_AREAS`` areas are read as ranges of the index of places), after 30 about 600 ms,
after 100 about 1.2 s, after 1,000 check-ins spread over the district (most areas marked) about
2 s for any place — a count of most of the rows, as before the tallies. A campaign without
tallies (created before them) is counted on its first read: 2.7 s for the district. The rows of
the whole district are rebuilt in about 200 s (measured before the tallies; counting all of
them adds about 3 s).
"""

from .gaps import (
    GAP_PAGE_SIZE, MEMBER_SESSION_KINDS, RESIDENT_SESSION_KINDS, TODO_DELIVERY_KINDS, WAY_HOME, WAY_ONLINE_OR_BOOK,
    WAY_PARTNER, WAY_SESSION, WAY_UNSCHEDULED, GapItem, GapWay, Responsible, coverage_gap_items, coverage_gap_page,
    coverage_gap_slice, coverage_gaps, responsible_for,
)
from .pages import coverage_campaigns_for, coverage_default_org, todo_places_for
from .summary import (
    MEMBER_GROUP_LABELS, Coverage, Figures, GroupRow, PlaceRow, WayRow, WeekRow, coverage_for_org,
    coverage_for_org_direct, coverage_rate,
)
from .tally import campaign_tallies, tallied, tally_gap_count, tally_rebuild, tally_settle
from .target import (
    TreeOrder, contains_scope, coverage_entries, coverage_target, entries_visible_q, gaps_q, is_place, reached_q,
    scope_holds,
)

__all__ = [
    "GAP_PAGE_SIZE", "MEMBER_GROUP_LABELS", "MEMBER_SESSION_KINDS", "RESIDENT_SESSION_KINDS", "TODO_DELIVERY_KINDS",
    "WAY_HOME", "WAY_ONLINE_OR_BOOK", "WAY_PARTNER", "WAY_SESSION", "WAY_UNSCHEDULED", "Coverage", "Figures",
    "GapItem", "GapWay", "GroupRow", "PlaceRow", "Responsible", "TreeOrder", "WayRow", "WeekRow", "contains_scope",
    "campaign_tallies", "coverage_campaigns_for", "coverage_default_org", "coverage_entries", "coverage_for_org",
    "coverage_for_org_direct", "coverage_gap_items",
    "coverage_gap_page", "coverage_gap_slice", "coverage_gaps", "coverage_rate", "coverage_target",
    "entries_visible_q", "gaps_q", "is_place", "reached_q", "responsible_for", "scope_holds", "tallied",
    "tally_gap_count", "tally_rebuild", "tally_settle", "todo_places_for",
]
