"""Reads of the points pages: a person's entries and redemptions, a community's catalogue, the
communities a staff account runs a store for, a community's statement for a period (totals as
SQL aggregates), and the orgs whose figures (积分统计, ``points.figures``) an account reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tongxin.accounts.selectors import scope_paths
from tongxin.orgs.models import Org, OrgKind
from tongxin.people.models import Person

from ..figures import TOP, PointsFigures
from ..models import EarningRule, EntryKind, PointsEntry, Redemption, RedemptionStatus, Reward
from ..permissions import FIGURES_ROLES, STORE_ROLES


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


def _orgs_under(user, roles, kinds) -> QuerySet[Org]:
    """The orgs of ``kinds`` under the account's scopes of ``roles``, in the order of the tree."""
    under = Q()
    for path in scope_paths(user, roles):
        under |= Q(path__startswith=path)
    if not under:
        return Org.objects.none()
    return Org.objects.filter(under, kind__in=kinds).order_by("path")


def store_communities(user) -> QuerySet[Org]:
    """The communities (villages) where the account runs the store: under its staff scopes."""
    return _orgs_under(user, STORE_ROLES, [OrgKind.COMMUNITY, OrgKind.VILLAGE])


def rule_orgs(user) -> QuerySet[Org]:
    """The orgs whose earning rules the account edits: its streets and communities."""
    return _orgs_under(user, STORE_ROLES, [OrgKind.STREET, OrgKind.TOWNSHIP, OrgKind.COMMUNITY, OrgKind.VILLAGE])


# The orgs with figures of their own: from a city down to the communities; the points of a grid or
# a building are their community's (entries carry the community).
FIGURES_KINDS = (OrgKind.CITY, OrgKind.DISTRICT, OrgKind.STREET, OrgKind.TOWNSHIP, OrgKind.COMMUNITY,
                 OrgKind.VILLAGE)


def figures_orgs(user) -> QuerySet[Org]:
    """The orgs whose points figures the account reads (``points.view_figures``): its staff and
    superior scopes and the places under them, in the order of the tree."""
    return _orgs_under(user, FIGURES_ROLES, FIGURES_KINDS)


# What each figure of the page and the export counts, in a line.
FIGURES_DEFINITIONS = {
    "totals": _("获得积分：统计期内居民获得的积分；兑换使用：统计期内兑换商品所用的积分；"
                "退还：统计期内因兑换取消或过期退回的积分；净使用 = 兑换使用 − 退还；"
                "参与人数：统计期内获得过积分的人数（每人只计一次）。"),
    "by_action": _("每类事项在统计期内获得、兑换使用和退还的积分。"),
    "by_org": _("各下级在统计期内获得、兑换使用和退还的积分，按居民所在社区归属。"),
    "top": format_lazy(_("每个社区统计期内获得积分最多的前 {n} 人，只计获得，不减兑换。"), n=TOP),
    "rewards": _("统计期内提交的兑换，按商品统计笔数、件数、所用积分和各状态笔数（状态为当前状态）。"),
}


def figures_totals(figures: PointsFigures) -> list[tuple[str, str, int]]:
    """The totals of the figures as ``(key, label, value)``: the page's and the export's."""
    return [
        ("earned", _("获得积分"), figures.earned),
        ("spent", _("兑换使用"), figures.spent),
        ("refunded", _("退还"), figures.refunded),
        ("net", _("净使用"), figures.spent - figures.refunded),
        ("participants", _("参与人数"), figures.participants),
    ]


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
