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

Cost
----
The summary is one grouped pass over the rows the org holds (on PostgreSQL one scan with
``GROUPING SETS``: place key × member class × week of first reach, the residents' sets of groups,
the sets of ways), plus two small queries on orgs; Python adds up at most grids × 5 member
classes × weeks rows, and a few dozen sets of groups and of ways. A page of the gap list is the
count and the page's ids from the partial index of the gaps (already in the list's order), its
persons, and four queries for the ways and the responsible persons of its 30 people.

Both cost in proportion to the people under O, a few times less than reading attendance and
deliveries did. Measured on PostgreSQL 15 with the demo district — 1,000,008 residents, 9.6
million attendance rows, 4.2 million of them in a district-wide campaign, 602,169 reached — on
two cores shared with other work (load average 7 to 8, so slower than on an idle server),
summary / one page of the gap list, median of five warm runs:

    grid (623 people)          37 ms /  112 ms
    community (4,148)          51 ms /  116 ms
    street (20,001)            91 ms /  104 ms     (before the rows: 325 ms /   90 ms)
    street (128,603)          622 ms /  181 ms     (before: 2.2 s / 350 ms)
    district (1,000,008)      3.9 s /  576 ms     (before:  12 s / 1.5 s)

The rows of the whole district are rebuilt in 195 s on that machine. So the budgets (500 ms,
300 ms) hold up to a street of about 100,000 even on a loaded machine; a district summary is a
grouped count over a million rows and needs one more step: counts per grid kept from the rows
that changed since they were last counted.
"""

from .gaps import (
    GAP_PAGE_SIZE, MEMBER_SESSION_KINDS, RESIDENT_SESSION_KINDS, TODO_DELIVERY_KINDS, WAY_HOME, WAY_ONLINE_OR_BOOK,
    WAY_PARTNER, WAY_SESSION, WAY_UNSCHEDULED, GapItem, GapWay, Responsible, coverage_gap_items, coverage_gap_page,
    coverage_gap_slice, coverage_gaps, responsible_for,
)
from .pages import coverage_campaigns_for, coverage_default_org, todo_places_for
from .summary import (
    MEMBER_GROUP_LABELS, Coverage, Figures, GroupRow, PlaceRow, WayRow, WeekRow, coverage_for_org, coverage_rate,
)
from .target import (
    TreeOrder, contains_scope, coverage_entries, coverage_target, entries_visible_q, gaps_q, is_place, reached_q,
    scope_holds,
)

__all__ = [
    "GAP_PAGE_SIZE", "MEMBER_GROUP_LABELS", "MEMBER_SESSION_KINDS", "RESIDENT_SESSION_KINDS", "TODO_DELIVERY_KINDS",
    "WAY_HOME", "WAY_ONLINE_OR_BOOK", "WAY_PARTNER", "WAY_SESSION", "WAY_UNSCHEDULED", "Coverage", "Figures",
    "GapItem", "GapWay", "GroupRow", "PlaceRow", "Responsible", "TreeOrder", "WayRow", "WeekRow", "contains_scope",
    "coverage_campaigns_for", "coverage_default_org", "coverage_entries", "coverage_for_org", "coverage_gap_items",
    "coverage_gap_page", "coverage_gap_slice", "coverage_gaps", "coverage_rate", "coverage_target",
    "entries_visible_q", "gaps_q", "is_place", "reached_q", "responsible_for", "scope_holds", "todo_places_for",
]
