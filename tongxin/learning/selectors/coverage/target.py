"""Who a campaign must reach within an org (the target), read live from the registry, and the
campaign's ``CoverageEntry`` rows that an org holds (see the package docstring)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from functools import reduce
from operator import or_

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Collate

from tongxin.campaigns.models import Campaign
from tongxin.orgs.models import Org
from tongxin.orgs.selectors import PLACE_KINDS
from tongxin.people.models import PartyMember, Person, PersonGroupMembership

from ...models import Attendance, CoverageEntry, Delivery


def is_place(org: Org) -> bool:
    return org.kind in PLACE_KINDS


def _holds_q(org: Org) -> Q:
    """The persons an org holds: residents of a place, members of a unit's or party org's branches."""
    if is_place(org):
        return Q(org_path__startswith=org.path)
    return Q(party_member__branch__path__startswith=org.path)


def scope_holds(campaign: Campaign, person: Person) -> bool:
    """Whether the campaign's scope holds ``person`` (``_holds_q`` for one person): a place scope
    its residents, a unit scope the members of its branches, wherever they live."""
    scope = campaign.scope
    if is_place(scope):
        return person.org_path.startswith(scope.path)
    return PartyMember.objects.filter(person_id=person.pk, branch__path__startswith=scope.path).exists()


def contains_scope(campaign: Campaign, org: Org) -> bool:
    return campaign.scope_path.startswith(org.path)


def _disjoint(campaign: Campaign, org: Org) -> bool:
    """Two places neither of which contains the other hold nobody in common."""
    scope = campaign.scope
    return (is_place(org) and is_place(scope)
            and not org.path.startswith(scope.path) and not scope.path.startswith(org.path))


def _unit_paths(campaign: Campaign) -> list[str]:
    """The paths of the campaign's units, read once per campaign object."""
    cached = getattr(campaign, "_coverage_unit_paths", None)
    if cached is None:
        cached = sorted(u.path for u in campaign.units.all())  # uses a prefetch when there is one
        campaign._coverage_unit_paths = cached
    return cached


def _who_q(campaign: Campaign) -> Q | None:
    """Who the campaign must reach, wherever they are (None: nobody)."""
    if campaign.targets_members and campaign.targets_residents and not campaign.resident_groups:
        return Q()  # everyone
    parts = []
    if campaign.targets_members:
        parts.append(Q(party_member__isnull=False))
    if campaign.targets_residents:
        residents = Q(party_member__isnull=True)
        if campaign.resident_groups:
            residents &= Q(Exists(PersonGroupMembership.objects.filter(
                person=OuterRef("pk"), group__in=list(campaign.resident_groups))))
        parts.append(residents)
    if not campaign.targets_members:
        unit_paths = _unit_paths(campaign)
        if unit_paths:
            branches = Org.objects.filter(reduce(or_, [Q(path__startswith=p) for p in unit_paths]))
            parts.append(Q(party_member__branch__in=branches.values("pk")))
    return reduce(or_, parts) if parts else None


def coverage_target(campaign: Campaign, orgs: Sequence[Org]) -> QuerySet[Person]:
    """The campaign's target persons held by any of ``orgs`` (see the module docstring)."""
    who = _who_q(campaign)
    orgs = [o for o in orgs if not _disjoint(campaign, o)]
    if who is None or not orgs:
        return Person.objects.none()
    scope = campaign.scope
    condition = Q(is_active=True) & who
    if any(contains_scope(campaign, o) for o in orgs):
        condition &= _holds_q(scope)
    else:
        # A place inside a place scope holds only people the scope holds: one range, not two.
        inside = all(is_place(o) and is_place(scope) and o.path.startswith(scope.path) for o in orgs)
        condition &= reduce(or_, [_holds_q(o) for o in orgs]) if inside \
            else _holds_q(scope) & reduce(or_, [_holds_q(o) for o in orgs])
    return Person.objects.filter(condition)


def _attended(campaign: Campaign, person_ref: str = "pk") -> Exists:
    return Exists(Attendance.objects.filter(campaign=campaign, person=OuterRef(person_ref)))


def _delivered(campaign: Campaign, person_ref: str = "pk") -> Exists:
    return Exists(Delivery.objects.filter(campaign=campaign, person=OuterRef(person_ref)))


def reached_q(campaign: Campaign) -> Q:
    return Q(_attended(campaign)) | Q(_delivered(campaign))


def gaps_q(campaign: Campaign) -> Q:
    """Not reached, written as two NOT EXISTS so the database can run them as anti-joins."""
    return ~Q(_attended(campaign)) & ~Q(_delivered(campaign))



# --- The rows of the target, kept by ``services.coverage`` ------------------------------------

def _entry_holds_q(org: Org) -> Q:
    """``_holds_q`` on the coverage rows: a place by the person's place, else by the branch."""
    if is_place(org):
        return Q(place_path__startswith=org.path)
    return Q(branch_path__startswith=org.path)


def coverage_entries(campaign: Campaign, orgs: Sequence[Org]) -> QuerySet[CoverageEntry]:
    """The campaign's rows of the target persons held by any of ``orgs``: ``coverage_target``
    read from the rows. Every row is held by the scope already, so an org that contains the scope
    takes them all, and one inside it narrows them to its own."""
    rows = CoverageEntry.objects.filter(campaign=campaign)
    orgs = [o for o in orgs if not _disjoint(campaign, o)]
    if not orgs:
        return rows.none()
    if any(contains_scope(campaign, o) for o in orgs):
        return rows
    return rows.filter(reduce(or_, [_entry_holds_q(o) for o in orgs]))


# What ``people.selectors.person_visible_q`` filters persons on, and the same on the rows.
_ON_ENTRIES = {"org_path": "place_path", "pk": "person_id", "id": "person_id"}


def entries_visible_q(visible: Q) -> Q:
    """A filter of persons (``person_visible_q``) as a filter of their coverage rows: the same
    conditions on the copies the rows hold, so that the gap list is read from one index. A
    condition on anything else is read on the persons."""
    def rebase(node):
        if isinstance(node, Q):
            children = [rebase(child) for child in node.children]
            if any(child is None for child in children):
                return None
            q = Q(*children, _connector=node.connector, _negated=node.negated)
            return q
        name, value = node
        field, _sep, lookup = name.partition("__")
        if field not in _ON_ENTRIES:
            return None
        return (_ON_ENTRIES[field] + (f"__{lookup}" if lookup else ""), value)

    rebased = rebase(visible)
    return rebased if rebased is not None else Q(person__in=Person.objects.filter(visible).values("pk"))


@contextmanager
def _figures_transaction():
    """Settings of the coverage reads, for their own transaction on PostgreSQL: room for the
    summary's three hash tables together (``work_mem``, a few MB at most): under the default
    4 MB, estimated from the row count, the planner sorts a million rows on disk for one of them
    instead (7 s instead of 3 s on a loaded machine). (No ``jit``: off for all the app's
    connections, see the settings.)"""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '32MB'")
        yield



class TreeOrder(Collate):
    """A path in the tree's order: byte by byte (``COLLATE "C"`` on PostgreSQL; SQLite compares
    bytes already), so that ``/1/2/`` sorts right before ``/1/2/3/`` whatever the database's
    locale. It also keeps PostgreSQL from walking the whole people index in locale order to find
    the first page of one street: it reads the street's range and sorts it (measured on a
    million people: 410 ms for one page of a street of 20,000 the first way, under 100 ms this
    way)."""

    def __init__(self, expression):
        super().__init__(expression, "C")

    def as_sqlite(self, compiler, connection, **extra_context):
        return compiler.compile(self.get_source_expressions()[0])

