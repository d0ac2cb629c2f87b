"""Voices over the API (mounted at /api/v1/voices).

- ``GET /voices?org=&library=&status=&kind=&channel=&category=&q=&limit=&offset=``: the voices
  the caller may see (``count``, ``items``); ``library=results`` for the results library.
- ``POST /voices``: ``{"kind", "text", "urgent"}`` — a resident's own voice (online). Staff record
  one on a resident's behalf with ``"on_behalf": {"org", "household", "person", "speaker_name",
  "channel"}`` (``org`` a code, ``household`` and ``person`` ids), or with a top-level
  ``channel`` other than ``online``. The same text sent twice is one voice. Answers 201 with it.
- ``GET /voices/{id}``: one voice with its history.
- ``POST /voices/{id}/claim``: ``{"unit": code?, "note"?}`` — take a wish on (接单); 409 when
  someone claimed it first.
- ``POST /voices/{id}/transition``: ``{"to": status, "note", …}`` — a move of the workflow's
  table (``services.workflow``); a move the table does not allow is 409 with the reason.
- ``POST /voices/{id}/rate``: ``{"rating", "note"}`` — the speaker rates the resolution; staff
  who handle it record a follow-up call's rating the same way.
- ``GET /voices/figures?org=&from=&to=&campaign=&children=``: the figures
  (``selectors.figures``, with their definitions).

Bodies and answers use the English values of the models (kind, channel, status, library,
rating). Refusals carry a Chinese ``detail`` and a stable ``code``: 422 ``invalid`` for a request
the schema does not allow (``errors`` by field: a value outside its list, a note missing where
the move needs one); 409 ``conflict`` for a move the workflow does not allow from the voice's
status, 409 ``invalid`` for what the request names that does not fit (a unit that is no partner
unit, a person of another household; ``errors`` by field); 404 ``not_found`` for a voice the
caller may not see or an org, person, unit or campaign that does not exist; 403 a permission
refused.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from tongxin.accounts.models import User
from tongxin.campaigns.selectors import campaign_get_visible
from tongxin.core.api_schemas import ErrorOut, Refusal, conflict, id_path, messages_of, not_found
from tongxin.orgs.models import Household, Org
from tongxin.people.selectors import person_get_visible

from .api_schemas import (
    ClaimIn, FiguresQuery, FiguresWithChildrenOut, OnBehalfIn, RateIn, TransitionIn, VoiceDetailOut, VoiceIn,
    VoicesOut, VoicesQuery,
)
from .models import Voice, VoiceCategory, VoiceKind, VoiceStatus
from .selectors.figures import figures_as_dict, figures_default_org, voice_figures, voice_figures_by_child
from .selectors.lists import voice_list, wish_area_q
from .services import workflow
from .services.intake import voice_submit
from .services.workflow import VoiceConflict

router = Router(tags=["voices"])
VoiceId = id_path("事项编号")
S = VoiceStatus


# --- Helpers ---------------------------------------------------------------------------------

def _refused(error: ValidationError) -> Refusal:
    """A service's refusal of a request the schema allows: what the voice's status or the things
    the request names do not allow now. 409 ``conflict`` for a move the workflow's table does not
    allow, 409 ``invalid`` (with the messages by field) for the rest."""
    detail, errors = messages_of(error)
    if isinstance(error, VoiceConflict):
        return conflict(detail)
    return conflict(detail, "invalid", errors)


def _voice(request, voice_id: int, *, claiming: bool = False) -> Voice:
    """The voice if the caller may see it (or, ``claiming``, may find it on the wish wall), else 404."""
    voice = (Voice.objects.select_related("org", "household", "category", "handler__person", "handler_unit")
             .filter(pk=voice_id).first())
    if voice is not None and request.user.has_perm("voices.view_voice", voice):
        return voice
    if voice is not None and claiming and voice.kind == VoiceKind.WISH and Voice.objects.filter(
            wish_area_q(request.user), pk=voice.pk).exists():
        return voice
    raise not_found(_("找不到该事项，或无权查看"))


def _org(code: str) -> Org:
    org = Org.objects.filter(code=code).first()
    if org is None:
        raise not_found(_("找不到编码为“%(code)s”的组织") % {"code": code})
    return org


def _reloaded(voice: Voice) -> Voice:
    return Voice.objects.select_related("org", "household", "category", "handler__person",
                                        "handler_unit").get(pk=voice.pk)


# --- The list, one voice, intake ---------------------------------------------------------------

@router.get("", response={200: VoicesOut, 404: ErrorOut})
def voices(request, filters: Query[VoicesQuery]):
    """The voices the caller may see, newest first: staff those of their scope, a resident their own."""
    org = _org(filters.org) if filters.org else None
    qs = voice_list(user=request.user, org=org, q=filters.q, library=filters.library, category=filters.category,
                    status=filters.status, kind=filters.kind, channel=filters.channel)
    offset = filters.offset
    items = list(qs.select_related("household")[offset:offset + filters.limit])
    return Status(200, {"count": qs.count(), "items": items})


@router.post("", response={201: VoiceDetailOut, 404: ErrorOut, 409: ErrorOut})
def voice_create(request, payload: VoiceIn):
    """A resident's own voice, or one recorded by staff on a resident's behalf."""
    behalf: OnBehalfIn | None = payload.on_behalf
    kwargs = {}
    if payload.campaign:
        kwargs["campaign"] = campaign_get_visible(user=request.user, slug=payload.campaign)
        if kwargs["campaign"] is None:
            raise not_found(_("找不到该主题活动"))
    if behalf is not None:
        org = household = person = None
        if behalf.org:
            org = Org.objects.filter(code=behalf.org).first()
            if org is None:
                raise not_found(_("找不到编码为“%(code)s”的网格或楼栋") % {"code": behalf.org})
        if behalf.person is not None:
            person = person_get_visible(user=request.user, pk=behalf.person)
            if person is None:
                raise not_found(_("找不到该人员，或不在您负责的范围内"))
        if behalf.household is not None:
            household = Household.objects.select_related("org").filter(pk=behalf.household).first()
            if household is None:
                raise not_found(_("找不到该户"))
        kwargs.update(on_behalf=True, org=org, household=household, person=person,
                      speaker_name=behalf.speaker_name, channel=behalf.channel or payload.channel)
    try:
        voice = voice_submit(by=request.user, kind=payload.kind, text=payload.text, urgent=payload.urgent, **kwargs)
    except ValidationError as error:
        raise _refused(error) from None
    return Status(201, _reloaded(voice))


@router.get("/figures", response={200: FiguresWithChildrenOut, 404: ErrorOut})
def figures(request, query: Query[FiguresQuery]):
    """The figures of an org's subtree over a period: counts by library, category, status,
    channel and kind, the three rates with numerator and denominator, time to resolve, wishes,
    visits, projects, the problem list and good deeds; ``children=true`` adds each child side by
    side. Definitions: ``tongxin.voices.selectors.figures``."""
    scope = _figures_scope(request, query)
    data = figures_as_dict(voice_figures(**scope))
    if query.children:
        data["children"] = [{"direct": row.direct, **figures_as_dict(row.figures)}
                            for row in voice_figures_by_child(**scope)]
    return Status(200, data)


def _figures_scope(request, query: FiguresQuery) -> dict:
    """The org, period and campaign of a figures request. A period that ends before it begins is
    422, as a date the schema cannot read: the schema cannot compare two parameters."""
    if query.date_from and query.date_to and query.date_from > query.date_to:
        message = _("结束日期不能早于开始日期")
        raise Refusal(422, message, "invalid", {"to": [message]})
    campaign = None
    if query.campaign:
        campaign = campaign_get_visible(user=request.user, slug=query.campaign)
        if campaign is None:
            raise not_found(_("找不到该主题活动"))
    org = _org(query.org) if query.org else figures_default_org(request.user)
    if org is None or not request.user.has_perm("voices.view_figures", org):
        raise PermissionError(_("无权查看该组织的群众心声统计"))
    return {"org": org, "campaign": campaign, "date_from": query.date_from, "date_to": query.date_to}


@router.get("/{voice_id}", response=VoiceDetailOut)
def voice_detail(request, voice_id: VoiceId):
    """One voice with its history (who, when, from which status to which, and a note)."""
    return _voice(request, voice_id)


# --- Moves -----------------------------------------------------------------------------------

@router.post("/{voice_id}/claim", response={200: VoiceDetailOut, 409: ErrorOut})
def voice_claim(request, voice_id: VoiceId, payload: ClaimIn):
    """Take a wish on (接单), for oneself or in the name of a partner unit (``unit``: its code).
    Of two claims at the same moment one wins; the other gets 409. An unknown unit is 404."""
    voice = _voice(request, voice_id, claiming=True)
    unit = None
    if payload.unit:
        unit = Org.objects.filter(code=payload.unit).first()
        if unit is None:
            raise not_found(_("找不到编码为“%(code)s”的单位") % {"code": payload.unit})
    try:
        workflow.voice_claim(by=request.user, voice=voice, unit=unit, note=payload.note)
    except ValidationError as error:
        raise _refused(error) from None
    return Status(200, _reloaded(voice))


def _rate(request, voice_id: int, rating: str, note: str):
    voice = _voice(request, voice_id)
    is_speaker = voice.person_id is not None and voice.person_id == request.user.person_id
    # Staff who call the speaker back record the rating for them (回访).
    service = workflow.voice_rate if is_speaker or not request.user.has_perm("voices.handle_voice", voice) \
        else workflow.voice_follow_up
    try:
        service(by=request.user, voice=voice, rating=rating, note=note)
    except ValidationError as error:
        raise _refused(error) from None
    return Status(200, _reloaded(voice))


@router.post("/{voice_id}/rate", response={200: VoiceDetailOut, 409: ErrorOut})
def voice_rate(request, voice_id: VoiceId, payload: RateIn):
    """Rate a resolved voice: ``satisfied`` or ``basically`` closes it, ``unsatisfied`` (with a
    note saying why) reopens it."""
    return _rate(request, voice_id, payload.rating, payload.note)


def _unit(code: str) -> Org | None:
    unit = Org.objects.filter(code=code).first() if code else None
    if code and unit is None:
        raise not_found(_("找不到编码为“%(code)s”的单位") % {"code": code})
    return unit


def _move(request, voice: Voice, payload: TransitionIn):
    """Call the workflow service that leads to ``payload.to``. What the payload names and does not
    exist (a category, an account, a unit) is 404."""
    to, note, by = payload.to, payload.note, request.user
    if to == S.ACCEPTED:
        category = None
        if payload.category:
            category = VoiceCategory.objects.filter(code=payload.category).first()
            if category is None:
                raise not_found(_("找不到该类别"))
        return workflow.voice_accept(by=by, voice=voice, library=payload.library or None, category=category,
                                     note=note)
    if to == S.ASSIGNED:
        handler = User.objects.filter(username=payload.handler).first() if payload.handler else None
        if payload.handler and handler is None:
            raise not_found(_("找不到该账号"))
        return workflow.voice_assign(by=by, voice=voice, handler=handler, unit=_unit(payload.unit), note=note)
    if to == S.CLAIMED:
        return workflow.voice_claim(by=by, voice=voice, unit=_unit(payload.unit), note=note)
    moves = {
        S.REJECTED: lambda: workflow.voice_reject(by=by, voice=voice, reason=note),
        S.IN_PROGRESS: lambda: workflow.voice_start(by=by, voice=voice, note=note),
        S.RESOLVED: lambda: workflow.voice_resolve(by=by, voice=voice, resolution=note),
        S.CLOSED: lambda: workflow.voice_close(by=by, voice=voice, note=note),
        S.REOPENED: lambda: workflow.voice_reopen(by=by, voice=voice, note=note),
    }
    return moves[to]()


@router.post("/{voice_id}/transition", response={200: VoiceDetailOut, 409: ErrorOut})
def voice_transition(request, voice_id: VoiceId, payload: TransitionIn):
    """Move a voice to the status ``to``, with a ``note`` (the reason of a rejection, the
    resolution, why it is closed or reopened). A move the table does not allow from the voice's
    status is 409 with the reason; who may make it is checked as on the pages (403)."""
    voice = _voice(request, voice_id, claiming=payload.to == S.CLAIMED)
    if payload.to == S.SUBMITTED:
        raise conflict(_("事项不能退回“待受理”"))
    try:
        _move(request, voice, payload)
    except ValidationError as error:
        raise _refused(error) from None
    return Status(200, _reloaded(voice))
