"""The ledger: the one service every module calls to award points (``points_award``), the spend
of a redemption (``points_spend``), refunds and corrections (reversing rows).

Each movement locks the person's account row, writes one ``PointsEntry`` with its unique key and
moves the balance in the same transaction, so the balance always equals the sum of the entries
and never goes below zero (the database refuses a negative balance too). A retry with the same
key finds the first entry and writes nothing. Caps are read under the same lock, so two awards
at once cannot both pass a cap that only one fits under.

On PostgreSQL the entry, the balance and the audit entry are written by one prepared statement
(``_write``): an award costs the lock, the read of the caps and that statement. A caller that
already holds the rule and knows the key is new (the QR check-in, which reads the rule with the
person) passes ``rule=`` and ``new_key=True`` and pays nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from functools import cache

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.audit import AuditAction, audit_insert_sql, audit_record, audit_sql_params
from tongxin.core.prepared import model_from_row, prepared_cursor
from tongxin.orgs.models import Org, OrgKind
from tongxin.people.models import Person

from ..models import CapPeriod, EarningRule, EntryKind, PointsAccount, PointsEntry, PointsTallyMark
from ..tally import TALLIED

REASON_MAX = 200


class NotEnoughPoints(ValidationError):
    """The balance does not cover the spend: the caller answers 409 with this message."""


def not_enough_points(*, need: int, have: int) -> NotEnoughPoints:
    return NotEnoughPoints(_("积分不足：需要 %(need)d 分，当前余额 %(have)d 分") % {"need": need, "have": have})


@dataclass(frozen=True)
class Award:
    """What an award did: the entry (``None`` when nothing was awarded) and why not."""

    entry: PointsEntry | None
    capped: str = ""  # "daily" or "period" when a cap left nothing to award

    @property
    def points(self) -> int:
        return self.entry.amount if self.entry else 0


def community_of_path(path: str) -> Org | None:
    ids = _path_ids(path)
    return (Org.objects.filter(pk__in=ids, kind__in=[OrgKind.COMMUNITY, OrgKind.VILLAGE]).order_by("-depth").first())


def _account(person: Person) -> tuple[PointsAccount, bool]:
    """The person's account, locked for this transaction, and whether it was opened just now (so
    it has no entries yet). Opened on first use in the person's community (else their own org)."""
    account = _locked_account(person)
    if account is not None:
        return account, False
    if connection.vendor == "postgresql":
        with prepared_cursor() as cursor:
            cursor.execute(_open_sql(), {"person": person.pk, "org": person.org_id, "ids": _path_ids(person.org_path),
                                         "kinds": [OrgKind.COMMUNITY, OrgKind.VILLAGE], "now": timezone.now()})
            row = cursor.fetchone()
        if row is not None:
            # Inserted by this transaction: nobody else sees it, and a parallel insert of the same
            # person waits for this one to end, so it is as good as locked.
            return model_from_row(PointsAccount, row), True
    else:
        org = community_of_path(person.org_path) or person.org
        PointsAccount.objects.bulk_create([PointsAccount(person_id=person.pk, org=org, org_path=org.path)],
                                          ignore_conflicts=True)
    # A parallel first award may have opened it at the same moment: the conflict was ignored (no
    # savepoint, so the caller's transaction stays usable) and that row is the one locked.
    return PointsAccount.objects.select_for_update().get(person=person), False


def _locked_account(person: Person) -> PointsAccount | None:
    if connection.vendor != "postgresql":
        return PointsAccount.objects.select_for_update().filter(person=person).first()
    with prepared_cursor() as cursor:  # the hot path's: a prepared statement, no query to build
        cursor.execute(_lock_sql(), {"person": person.pk})
        row = cursor.fetchone()
    return model_from_row(PointsAccount, row) if row is not None else None


@cache
def _lock_sql() -> str:
    returned = ", ".join(f.column for f in PointsAccount._meta.concrete_fields)
    return f"SELECT {returned} FROM {PointsAccount._meta.db_table} WHERE person_id = %(person)s FOR UPDATE"


def _path_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


@cache
def _open_sql() -> str:
    """(PostgreSQL) Open an account in the person's community, found in the same statement."""
    accounts, orgs = PointsAccount._meta.db_table, Org._meta.db_table
    returned = ", ".join(f.column for f in PointsAccount._meta.concrete_fields)
    return (
        f"WITH place AS (SELECT id, path FROM ("
        f"(SELECT id, path, 0 AS choice FROM {orgs} WHERE id = ANY(%(ids)s) AND kind = ANY(%(kinds)s) "
        f"ORDER BY depth DESC LIMIT 1) "
        f"UNION ALL SELECT id, path, 1 FROM {orgs} WHERE id = %(org)s) AS candidates ORDER BY choice LIMIT 1) "
        f"INSERT INTO {accounts} (person_id, org_id, org_path, balance, earned, spent, updated_at) "
        f"SELECT %(person)s, id, path, 0, 0, 0, %(now)s FROM place "
        f"ON CONFLICT (person_id) DO NOTHING RETURNING {returned}"
    )


def _source(source) -> tuple[str, str]:
    if source is None:
        return "", ""
    return source._meta.label_lower, str(source.pk)


def _write(*, account: PointsAccount, amount: int, kind: str, action: str, reason: str, source, by, key: str,
           audit_action: str, changes: dict, reverses: PointsEntry | None = None,
           at: datetime | None = None) -> PointsEntry:
    """The entry, the account's new balance and the audit entry, on the locked ``account``."""
    if account.balance + amount < 0:
        raise not_enough_points(need=-amount, have=account.balance)
    source_type, source_id = _source(source)
    entry = PointsEntry(
        account=account, person_id=account.person_id, org_id=account.org_id, org_path=account.org_path,
        amount=amount, kind=kind, action=action, reason=(reason or "")[:REASON_MAX], source_type=source_type,
        source_id=source_id, reverses=reverses, by=by if getattr(by, "pk", None) else None, at=at or timezone.now(),
        key=key)
    earned = amount if kind == EntryKind.EARN or (
        kind == EntryKind.CORRECTION and reverses is not None and reverses.kind == EntryKind.EARN) else 0
    spent = -amount if kind in (EntryKind.SPEND, EntryKind.REFUND) else 0  # a refund gives back what was spent
    account.balance += amount
    account.earned += earned
    account.spent += spent
    earned_at = entry.at if kind == EntryKind.EARN else None
    if connection.vendor == "postgresql":
        return _write_in_one_statement(entry, earned=earned, spent=spent, earned_at=earned_at, by=by,
                                       audit_action=audit_action, changes=changes)
    entry.save(force_insert=True)
    if earned_at is not None:
        account.first_earned_at = min(filter(None, (account.first_earned_at, earned_at)))
        account.last_earned_at = max(filter(None, (account.last_earned_at, earned_at)))
    account.save(update_fields=["balance", "earned", "spent", "first_earned_at", "last_earned_at", "updated_at"])
    if kind in TALLIED:
        PointsTallyMark.objects.create(org_id=entry.org_id, org_path=entry.org_path, day=timezone.localdate(entry.at),
                                       action=action, kind=kind, amount=amount)
    audit_record(by=by, action=audit_action, obj=entry, changes=changes)
    return entry


_ENTRY_COLUMNS = [f for f in PointsEntry._meta.concrete_fields if not f.primary_key]


@cache
def _write_sql() -> str:
    entries, accounts, marks = (PointsEntry._meta.db_table, PointsAccount._meta.db_table,
                                PointsTallyMark._meta.db_table)
    columns = ", ".join(f.column for f in _ENTRY_COLUMNS)
    values = ", ".join(f"%({f.attname})s" for f in _ENTRY_COLUMNS)
    returned = ", ".join(f.column for f in PointsEntry._meta.concrete_fields)
    tallied = ", ".join(f"'{kind}'" for kind in TALLIED)
    return (
        f"WITH e AS (INSERT INTO {entries} ({columns}) VALUES ({values}) RETURNING {returned}), "
        f"u AS (UPDATE {accounts} SET balance = balance + %(amount)s, earned = earned + %(earned_delta)s, "
        f"spent = spent + %(spent_delta)s, first_earned_at = LEAST(first_earned_at, %(earned_at)s), "
        f"last_earned_at = GREATEST(last_earned_at, %(earned_at)s), updated_at = %(audit_at)s "
        f"WHERE id = %(account_id)s), "
        f"m AS (INSERT INTO {marks} (org_id, org_path, day, action, kind, amount) "
        f"SELECT org_id, org_path, %(day)s, action, kind, amount FROM e WHERE kind IN ({tallied})), "
        f"audit AS ({audit_insert_sql('e')}) "
        f"SELECT {returned} FROM e"
    )


def _write_in_one_statement(entry: PointsEntry, *, earned: int, spent: int, earned_at: datetime | None, by,
                            audit_action: str, changes: dict) -> PointsEntry:
    """(PostgreSQL) The entry, the balance, the tally's mark and the audit entry in one prepared
    statement: three round trips and the ORM's work for each were most of an award's cost on the
    check-in's path. The database's checks (balance not negative, the key unique) hold as for the
    ORM's writes."""
    params = {f.attname: f.get_db_prep_save(getattr(entry, f.attname), connection) for f in _ENTRY_COLUMNS}
    params.update(earned_delta=earned, spent_delta=spent, earned_at=earned_at, day=timezone.localdate(entry.at))
    params.update(audit_sql_params(by=by, action=audit_action, model=PointsEntry, repr_prefix=PointsEntry.REPR_PREFIX,
                                   changes=changes))
    with prepared_cursor() as cursor:
        cursor.execute(_write_sql(), params)
        row = cursor.fetchone()
    return model_from_row(PointsEntry, row)


def rule_for(person: Person, action: str) -> EarningRule | None:
    """The active rule of ``action`` nearest above the person's place (a community's own rule
    before its street's)."""
    ids = _path_ids(person.org_path)
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


def cap_windows(rule: EarningRule, at: datetime, campaign=None) -> tuple[datetime | None, datetime | None]:
    """When the day and the period of ``rule``'s caps began for an award at ``at`` (``None``: no
    such cap)."""
    day = (timezone.localtime(at).replace(hour=0, minute=0, second=0, microsecond=0)
           if rule.daily_cap is not None else None)
    period = _period_start(rule, at, campaign) if rule.period_cap is not None else None
    return day, period


def capped_amount(rule: EarningRule, earned_today: int, earned_period: int) -> tuple[int, str]:
    """The points an award gets under ``rule`` after ``earned_today`` and ``earned_period`` (what is
    left under a cap, never below zero) and which cap cut it ("daily", "period" or "")."""
    amount, capped = rule.points, ""
    if rule.daily_cap is not None and rule.daily_cap - earned_today < amount:
        amount, capped = max(rule.daily_cap - earned_today, 0), "daily"
    if rule.period_cap is not None and rule.period_cap - earned_period < amount:
        amount, capped = max(rule.period_cap - earned_period, 0), "period"
    return amount, capped


def _earned_since(account: PointsAccount, action: str, day: datetime | None,
                  period: datetime | None) -> tuple[int, int]:
    """Points of ``action`` earned since the start of the day and of the period (either may be
    ``None``: not capped), in one query: the award holds the account lock while it reads."""
    if day is None and period is None:
        return 0, 0
    since = min(t for t in (day, period) if t is not None)
    if connection.vendor == "postgresql":  # the hot path's: a prepared statement, no query to build
        with prepared_cursor() as cursor:
            cursor.execute(_earned_sql(), {"account": account.pk, "action": action, "kind": EntryKind.EARN,
                                           "since": since, "day": day or since, "period": period or since})
            return tuple(cursor.fetchone())
    totals = (PointsEntry.objects.filter(account=account, action=action, kind=EntryKind.EARN, at__gte=since)
              .aggregate(day=Sum("amount", filter=Q(at__gte=day or since)),
                         period=Sum("amount", filter=Q(at__gte=period or since))))
    return totals["day"] or 0, totals["period"] or 0


@cache
def _earned_sql() -> str:
    return (f"SELECT COALESCE(SUM(amount) FILTER (WHERE at >= %(day)s), 0), "
            f"COALESCE(SUM(amount) FILTER (WHERE at >= %(period)s), 0) FROM {PointsEntry._meta.db_table} "
            f"WHERE account_id = %(account)s AND action = %(action)s AND kind = %(kind)s AND at >= %(since)s")


# No savepoint inside a caller's transaction (the check-in's): two round trips fewer on the hot
# path; an error here fails the caller's transaction, which no caller goes on with anyway.
@transaction.atomic(savepoint=False)
def points_award(*, by, person: Person, action: str, key: str, source=None, reason: str = "",
                 campaign=None, at: datetime | None = None, rule: EarningRule | None = None,
                 new_key: bool = False) -> Award:
    """Award the points of ``action`` to ``person`` by the rule nearest above their place, within
    its caps (an award that would pass a cap gets what is left under it). ``key`` names the event
    (e.g. ``attendance:123``): the same key awards once. No rule, an inactive person, or a cap
    reached: nothing is written. ``at`` dates an award of the past (a paper register entered
    late): its caps are those of that day and period, so backfill in date order.

    ``rule`` is the rule already read for the person (``rule_for``), and ``new_key`` says that no
    entry can have the key yet (it names a record created in this transaction): the hot path's
    callers skip those reads."""
    if not new_key:
        existing = PointsEntry.objects.filter(key=key).first()
        if existing is not None:
            return Award(existing)
    if not person.is_active:
        return Award(None)
    rule = rule or rule_for(person, action)
    if rule is None:
        return Award(None)
    account, opened = _account(person)
    if not new_key and not opened:
        existing = PointsEntry.objects.filter(key=key).first()  # a parallel retry that got the lock first
        if existing is not None:
            return Award(existing)
    day, period = cap_windows(rule, at or timezone.now(), campaign)
    # A brand-new account has earned nothing yet, under any cap.
    earned_today, earned_period = (0, 0) if opened else _earned_since(account, action, day, period)
    amount, capped = capped_amount(rule, earned_today, earned_period)
    if amount <= 0:
        return Award(None, capped)
    entry = _write(account=account, amount=amount, kind=EntryKind.EARN, action=action, reason=reason, source=source,
                   by=by, key=key, at=at, audit_action=AuditAction.POINTS_AWARDED, changes={
                       "person": person.pk, "action": action, "amount": amount, "capped": capped, "key": key})
    return Award(entry, capped)


@transaction.atomic
def points_spend(*, by, person: Person, amount: int, action: str, key: str, source=None,
                 reason: str = "", at: datetime | None = None) -> PointsEntry:
    """Take ``amount`` points (a redemption): refused with ``NotEnoughPoints`` when the balance
    does not cover it. The same key spends once; ``at`` dates a spend of the past."""
    if amount <= 0:
        raise ValidationError({"amount": _("积分数必须大于零")})
    existing = PointsEntry.objects.filter(key=key).first()
    if existing is not None:
        return existing
    account, _opened = _account(person)
    existing = PointsEntry.objects.filter(key=key).first()
    if existing is not None:
        return existing
    return _write(account=account, amount=-amount, kind=EntryKind.SPEND, action=action, reason=reason,
                  source=source, by=by, key=key, at=at, audit_action=AuditAction.POINTS_SPENT, changes={
                      "person": person.pk, "action": action, "amount": amount, "key": key})


@transaction.atomic
def points_reverse(*, by, entry: PointsEntry, reason: str, kind: str = EntryKind.CORRECTION) -> PointsEntry:
    """A row that undoes ``entry`` (a refund of a spend, a correction of a wrong award); an entry
    is reversed once. Reversing an award needs the points to still be there."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明冲正原因")})
    account, _opened = _account(entry.person)
    entry = PointsEntry.objects.get(pk=entry.pk)
    if entry.reverses_id is not None:
        raise ValidationError(_("冲正记录不能再冲正"))
    done = PointsEntry.objects.filter(reverses=entry).first()
    if done is not None:
        return done
    return _write(account=account, amount=-entry.amount, kind=kind, action=entry.action, reason=reason,
                  source=None, by=by, key=f"reverse:{entry.pk}", reverses=entry,
                  audit_action=AuditAction.POINTS_REVERSED,
                  changes={"person": entry.person_id, "reverses": entry.pk, "amount": -entry.amount, "reason": reason})


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
