"""Points over the API: the caller's balance and entries, the daily check-in (打卡), the catalogue
of a community, redemptions with an ``Idempotency-Key`` (a retry returns the first answer and
posts nothing), the counter's verification and cancellation.

Refusals carry a Chinese ``detail`` and a ``code``: 409 ``no_points`` / ``no_stock`` /
``conflict``, 400 ``invalid``; 403 a permission refused, 404 what the caller may not see.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from tongxin.orgs.models import Org

from .models import PointsEntry, Redemption, Reward
from .services.ledger import NotEnoughPoints, balance_of, community_of_path, points_checkin
from .services.store import OutOfStock, RedemptionConflict, redemption_cancel, redemption_create, redemption_verify

router = Router(tags=["points"])


class BalanceOut(Schema):
    balance: int


class EntryOut(Schema):
    id: int
    amount: int
    kind: str
    action: str
    reason: str
    at: datetime


class EntriesOut(Schema):
    count: int
    items: list[EntryOut]


class CheckinOut(Schema):
    points: int
    balance: int
    capped: str


class RewardOut(Schema):
    id: int
    name: str
    kind: str
    cost: int
    stock: int
    discount_percent: int | None
    per_person_limit: int | None


class RedemptionIn(Schema):
    reward: int = 0
    quantity: int = 1


class RedemptionOut(Schema):
    code: str
    reward: int
    reward_name: str
    quantity: int
    points: int
    status: str
    expires_at: datetime

    @staticmethod
    def resolve_reward(obj: Redemption) -> int:
        return obj.reward_id

    @staticmethod
    def resolve_reward_name(obj: Redemption) -> str:
        return obj.reward.name


class RefusalOut(Schema):
    detail: str
    code: str


def _refusal(status: int, error: ValidationError, code: str):
    return Status(status, {"detail": "；".join(str(m) for m in error.messages), "code": code})


def _own_person(request):
    person = request.user.person if request.user.person_id else None
    if person is None:
        raise PermissionError(_("账号未关联人员，没有积分账户"))
    return person


@router.get("/points/balance", response=BalanceOut)
def balance(request):
    return {"balance": balance_of(_own_person(request))}


@router.get("/points/entries", response=EntriesOut)
def entries(request, limit: int = 50, offset: int = 0):
    qs = PointsEntry.objects.filter(person=_own_person(request)).order_by("-at", "-id")
    limit, offset = max(1, min(limit, 200)), max(0, offset)
    return {"count": qs.count(), "items": list(qs[offset:offset + limit])}


@router.post("/points/checkin", response={200: CheckinOut})
def checkin(request):
    """The daily check-in (打卡): the points of the rule, once a day."""
    person = _own_person(request)
    award = points_checkin(by=request.user, person=person)
    return {"points": award.points, "balance": balance_of(person), "capped": award.capped}


@router.get("/rewards", response=list[RewardOut])
def rewards(request, org: str = ""):
    """The catalogue of a community (``org``: its code; the caller's own community by default)."""
    if org:
        community = Org.objects.filter(code=org).first()
        if community is None:
            raise Http404
    else:
        community = community_of_path(_own_person(request).org_path)
    return list(Reward.objects.filter(org=community, active=True).order_by("cost", "name"))


@router.post("/redemptions", response={201: RedemptionOut, 200: RedemptionOut, 400: RefusalOut, 409: RefusalOut})
def redeem(request, payload: RedemptionIn):
    """Redeem a reward; send an ``Idempotency-Key`` header: the same key answers with the first
    redemption (200) and posts nothing."""
    person = _own_person(request)
    reward = Reward.objects.filter(pk=payload.reward).first()
    if reward is None:
        raise Http404
    key = request.headers.get("Idempotency-Key", "")
    before = Redemption.objects.filter(key=f"redeem:{person.pk}:{key}").exists() if key else False
    try:
        redemption = redemption_create(by=request.user, person=person, reward=reward, quantity=payload.quantity,
                                       key=key)
    except NotEnoughPoints as error:
        return _refusal(409, error, "no_points")
    except OutOfStock as error:
        return _refusal(409, error, "no_stock")
    except ValidationError as error:
        return _refusal(400, error, "invalid")
    return Status(200 if before else 201, redemption)


def _redemption(code: str) -> Redemption:
    redemption = Redemption.objects.select_related("reward__org", "person").filter(code=code.upper()).first()
    if redemption is None:
        raise Http404
    return redemption


@router.post("/redemptions/{code}/verify", response={200: RedemptionOut, 409: RefusalOut})
def verify(request, code: str):
    """Staff at the counter hand the reward over (核销)."""
    try:
        return Status(200, redemption_verify(by=request.user, redemption=_redemption(code)))
    except RedemptionConflict as error:
        return _refusal(409, error, "conflict")


@router.post("/redemptions/{code}/cancel", response={200: RedemptionOut, 409: RefusalOut})
def cancel(request, code: str):
    """Cancel a pending redemption: points refunded, stock back."""
    redemption = _redemption(code)
    if redemption.person_id != request.user.person_id and not request.user.has_perm(
            "points.run_store", redemption.reward.org):
        raise Http404
    try:
        return Status(200, redemption_cancel(by=request.user, redemption=redemption))
    except RedemptionConflict as error:
        return _refusal(409, error, "conflict")
