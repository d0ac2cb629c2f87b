"""The points store: a community's catalogue, redemptions with a pickup code, the counter's
verification, cancellation and expiry with their refund rows.

A redemption locks the reward's row (its stock) and then the person's account (``ledger``), in
that order everywhere, so simultaneous redemptions queue instead of deadlocking; stock and
balance are checked under the locks and never go below zero (the database refuses both too).
The same ``Idempotency-Key`` redeems once: the retry gets the first redemption back.

| move    | from    | to        | points                         | stock     |
|---------|---------|-----------|--------------------------------|-----------|
| redeem  | —       | pending   | spent (one entry)              | taken     |
| verify  | pending | fulfilled | —                              | —         |
| cancel  | pending | cancelled | refunded (a reversing entry)   | back      |
| expire  | pending | expired   | refunded (a reversing entry)   | back      |
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.audit import AuditAction, audit_record
from tongxin.people.models import Person

from ..models import EntryKind, Redemption, RedemptionStatus, Reward
from .ledger import (
    NotEnoughPoints, balance_of, community_of_path, not_enough_points, points_reverse, points_spend,
)

S = RedemptionStatus
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud at a counter
CODE_LENGTH = 8
QUANTITY_MAX = 20
KEY_MAX = 100


class OutOfStock(ValidationError):
    """Not enough of the reward left: answered 409."""


class RedemptionConflict(ValidationError):
    """The redemption is not pending any more (verified, cancelled or expired by someone else)."""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@transaction.atomic
def redemption_create(*, by, person: Person, reward: Reward, quantity: int = 1, key: str,
                      at: datetime | None = None) -> Redemption:
    """Redeem ``quantity`` of ``reward`` for ``person`` (a resident redeems for themselves). The
    reward must be of the person's community, on sale, in stock, within its limit per person,
    and the balance must cover it; ``key`` (the client's Idempotency-Key) makes a retry return
    the first redemption and post nothing. ``at`` dates a redemption of the past (the demo)."""
    key = (key or "").strip()
    if not key or len(key) > KEY_MAX:
        raise ValidationError({"key": _("缺少有效的幂等键（Idempotency-Key）")})
    store_key = f"redeem:{person.pk}:{key}"
    existing = Redemption.objects.filter(key=store_key).first()
    if existing is not None:
        return existing
    if not isinstance(quantity, int) or not 1 <= quantity <= QUANTITY_MAX:
        raise ValidationError({"quantity": _("数量须在 1 到 %(n)d 之间") % {"n": QUANTITY_MAX}})
    try:
        _refuse_what_cannot_succeed(person, reward.pk, quantity)
    except ValidationError:
        # A retry sent while the first request was still at work finds the points already spent:
        # it is answered with that redemption, not refused.
        existing = Redemption.objects.filter(key=store_key).first()
        if existing is not None:
            return existing
        raise
    locked = Reward.objects.select_for_update().get(pk=reward.pk)
    existing = Redemption.objects.filter(key=store_key).first()  # a parallel retry got the lock first
    if existing is not None:
        return existing
    community = community_of_path(person.org_path)
    if not locked.active:
        raise ValidationError({"reward": _("该商品已下架")})
    if community is None or locked.org_id != community.pk:
        raise ValidationError({"reward": _("只能兑换本社区积分超市的商品")})
    if locked.stock < quantity:
        raise _out_of_stock(locked.name, locked.stock)
    if locked.per_person_limit is not None:
        taken = sum(Redemption.objects.filter(reward=locked, person=person)
                    .exclude(status__in=[S.CANCELLED, S.EXPIRED]).values_list("quantity", flat=True))
        if taken + quantity > locked.per_person_limit:
            raise ValidationError({"quantity": _("每人限兑 %(n)d 件，您已兑换 %(taken)d 件") % {
                "n": locked.per_person_limit, "taken": taken}})
    points = locked.cost * quantity
    now = at or timezone.now()
    spend = points_spend(by=by, person=person, amount=points, action="redeem", key=store_key,
                         reason=f"{locked.name} ×{quantity}", at=now)
    locked.stock -= quantity
    locked.save(update_fields=["stock"])
    for _attempt in range(5):
        try:
            with transaction.atomic():
                redemption = Redemption.objects.create(
                    code=new_code(), reward=locked, person=person, org_path=locked.org_path, quantity=quantity,
                    points=points, spend_entry=spend, key=store_key, created_at=now,
                    expires_at=now + timedelta(days=locked.valid_days))
            break
        except IntegrityError:
            continue  # a code already in use: draw another
    else:
        raise RuntimeError("no free pickup code after five draws")
    audit_record(by=by, action=AuditAction.REDEMPTION_CREATED, obj=redemption, changes={
        "reward": locked.pk, "quantity": quantity, "points": points, "person": person.pk})
    return redemption


def _out_of_stock(name: str, left: int) -> OutOfStock:
    return OutOfStock(_("库存不足：%(name)s 仅剩 %(left)d 件") % {"name": name, "left": left})


def _refuse_what_cannot_succeed(person: Person, reward_id: int, quantity: int) -> None:
    """Before any lock: a redemption that cannot succeed now (stock or points short) is refused
    without queueing for the reward's row lock. In a rush most requests are of people whose points
    have run out, and each held the queue up for the ones that could succeed (``bench/redemptions.py``).
    The same checks run again under the locks, and those decide."""
    row = Reward.objects.filter(pk=reward_id).values_list("name", "cost", "stock", "active", "org_path").first()
    if row is None:
        return
    name, cost, stock, active, org_path = row
    if not active or not person.org_path.startswith(org_path):
        return  # refused under the lock, with the reason that comes first there
    if stock < quantity:
        raise _out_of_stock(name, stock)
    have = balance_of(person)
    if have < cost * quantity:
        raise not_enough_points(need=cost * quantity, have=have)


def _locked(redemption: Redemption) -> tuple[Reward, Redemption]:
    reward = Reward.objects.select_for_update().get(pk=redemption.reward_id)
    return reward, Redemption.objects.select_for_update().select_related("person").get(pk=redemption.pk)


def _require_pending(redemption: Redemption, move: str) -> None:
    if redemption.status != S.PENDING:
        raise RedemptionConflict(_("兑换码 %(code)s 当前为“%(status)s”，不能%(move)s") % {
            "code": redemption.code, "status": redemption.get_status_display(), "move": move})


@transaction.atomic
def redemption_verify(*, by, redemption: Redemption) -> Redemption:
    """Staff at the counter hand the reward over (核销)."""
    if by is not None and not by.has_perm("points.run_store", redemption.reward.org):
        raise PermissionError(_("无权核销该社区的兑换码"))
    _reward, locked = _locked(redemption)
    _require_pending(locked, _("核销"))
    if locked.expires_at < timezone.now():
        raise RedemptionConflict(_("兑换码 %(code)s 已过有效期") % {"code": locked.code})
    locked.status, locked.closed_at = S.FULFILLED, timezone.now()
    locked.closed_by = by if getattr(by, "pk", None) else None
    locked.save(update_fields=["status", "closed_at", "closed_by"])
    audit_record(by=by, action=AuditAction.REDEMPTION_VERIFIED, obj=locked, changes={"code": locked.code})
    return locked


def _give_back(*, by, reward: Reward, redemption: Redemption, status: str, reason: str) -> Redemption:
    refund = points_reverse(by=by, entry=redemption.spend_entry, reason=reason, kind=EntryKind.REFUND)
    reward.stock += redemption.quantity
    reward.save(update_fields=["stock"])
    redemption.status, redemption.refund_entry, redemption.closed_at = status, refund, timezone.now()
    redemption.closed_by = by if getattr(by, "pk", None) else None
    redemption.save(update_fields=["status", "refund_entry", "closed_at", "closed_by"])
    return redemption


@transaction.atomic
def redemption_cancel(*, by, redemption: Redemption, reason: str = "") -> Redemption:
    """The resident (or staff for them) cancels a pending redemption: points refunded, stock back."""
    own = getattr(by, "person_id", None) == redemption.person_id
    if by is not None and not own and not by.has_perm("points.run_store", redemption.reward.org):
        raise PermissionError(_("只能取消本人的兑换"))
    reward, locked = _locked(redemption)
    _require_pending(locked, _("取消"))
    _give_back(by=by, reward=reward, redemption=locked, status=S.CANCELLED, reason=reason or _("取消兑换"))
    audit_record(by=by, action=AuditAction.REDEMPTION_CANCELLED, obj=locked, changes={"code": locked.code})
    return locked


def redemptions_expire(*, now=None) -> int:
    """The daily job: pending redemptions past their validity expire, points refunded, stock back."""
    now = now or timezone.now()
    expired = 0
    due = Redemption.objects.filter(status=S.PENDING, expires_at__lt=now).values_list("pk", "reward_id")
    for pk, reward_id in due:
        with transaction.atomic():
            reward, locked = _locked(Redemption(pk=pk, reward_id=reward_id))
            if locked.status != S.PENDING:
                continue
            _give_back(by=None, reward=reward, redemption=locked, status=S.EXPIRED, reason=_("逾期未领取，积分退还"))
            audit_record(by=None, action=AuditAction.REDEMPTION_EXPIRED, obj=locked, changes={"code": locked.code})
            expired += 1
    return expired


__all__ = ["NotEnoughPoints", "OutOfStock", "RedemptionConflict", "redemption_cancel", "redemption_create",
           "redemption_verify", "redemptions_expire"]
