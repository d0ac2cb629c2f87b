"""The ledger: the one service every module calls to award points (``points_award``), the spend
of a redemption (``points_spend``), refunds and corrections (reversing rows).

Each movement locks the person's account row, writes one ``PointsEntry`` with its unique key and
moves the balance in the same transaction, so the balance always equals the sum of the entries
and never goes below zero (the database refuses a negative balance too). A retry with the same
key finds the first entry and writes nothing. Caps are read under the same lock, so two awards
at once cannot both pass a cap that only one fits under.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.audit import AuditAction, audit_record
from tongxin.orgs.models import Org, OrgKind
from tongxin.people.models import Person

from ..models import CapPeriod, EarningRule, EntryKind, PointsAccount, PointsEntry

REASON_MAX = 200


class NotEnoughPoints(ValidationError):
    """The balance does not cover the spend: the caller answers 409 with this message."""


@dataclass(frozen=True)
class Award:
    """What an award did: the entry (``None`` when nothing was awarded) and why not."""

    entry: PointsEntry | None
    capped: str = ""  # "daily" or "period" when a cap left nothing to award

    @property
    def points(self) -> int:
        return self.entry.amount if self.entry else 0


def community_of_path(path: str) -> Org | None:
    ids = [int(part) for part in path.strip("/").split("/") if part]
    return (Org.objects.filter(pk__in=ids, kind__in=[OrgKind.COMMUNITY, OrgKind.VILLAGE]).order_by("-depth").first())


def _account(person: Person) -> PointsAccount:
    """The person's account, created on first use, and locked for this transaction."""
    account = PointsAccount.objects.select_for_update().filter(person=person).first()
    if account is not None:
        return account
    org = community_of_path(person.org_path) or person.org
    try:
        with transaction.atomic():
            PointsAccount.objects.create(person=person, org=org, org_path=org.path)
    except IntegrityError:
        pass  # created by a parallel first award: lock that one
    return PointsAccount.objects.select_for_update().get(person=person)


def _source(source) -> tuple[str, str]:
    if source is None:
        return "", ""
    return source._meta.label_lower, str(source.pk)


def _write(*, account: PointsAccount, amount: int, kind: str, action: str, reason: str, source, by, key: str,
           reverses: PointsEntry | None = None, at: datetime | None = None) -> PointsEntry:
    if account.balance + amount < 0:
        raise NotEnoughPoints(_("积分不足：需要 %(need)d 分，当前余额 %(have)d 分") % {
            "need": -amount, "have": account.balance})
    source_type, source_id = _source(source)
    entry = PointsEntry.objects.create(
        account=account, person_id=account.person_id, org_id=account.org_id, org_path=account.org_path,
        amount=amount, kind=kind, action=action, reason=(reason or "")[:REASON_MAX], source_type=source_type,
        source_id=source_id, reverses=reverses, by=by if getattr(by, "pk", None) else None, at=at or timezone.now(),
        key=key)
    account.balance += amount
    if kind == EntryKind.EARN:
        account.earned += amount
    elif kind == EntryKind.SPEND:
        account.spent -= amount
    elif kind == EntryKind.REFUND:
        account.spent -= amount  # a refund gives back what was spent
    elif kind == EntryKind.CORRECTION and reverses is not None and reverses.kind == EntryKind.EARN:
        account.earned += amount  # an award taken back was never earned
    account.save(update_fields=["balance", "earned", "spent", "updated_at"])
    return entry


def rule_for(person: Person, action: str) -> EarningRule | None:
    """The active rule of ``action`` nearest above the person's place (a community's own rule
    before its street's)."""
    ids = [int(part) for part in person.org_path.strip("/").split("/") if part]
    return (EarningRule.objects.filter(org_id__in=ids, action=action, active=True)
            .select_related("org").order_by("-org__depth").first())


def _period_start(rule: EarningRule, now: datetime, campaign=None) -> datetime | None:
    local = timezone.localtime(now)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if rule.period == CapPeriod.WEEK:
        return day - timedelta(days=day.weekday())
    if rule.period == CapPeriod.MONTH:
        return day.replace(day=1)
    if rule.period == CapPeriod.CAMPAIGN and campaign is not None:
        return timezone.make_aware(datetime.combine(campaign.starts_on, datetime.min.time()))
    return None


def _earned_since(account: PointsAccount, action: str, day: datetime | None,
                  period: datetime | None) -> tuple[int, int]:
    """Points of ``action`` earned since the start of the day and of the period (either may be
    ``None``: not capped), in one query: the award holds the account lock while it reads."""
    if day is None and period is None:
        return 0, 0
    since = min(t for t in (day, period) if t is not None)
    totals = (PointsEntry.objects.filter(account=account, action=action, kind=EntryKind.EARN, at__gte=since)
              .aggregate(day=Sum("amount", filter=Q(at__gte=day or since)),
                         period=Sum("amount", filter=Q(at__gte=period or since))))
    return totals["day"] or 0, totals["period"] or 0


@transaction.atomic
def points_award(*, by, person: Person, action: str, key: str, source=None, reason: str = "",
                 campaign=None, at: datetime | None = None) -> Award:
    """Award the points of ``action`` to ``person`` by the rule nearest above their place, within
    its caps (an award that would pass a cap gets what is left under it). ``key`` names the event
    (e.g. ``attendance:123``): the same key awards once. No rule, an inactive person, or a cap
    reached: nothing is written. ``at`` dates an award of the past (the demo's eight weeks, a
    paper register entered late): its caps are those of that day and period, so backfill in
    date order."""
    existing = PointsEntry.objects.filter(key=key).first()
    if existing is not None:
        return Award(existing)
    if not person.is_active:
        return Award(None)
    rule = rule_for(person, action)
    if rule is None:
        return Award(None)
    account = _account(person)
    existing = PointsEntry.objects.filter(key=key).first()  # a parallel retry that got the lock first
    if existing is not None:
        return Award(existing)
    amount, capped = rule.points, ""
    now = at or timezone.now()
    today = (timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
             if rule.daily_cap is not None else None)
    start = _period_start(rule, now, campaign) if rule.period_cap is not None else None
    earned_today, earned_period = _earned_since(account, action, today, start)
    if today is not None:
        left = rule.daily_cap - earned_today
        if left < amount:
            amount, capped = max(left, 0), "daily"
    if start is not None:
        left = rule.period_cap - earned_period
        if left < amount:
            amount, capped = max(left, 0), "period"
    if amount <= 0:
        return Award(None, capped)
    entry = _write(account=account, amount=amount, kind=EntryKind.EARN, action=action, reason=reason, source=source,
                   by=by, key=key, at=at)
    audit_record(by=by, action=AuditAction.POINTS_AWARDED, obj=entry, changes={
        "person": person.pk, "action": action, "amount": amount, "capped": capped, "key": key})
    return Award(entry, capped)


@transaction.atomic
def points_spend(*, by, person: Person, amount: int, action: str, key: str, source=None,
                 reason: str = "") -> PointsEntry:
    """Take ``amount`` points (a redemption): refused with ``NotEnoughPoints`` when the balance
    does not cover it. The same key spends once."""
    if amount <= 0:
        raise ValidationError({"amount": _("积分数必须大于零")})
    existing = PointsEntry.objects.filter(key=key).first()
    if existing is not None:
        return existing
    account = _account(person)
    existing = PointsEntry.objects.filter(key=key).first()
    if existing is not None:
        return existing
    entry = _write(account=account, amount=-amount, kind=EntryKind.SPEND, action=action, reason=reason,
                   source=source, by=by, key=key)
    audit_record(by=by, action=AuditAction.POINTS_SPENT, obj=entry, changes={
        "person": person.pk, "action": action, "amount": amount, "key": key})
    return entry


@transaction.atomic
def points_reverse(*, by, entry: PointsEntry, reason: str, kind: str = EntryKind.CORRECTION) -> PointsEntry:
    """A row that undoes ``entry`` (a refund of a spend, a correction of a wrong award); an entry
    is reversed once. Reversing an award needs the points to still be there."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明冲正原因")})
    account = _account(entry.person)
    entry = PointsEntry.objects.get(pk=entry.pk)
    if entry.reverses_id is not None:
        raise ValidationError(_("冲正记录不能再冲正"))
    done = PointsEntry.objects.filter(reverses=entry).first()
    if done is not None:
        return done
    reversal = _write(account=account, amount=-entry.amount, kind=kind, action=entry.action, reason=reason,
                      source=None, by=by, key=f"reverse:{entry.pk}", reverses=entry)
    audit_record(by=by, action=AuditAction.POINTS_REVERSED, obj=reversal, changes={
        "person": entry.person_id, "reverses": entry.pk, "amount": reversal.amount, "reason": reason})
    return reversal


CHECKIN = "daily_checkin"  # PointsAction.DAILY_CHECKIN (actions.py imports the models, not this module)


def points_checkin(*, by, person: Person) -> Award:
    """The daily check-in (打卡): the points of the ``daily_checkin`` rule, once a day (the key
    is the person and the local date, so a second tap the same day finds the first)."""
    if by is not None and getattr(by, "person_id", None) != person.pk:
        raise PermissionError(_("只能为本人打卡"))
    day = timezone.localdate()
    return points_award(by=by, person=person, action=CHECKIN, key=f"{CHECKIN}:{person.pk}:{day.isoformat()}",
                        reason=_("每日打卡"))


def balance_of(person: Person) -> int:
    account = PointsAccount.objects.filter(person=person).values_list("balance", flat=True).first()
    return account or 0
