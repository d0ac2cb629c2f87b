"""The gap list (未覆盖名单): the target persons not reached, in place then name order, a page at a
time from the campaign's ``CoverageEntry`` rows, each with the way that fits them and who answers
for them (see the package docstring)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from tongxin.accounts.models import Role, RoleAssignment
from tongxin.campaigns.models import Campaign
from tongxin.orgs.models import Org, OrgKind
from tongxin.people.models import Person, Responsibility, ResponsibilityKind, StudyPair
from tongxin.people.selectors import ancestor_paths

from ...models import CoverageEntry, DeliveryKind, Session, SessionKind, SessionStatus
from .tally import tallied, tally_gap_count
from .target import TreeOrder, _figures_transaction, coverage_entries, entries_visible_q

GAP_PAGE_SIZE = 30

# The ways a person not yet reached may be suggested (``GapWay.code``).
WAY_HOME = "home"
WAY_ONLINE_OR_BOOK = "online_or_pocket_book"
WAY_PARTNER = "partner"
WAY_SESSION = "session"
WAY_UNSCHEDULED = "unscheduled"

# Session kinds that reach a resident, and a member, in their place (see the gap list).
RESIDENT_SESSION_KINDS = (SessionKind.OUTREACH, SessionKind.MICRO_CLASS)
MEMBER_SESSION_KINDS = (SessionKind.OUTREACH, SessionKind.MICRO_CLASS, SessionKind.GROUP_STUDY)

# The three ways a grid worker records from the to-do list.
TODO_DELIVERY_KINDS = (DeliveryKind.HOME, DeliveryKind.ONLINE, DeliveryKind.POCKET_BOOK)


def _gap_entries(campaign: Campaign, orgs: Sequence[Org], visible: Q | None) -> QuerySet[CoverageEntry]:
    """The rows of the gaps, in the list's order: the place path (byte order, as the column's
    collation), the name, the person — which is the order of the partial index of the gaps."""
    rows = coverage_entries(campaign, orgs).filter(first_reached_at__isnull=True)
    if visible is not None:
        rows = rows.filter(entries_visible_q(visible))
    return rows.order_by("place_path", "name", "person_id")


def _tallied_count(campaign: Campaign, orgs: Sequence[Org], visible: Q | None) -> int | None:
    """The length of the unfiltered list of places above the grids (a community, a street, the
    district: up to hundreds of thousands of gaps), from the tallies (target − reached of their
    areas); None when it is to be counted from the rows (a grid's or a building's few hundred,
    or a list narrowed to what a grid worker may see)."""
    if visible is not None or not orgs or not all(tallied(o) and o.kind != OrgKind.GRID for o in orgs):
        return None
    return tally_gap_count(campaign, orgs)


def coverage_gaps(campaign: Campaign, orgs: Sequence[Org], *, visible: Q | None = None) -> QuerySet[Person]:
    """Target persons not reached, by place then name. ``visible`` narrows to the rows the reader
    may see (``people.selectors.person_visible_q``)."""
    ids = _gap_entries(campaign, orgs, visible).order_by().values("person_id")
    return Person.objects.filter(pk__in=ids).order_by(TreeOrder("org_path"), "name", "id")


def _persons_in_order(ids: Sequence[int]) -> list[Person]:
    """The page's persons with what the page shows of them, in the order of ``ids``. The page is
    first chosen as bare ids from the rows of the gaps, then its 30 persons are read."""
    found = Person.objects.select_related("org", "household", "party_member__branch").in_bulk(list(ids))
    return [found[pk] for pk in ids if pk in found]


def coverage_gap_page(campaign: Campaign, orgs: Sequence[Org], *, page: int | str | None = 1,
                      per_page: int = GAP_PAGE_SIZE, visible: Q | None = None,
                      now: datetime | None = None) -> tuple[Page, list[GapItem]]:
    """One page of the gap list (count and rows in SQL) with each person's way and who answers.
    The page's ``object_list`` holds the persons."""
    count = _tallied_count(campaign, orgs, visible)
    with _figures_transaction():
        ids = _gap_entries(campaign, orgs, visible).values_list("person_id", flat=True)
        paginator = Paginator(ids, per_page)
        if count is not None:
            paginator.count = count  # instead of counting the gaps of a district row by row
        page_obj = paginator.get_page(page)
        page_obj.object_list = _persons_in_order(list(page_obj.object_list))
        items = coverage_gap_items(campaign, page_obj.object_list, now=now)
    return page_obj, items


def coverage_gap_slice(campaign: Campaign, orgs: Sequence[Org], *, offset: int = 0, limit: int = GAP_PAGE_SIZE,
                       visible: Q | None = None, now: datetime | None = None) -> tuple[int, list[GapItem]]:
    """The count of the gap list and ``limit`` of its items from ``offset`` (for the API)."""
    count = _tallied_count(campaign, orgs, visible)
    with _figures_transaction():
        ids = _gap_entries(campaign, orgs, visible).values_list("person_id", flat=True)
        if count is None:
            count = ids.count()
        persons = _persons_in_order(list(ids[offset:offset + limit])) if offset < count else []
        items = coverage_gap_items(campaign, persons, now=now)
    return count, items


@dataclass
class GapWay:
    code: str  # WAY_*
    label: str
    session: Session | None = None
    partner: str = ""  # the study partner's name, for any member who has one
    delivery_kind: str = ""  # the delivery that fits, for the to-do's buttons


@dataclass
class Responsible:
    name: str
    kind: str  # "household", "building", "grid_worker", "area"
    kind_label: str
    person_id: int | None = None


@dataclass
class GapItem:
    person: Person
    way: GapWay
    responsible: list[Responsible]

    @property
    def is_member(self) -> bool:
        return getattr(self.person, "party_member", None) is not None


def _member(person: Person):
    return getattr(person, "party_member", None)


def _session_paths(person: Person) -> list[str]:
    paths = ancestor_paths(person.org_path)
    member = _member(person)
    if member is not None:
        paths += [p for p in ancestor_paths(member.branch.path) if p not in paths]
    return paths


def _next_sessions(campaign: Campaign, paths: Iterable[str], now: datetime) -> dict[str, list[Session]]:
    """For each org path, its soonest upcoming session of each suggested kind (one query)."""
    paths = sorted(set(paths))
    if not paths:
        return {}
    ranked = (
        Session.objects.filter(campaign=campaign, org_path__in=paths, starts_at__gt=now,
                               kind__in=MEMBER_SESSION_KINDS)
        .exclude(status=SessionStatus.CLOSED)
        .annotate(rank=Window(RowNumber(), partition_by=[F("org_path"), F("kind")],
                              order_by=[F("starts_at").asc(), F("id").asc()]))
        .filter(rank=1)
        .select_related("org")
    )
    found: dict[str, list[Session]] = defaultdict(list)
    for session in ranked:
        found[session.org_path].append(session)
    return found


def _suggested_way(person: Person, partners: dict[int, str], sessions: dict[str, list[Session]]) -> GapWay:
    member = _member(person)
    partner = partners.get(person.pk, "")
    if member is not None and member.needs_home_delivery:
        return GapWay(WAY_HOME, str(DeliveryKind.HOME.label), partner=partner, delivery_kind=DeliveryKind.HOME)
    if member is not None and member.is_mobile:
        return GapWay(WAY_ONLINE_OR_BOOK, _("网络助学 或 口袋书"), partner=partner, delivery_kind=DeliveryKind.ONLINE)
    if member is not None and partner:
        return GapWay(WAY_PARTNER, _("由结对党员 %(name)s 助学") % {"name": partner}, partner=partner)
    kinds = MEMBER_SESSION_KINDS if member is not None else RESIDENT_SESSION_KINDS
    candidates = [s for path in _session_paths(person) for s in sessions.get(path, []) if s.kind in kinds]
    if candidates:
        session = min(candidates, key=lambda s: (s.starts_at, s.pk))
        when = formats.date_format(timezone.localtime(session.starts_at), "n月j日 H:i")
        return GapWay(WAY_SESSION, _("%(when)s %(kind)s：%(topic)s（%(org)s）") % {
            "when": when, "kind": session.get_kind_display(), "topic": session.topic, "org": session.org.name,
        }, session=session)
    return GapWay(WAY_UNSCHEDULED, _("待安排宣讲/微课堂"))


def _partners(persons: Sequence[Person]) -> dict[int, str]:
    """Person id → the name of their study partner (the first, by name, of their active pairs)."""
    member_ids = [p.pk for p in persons if _member(p) is not None]
    if not member_ids:
        return {}
    found: dict[int, str] = {}
    pairs = (StudyPair.objects.filter(active=True, member__person_id__in=member_ids)
             .values_list("member__person_id", "helper__person__name").order_by("helper__person__name"))
    for person_id, name in pairs:
        found.setdefault(person_id, name)
    return found


def responsible_for(persons: Sequence[Person]) -> dict[int, list[Responsible]]:
    """Who answers for each person: 包户 > 包楼 > grid worker > 包片, in two queries for a page
    (``people.selectors.who_answers_for`` does one household at a time)."""
    if not persons:
        return {}
    households = {p.household_id for p in persons if p.household_id}
    paths = sorted({a for p in persons for a in ancestor_paths(p.org_path)})
    duties = (
        Responsibility.objects.filter(
            Q(kind=ResponsibilityKind.HOUSEHOLD, household_id__in=households)
            | Q(kind__in=[ResponsibilityKind.BUILDING, ResponsibilityKind.AREA], org_path__in=paths))
        .values_list("kind", "household_id", "org_path", "person_id", "person__name")
        .order_by("person__name", "person_id")
    )
    by_household: dict[int, list[Responsible]] = defaultdict(list)
    by_path: dict[tuple[str, str], list[Responsible]] = defaultdict(list)
    labels = dict(ResponsibilityKind.choices)
    for kind, household_id, org_path, person_id, name in duties:
        entry = Responsible(name=name, kind=kind, kind_label=str(labels[kind]), person_id=person_id)
        if kind == ResponsibilityKind.HOUSEHOLD:
            by_household[household_id].append(entry)
        else:
            by_path[(kind, org_path)].append(entry)
    workers: dict[str, list[Responsible]] = defaultdict(list)
    grants = (RoleAssignment.objects.filter(role=Role.GRID_WORKER, org__path__in=paths)
              .select_related("user__person", "org").order_by("org__path", "user__username"))
    for grant in grants:
        user = grant.user
        workers[grant.org.path].append(Responsible(
            name=user.display_name, kind="grid_worker", kind_label=str(Role.GRID_WORKER.label),
            person_id=user.person_id))

    result = {}
    for person in persons:
        chain = list(reversed(ancestor_paths(person.org_path)))  # the deepest place first
        found = by_household.get(person.household_id, []) if person.household_id else []
        for kind_paths in (
            [by_path.get((ResponsibilityKind.BUILDING, p), []) for p in chain],
            [workers.get(p, []) for p in chain],
            [by_path.get((ResponsibilityKind.AREA, p), []) for p in chain],
        ):
            if found:
                break
            found = next((entries for entries in kind_paths if entries), [])
        result[person.pk] = found
    return result


def coverage_gap_items(campaign: Campaign, persons: Sequence[Person], *,
                       now: datetime | None = None) -> list[GapItem]:
    """The suggested way and who answers, for a page of gap persons (three queries for the page)."""
    persons = list(persons)
    now = now or timezone.now()
    partners = _partners(persons)
    needs_session = [p for p in persons if not (_member(p) and (_member(p).needs_home_delivery
                                                                or _member(p).is_mobile
                                                                or p.pk in partners))]
    sessions = _next_sessions(campaign, {path for p in needs_session for path in _session_paths(p)}, now)
    answers = responsible_for(persons)
    return [GapItem(person=p, way=_suggested_way(p, partners, sessions), responsible=answers.get(p.pk, []))
            for p in persons]


