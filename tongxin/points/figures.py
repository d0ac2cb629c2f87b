"""Figures of the points (积分统计) for an org and a period: earned, spent and refunded by action
and by the org's children, how many people earned any (participation), the top earners of each
community, and redemptions by reward. A few grouped SQL queries, each over the org's subtree by
the materialised path; nothing loops over entries in Python. The sums are read from the day
tallies and the earners from the accounts (``points.tally``); only the rankings read entries.

Spent is the gross of the redemptions made in the period; refunded what came back in it (a
cancelled or expired redemption), so the points that left the ledger are ``spent - refunded``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from tongxin.orgs.models import Org, OrgKind

from .actions import PointsAction
from .models import EntryKind, PointsEntry, Redemption, RedemptionStatus
from .tally import TALLIED, day_tallies, earners_count

TOP = 10
PLACES = (OrgKind.STREET, OrgKind.TOWNSHIP, OrgKind.COMMUNITY, OrgKind.VILLAGE)


@dataclass(frozen=True)
class Movement:
    """Points earned, spent and refunded (all positive numbers) under one heading."""

    key: object
    label: str
    earned: int = 0
    spent: int = 0
    refunded: int = 0


@dataclass(frozen=True)
class Earner:
    community_id: int
    community: str
    person_id: int
    name: str
    earned: int
    rank: int


@dataclass(frozen=True)
class RewardFigures:
    reward_id: int
    name: str
    community: str
    redemptions: int
    quantity: int
    points: int
    by_status: dict[str, int]


@dataclass(frozen=True)
class PointsFigures:
    org: Org
    date_from: date
    date_to: date
    by_action: list[Movement]
    by_org: list[Movement]
    participants: int
    top_earners: dict[int, list[Earner]] = field(default_factory=dict)  # community id → its top ten
    rewards: list[RewardFigures] = field(default_factory=list)

    @property
    def earned(self) -> int:
        return sum(m.earned for m in self.by_action)

    @property
    def spent(self) -> int:
        return sum(m.spent for m in self.by_action)

    @property
    def refunded(self) -> int:
        return sum(m.refunded for m in self.by_action)


def _bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """Local days, both included."""
    tz = timezone.get_current_timezone()
    return (timezone.make_aware(datetime.combine(date_from, time.min), tz),
            timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min), tz))


def _entries(org: Org, start: datetime, end: datetime):
    return PointsEntry.objects.filter(org_path__startswith=org.path, at__gte=start, at__lt=end)


def _action_label(action: str) -> str:
    if action in PointsAction.values:
        return str(PointsAction(action).label)
    return {"redeem": "积分兑换", "": "其他"}.get(action, action)


@dataclass(frozen=True)
class PointsTotals:
    earned: int
    spent: int
    refunded: int
    participants: int


_TALLY_SUMS = {name: Coalesce(Sum(name), 0) for name in TALLIED.values()}


def points_totals(org: Org, date_from: date, date_to: date) -> PointsTotals:
    """The totals of ``points_figures`` alone (earned, spent, refunded, people who earned any), from
    the day tallies and the accounts: what the reports' figures need, without the rankings and
    the rewards."""
    sums = day_tallies(org, date_from, date_to).aggregate(**_TALLY_SUMS)
    participants = earners_count(org, *_bounds(date_from, date_to))
    return PointsTotals(sums["earned"], sums["spent"], sums["refunded"], participants)


def points_figures(org: Org, date_from: date, date_to: date) -> PointsFigures:
    """The points figures of ``org``'s subtree from ``date_from`` to ``date_to`` (local days,
    both included)."""
    start, end = _bounds(date_from, date_to)
    entries = _entries(org, start, end)
    tallies = day_tallies(org, date_from, date_to)

    by_action = [Movement(row["action"], _action_label(row["action"]), row["earned"], row["spent"], row["refunded"])
                 for row in tallies.values("action").annotate(**_TALLY_SUMS).order_by("action")]

    # Entries carry the person's community; the org's children (communities of a street, or the
    # streets of a district) are found by path prefix among the few community rows.
    per_community = {row["org_id"]: row for row in tallies.values("org_id", "org_path").annotate(**_TALLY_SUMS)}
    children = list(Org.objects.filter(parent=org).order_by("path")) or [org]
    by_org = []
    for child in children:
        rows = [row for row in per_community.values() if row["org_path"].startswith(child.path)]
        if rows or child.kind in PLACES:  # a place with nothing earned shows as 0; a branch or unit not at all
            by_org.append(Movement(child.pk, child.name, *(sum(row[k] for row in rows) for k in TALLIED.values())))

    participants = earners_count(org, start, end)

    ranked = (entries.filter(kind=EntryKind.EARN)
              .values("org_id", "org__name", "person_id", "person__name")
              .annotate(total=Sum("amount"))
              .annotate(rank=Window(RowNumber(), partition_by=[F("org_id")],
                                    order_by=[F("total").desc(), F("person_id").asc()]))
              .filter(rank__lte=TOP)
              .order_by("org_id", "rank"))
    top: dict[int, list[Earner]] = {}
    for row in ranked:
        top.setdefault(row["org_id"], []).append(Earner(row["org_id"], row["org__name"], row["person_id"],
                                                        row["person__name"], row["total"], row["rank"]))

    status_counts = {f"n_{status}": Count("id", filter=Q(status=status)) for status in RedemptionStatus.values}
    rewards = [
        RewardFigures(row["reward_id"], row["reward__name"], row["reward__org__name"], row["n"], row["quantity"],
                      row["points"], {status: row[f"n_{status}"] for status in RedemptionStatus.values})
        for row in (Redemption.objects.filter(org_path__startswith=org.path, created_at__gte=start,
                                              created_at__lt=end)
                    .values("reward_id", "reward__name", "reward__org__name")
                    .annotate(n=Count("id"), quantity=Sum("quantity"), points=Sum("points"), **status_counts)
                    .order_by("-n", "reward__name"))
    ]
    return PointsFigures(org=org, date_from=date_from, date_to=date_to, by_action=by_action, by_org=by_org,
                         participants=participants, top_earners=top, rewards=rewards)
