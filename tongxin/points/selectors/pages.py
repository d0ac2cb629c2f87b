"""Reads of the points pages: a person's entries and redemptions, a community's catalogue, the
communities a staff account runs a store for, and a community's statement for a period (totals as
SQL aggregates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from tongxin.accounts.selectors import scope_paths
from tongxin.orgs.models import Org, OrgKind
from tongxin.people.models import Person

from ..models import EarningRule, EntryKind, PointsEntry, Redemption, RedemptionStatus, Reward
from ..permissions import STORE_ROLES


def person_entries(person: Person) -> QuerySet[PointsEntry]:
    """The person's ledger, newest first (page it)."""
    return PointsEntry.objects.filter(person=person).order_by("-at", "-id")


def person_redemptions(person: Person, status: str = "") -> QuerySet[Redemption]:
    qs = Redemption.objects.filter(person=person).select_related("reward").order_by("-created_at", "-id")
    return qs.filter(status=status) if status in RedemptionStatus.values else qs


def catalogue_of(org: Org | None, *, on_sale_only: bool = True) -> QuerySet[Reward]:
    if org is None:
        return Reward.objects.none()
    qs = Reward.objects.filter(org=org)
    if on_sale_only:
        qs = qs.filter(active=True)
    return qs.order_by("-active", "cost", "name")


def _staff_orgs(user, kinds) -> QuerySet[Org]:
    """The orgs of ``kinds`` under the account's store-staff scopes."""
    under = Q()
    for path in scope_paths(user, STORE_ROLES):
        under |= Q(path__startswith=path)
    if not under:
        return Org.objects.none()
    return Org.objects.filter(under, kind__in=kinds).order_by("path")


def store_communities(user) -> QuerySet[Org]:
    """The communities (villages) where the account runs the store: under its staff scopes."""
    return _staff_orgs(user, [OrgKind.COMMUNITY, OrgKind.VILLAGE])


def rule_orgs(user) -> QuerySet[Org]:
    """The orgs whose earning rules the account edits: its streets and communities."""
    return _staff_orgs(user, [OrgKind.STREET, OrgKind.TOWNSHIP, OrgKind.COMMUNITY, OrgKind.VILLAGE])


def rules_of(org: Org) -> QuerySet[EarningRule]:
    return EarningRule.objects.filter(org=org).order_by("action")


def redemption_by_code(code: str) -> Redemption | None:
    code = (code or "").strip().upper().replace(" ", "")
    if not code:
        return None
    return Redemption.objects.select_related("reward__org", "person").filter(code=code).first()


@dataclass(frozen=True)
class Statement:
    org: Org
    since: date
    until: date
    entries: QuerySet[PointsEntry]
    redemptions: QuerySet[Redemption]
    totals: dict
    by_kind: list[dict]
    by_status: list[dict]


def _day_bounds(since: date, until: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (datetime.combine(since, time.min, tzinfo=tz),
            datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz))


def statement_for(org: Org, since: date, until: date) -> Statement:
    """The entries and redemptions of ``org`` (and below) from ``since`` to ``until`` inclusive,
    with their totals: earned, spent, refunded, corrected, net; redemptions by status."""
    start, end = _day_bounds(since, until)
    entries = (PointsEntry.objects.filter(org_path__startswith=org.path, at__gte=start, at__lt=end)
               .select_related("person").order_by("-at", "-id"))
    redemptions = (Redemption.objects.filter(org_path__startswith=org.path, created_at__gte=start, created_at__lt=end)
                   .select_related("reward", "person").order_by("-created_at", "-id"))
    totals = entries.aggregate(
        earned=Sum("amount", filter=Q(kind=EntryKind.EARN), default=0),
        spent=Sum("amount", filter=Q(kind=EntryKind.SPEND), default=0),
        refunded=Sum("amount", filter=Q(kind=EntryKind.REFUND), default=0),
        corrected=Sum("amount", filter=Q(kind=EntryKind.CORRECTION), default=0),
        net=Sum("amount", default=0), count=Count("id"), people=Count("person", distinct=True))
    totals.update(redemptions.aggregate(
        redeemed_count=Count("id"), redeemed_points=Sum("points", default=0),
        fulfilled=Count("id", filter=Q(status=RedemptionStatus.FULFILLED))))
    by_kind = list(entries.order_by().values("kind").annotate(n=Count("id"), total=Sum("amount")).order_by("kind"))
    labels = dict(EntryKind.choices)
    for row in by_kind:
        row["label"] = labels.get(row["kind"], row["kind"])
    by_status = list(redemptions.order_by().values("status").annotate(n=Count("id"), points=Sum("points"))
                     .order_by("status"))
    status_labels = dict(RedemptionStatus.choices)
    for row in by_status:
        row["label"] = status_labels.get(row["status"], row["status"])
    return Statement(org, since, until, entries, redemptions, totals, by_kind, by_status)
