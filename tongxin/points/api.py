"""Points over the API: the caller's balance and entries, the daily check-in (打卡), the catalogue
of a community, redemptions with an ``Idempotency-Key`` (a retry returns the first answer and
posts nothing), the counter's verification and cancellation.

Refusals carry a Chinese ``detail`` and a ``code``: 409 ``no_points`` / ``no_stock`` /
``conflict`` / ``invalid`` (a reward off sale, of another community, over the limit per person),
422 ``invalid`` for a request the schema does not allow (a quantity out of 1–20, no
``Idempotency-Key``); 403 a permission refused, 404 what the caller may not see.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema, Status

from tongxin.core.api_schemas import (
    ID_MAX, ErrorOut, JsonInt, Limit, Offset, OrgCode, Refusal, code_path, messages_of, not_found, text_pattern,
)
from tongxin.orgs.models import Org

from .models import PointsEntry, Redemption, Reward
from .services.ledger import NotEnoughPoints, balance_of, community_of_path, points_checkin
from .services.store import (
    KEY_MAX, QUANTITY_MAX, OutOfStock, RedemptionConflict, redemption_cancel, redemption_create, redemption_verify,
)

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


class PointsCheckinOut(Schema):
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
    # Read as the schema says: 3 or 3.0 pieces, not "3" nor true.
    reward: JsonInt = Field(ge=1, le=ID_MAX)
    quantity: JsonInt = Field(1, ge=1, le=QUANTITY_MAX)


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


class PageQuery(Schema):
    limit: Limit = 50
    offset: Offset = 0


class RewardsQuery(Schema):
    org: OrgCode = ""


# A pickup code as ``store.new_code`` draws it, in either case.
RedemptionCode = code_path(r"^[A-Za-z0-9]{1,12}$", "兑换码")


def _refusal(status: int, error: ValidationError, code: str) -> Refusal:
    detail, errors = messages_of(error)
    return Refusal(status, detail, code, errors or None)


def _own_person(request):
    person = request.user.person if request.user.person_id else None
    if person is None:
        raise PermissionError(_("账号未关联人员，没有积分账户"))
    return person


@router.get("/points/balance", response=BalanceOut)
def balance(request):
    return {"balance": balance_of(_own_person(request))}


@router.get("/points/entries", response=EntriesOut)
def entries(request, page: Query[PageQuery]):
    qs = PointsEntry.objects.filter(person=_own_person(request)).order_by("-at", "-id")
    return {"count": qs.count(), "items": list(qs[page.offset:page.offset + page.limit])}


@router.post("/points/checkin", response={200: PointsCheckinOut})
def checkin(request):
    """The daily check-in (打卡): the points of the rule, once a day."""
    person = _own_person(request)
    award = points_checkin(by=request.user, person=person)
    return {"points": award.points, "balance": balance_of(person), "capped": award.capped}


@router.get("/rewards", response={200: list[RewardOut], 404: ErrorOut})
def rewards(request, query: Query[RewardsQuery]):
    """The catalogue of a community (``org``: its code; the caller's own community by default)."""
    if query.org:
        community = Org.objects.filter(code=query.org).first()
        if community is None:
            raise not_found(_("找不到编码为“%(code)s”的组织") % {"code": query.org})
    else:
        community = community_of_path(_own_person(request).org_path)
    return list(Reward.objects.filter(org=community, active=True).order_by("cost", "name"))


# Any text that is not blank once stripped, as the service takes it (and at most ``store.KEY_MAX``).
IdempotencyKey = Header[str, {"alias": "Idempotency-Key", "pattern": text_pattern(1), "max_length": KEY_MAX,
                              "description": "同一次兑换的重试带同一个键：只记一次，答以第一次的结果"}]


@router.post("/redemptions", response={201: RedemptionOut, 200: RedemptionOut, 404: ErrorOut, 409: ErrorOut})
def redeem(request, payload: RedemptionIn, key: IdempotencyKey):
    """Redeem a reward; send an ``Idempotency-Key`` header: the same key answers with the first
    redemption (200) and posts nothing."""
    person = _own_person(request)
    reward = Reward.objects.filter(pk=payload.reward).first()
    if reward is None:
        raise not_found(_("找不到该商品"))
    key = key.strip()
    before = Redemption.objects.filter(key=f"redeem:{person.pk}:{key}").exists()
    try:
        redemption = redemption_create(by=request.user, person=person, reward=reward, quantity=payload.quantity,
                                       key=key)
    except NotEnoughPoints as error:
        raise _refusal(409, error, "no_points") from None
    except OutOfStock as error:
        raise _refusal(409, error, "no_stock") from None
    except ValidationError as error:
        # A reward off sale or of another community, more than the limit per person: the
        # reward's state, not the request's form.
        raise _refusal(409, error, "invalid") from None
    return Status(200 if before else 201, redemption)


def _redemption(code: str) -> Redemption:
    redemption = Redemption.objects.select_related("reward__org", "person").filter(code=code.upper()).first()
    if redemption is None:
        raise not_found(_("找不到兑换码 %(code)s") % {"code": code.upper()})
    return redemption


@router.post("/redemptions/{code}/verify", response={200: RedemptionOut, 409: ErrorOut})
def verify(request, code: RedemptionCode):
    """Staff at the counter hand the reward over (核销)."""
    try:
        return Status(200, redemption_verify(by=request.user, redemption=_redemption(code)))
    except RedemptionConflict as error:
        raise _refusal(409, error, "conflict") from None


@router.post("/redemptions/{code}/cancel", response={200: RedemptionOut, 409: ErrorOut})
def cancel(request, code: RedemptionCode):
    """Cancel a pending redemption: points refunded, stock back."""
    redemption = _redemption(code)
    if redemption.person_id != request.user.person_id and not request.user.has_perm(
            "points.run_store", redemption.reward.org):
        raise not_found(_("找不到兑换码 %(code)s") % {"code": code.upper()})
    try:
        return Status(200, redemption_cancel(by=request.user, redemption=redemption))
    except RedemptionConflict as error:
        raise _refusal(409, error, "conflict") from None
