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
rating). Refusals carry a Chinese ``detail`` and a stable ``code``: 400 ``invalid`` (with
``errors`` by field when the fault is a field's), 409 ``conflict``; 403 is a permission refused,
404 a voice the caller may not see.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from tongxin.accounts.models import User
from tongxin.campaigns.selectors import campaign_get_visible
from tongxin.orgs.models import Household, Org
from tongxin.people.selectors import person_get_visible

from .api_schemas import (
    ClaimIn, FiguresQuery, FiguresWithChildrenOut, OnBehalfIn, RateIn, RefusalOut, TransitionIn, VoiceDetailOut,
    VoiceIn, VoicesOut, VoicesQuery,
)
from .models import Channel, Library, Voice, VoiceCategory, VoiceKind, VoiceStatus
from .selectors.figures import figures_as_dict, figures_default_org, voice_figures, voice_figures_by_child
from .selectors.lists import RESULTS, voice_list, wish_area_q
from .services import workflow
from .services.intake import voice_submit
from .services.workflow import VoiceConflict

router = Router(tags=["voices"])
S = VoiceStatus


# --- Helpers ---------------------------------------------------------------------------------

def _refusal(status: int, detail: str, code: str, errors: dict | None = None):
    return Status(status, {"detail": detail, "code": code, "errors": errors or {}})


def _invalid(field: str, message: str):
    return _refusal(400, message, "invalid", {field: [message]})


def _refused(error: ValidationError):
    """A service's refusal in the house format: 409 for a move the workflow does not allow now."""
    detail = "；".join(str(m) for m in error.messages)
    if isinstance(error, VoiceConflict):
        return _refusal(409, detail, "conflict")
    errors = {field: [str(m) for m in messages] for field, messages in error.message_dict.items()} \
        if hasattr(error, "error_dict") else {}
    return _refusal(400, detail, "invalid", errors)


def _voice(request, voice_id: int, *, claiming: bool = False) -> Voice:
    """The voice if the caller may see it (or, ``claiming``, may find it on the wish wall), else 404."""
    voice = (Voice.objects.select_related("org", "household", "category", "handler__person", "handler_unit")
             .filter(pk=voice_id).first())
    if voice is None:
        raise Http404
    if request.user.has_perm("voices.view_voice", voice):
        return voice
    if claiming and voice.kind == VoiceKind.WISH and Voice.objects.filter(wish_area_q(request.user),
                                                                         pk=voice.pk).exists():
        return voice
    raise Http404


def _reloaded(voice: Voice) -> Voice:
    return Voice.objects.select_related("org", "household", "category", "handler__person",
                                        "handler_unit").get(pk=voice.pk)


# --- The list, one voice, intake ---------------------------------------------------------------

@router.get("", response={200: VoicesOut, 400: RefusalOut})
def voices(request, filters: Query[VoicesQuery]):
    """The voices the caller may see, newest first: staff those of their scope, a resident their own."""
    status = filters.status
    for field, value, allowed in (("library", filters.library, [*Library.values, RESULTS]),
                                  ("status", status, VoiceStatus.values), ("kind", filters.kind, VoiceKind.values),
                                  ("channel", filters.channel, Channel.values)):
        if value and value not in allowed:
            return _invalid(field, _("“%(value)s”不是有效的取值，可选：%(allowed)s") % {
                "value": value, "allowed": "、".join(allowed)})
    org = None
    if filters.org:
        org = Org.objects.filter(code=filters.org).first()
        if org is None:
            raise Http404
    qs = voice_list(user=request.user, org=org, q=filters.q, library=filters.library, category=filters.category,
                    status=status, kind=filters.kind, channel=filters.channel)
    limit = max(1, min(filters.limit, 200))
    offset = max(0, filters.offset)
    items = list(qs.select_related("household")[offset:offset + limit])
    return Status(200, {"count": qs.count(), "items": items})


@router.post("", response={201: VoiceDetailOut, 400: RefusalOut})
def voice_create(request, payload: VoiceIn):
    """A resident's own voice, or one recorded by staff on a resident's behalf."""
    behalf = payload.on_behalf
    if behalf is None and payload.channel and payload.channel != Channel.ONLINE:
        behalf = OnBehalfIn(channel=payload.channel)
    kwargs = {}
    if payload.campaign:
        kwargs["campaign"] = campaign_get_visible(user=request.user, slug=payload.campaign)
        if kwargs["campaign"] is None:
            return _invalid("campaign", _("找不到该主题活动"))
    if behalf is not None:
        org = household = person = None
        if behalf.org:
            org = Org.objects.filter(code=behalf.org).first()
            if org is None:
                return _invalid("org", _("找不到编码为“%(code)s”的网格或楼栋") % {"code": behalf.org})
        if behalf.person is not None:
            person = person_get_visible(user=request.user, pk=behalf.person)
            if person is None:
                return _invalid("person", _("找不到该人员，或不在您负责的范围内"))
        if behalf.household is not None:
            household = Household.objects.select_related("org").filter(pk=behalf.household).first()
            if household is None:
                return _invalid("household", _("找不到该户"))
        kwargs.update(on_behalf=True, org=org, household=household, person=person,
                      speaker_name=behalf.speaker_name, channel=behalf.channel or payload.channel)
    try:
        voice = voice_submit(by=request.user, kind=payload.kind, text=payload.text, urgent=payload.urgent, **kwargs)
    except ValidationError as error:
        return _refused(error)
    return Status(201, _reloaded(voice))


@router.get("/figures", response={200: FiguresWithChildrenOut, 400: RefusalOut})
def figures(request, query: Query[FiguresQuery]):
    """The figures of an org's subtree over a period: counts by library, category, status,
    channel and kind, the three rates with numerator and denominator, time to resolve, wishes,
    visits, projects, the problem list and good deeds; ``children=true`` adds each child side by
    side. Definitions: ``tongxin.voices.selectors.figures``."""
    scope = _figures_scope(request, query)
    if isinstance(scope, Status):
        return scope
    data = figures_as_dict(voice_figures(**scope))
    if query.children:
        data["children"] = [{"direct": row.direct, **figures_as_dict(row.figures)}
                            for row in voice_figures_by_child(**scope)]
    return Status(200, data)


def _figures_scope(request, query: FiguresQuery):
    """The org, period and campaign of a figures request, or the refusal to answer with."""
    period = {}
    for name, value in (("date_from", query.date_from), ("date_to", query.date_to)):
        try:
            period[name] = date.fromisoformat(value) if value else None
        except ValueError:
            return _invalid(name.removeprefix("date_"), _("日期格式应为 2024-09-10"))
    if period["date_from"] and period["date_to"] and period["date_from"] > period["date_to"]:
        return _invalid("to", _("结束日期不能早于开始日期"))
    campaign = None
    if query.campaign:
        campaign = campaign_get_visible(user=request.user, slug=query.campaign)
        if campaign is None:
            raise Http404
    if query.org:
        org = Org.objects.filter(code=query.org).first()
        if org is None:
            raise Http404
    else:
        org = figures_default_org(request.user)
    if org is None or not request.user.has_perm("voices.view_figures", org):
        raise PermissionError(_("无权查看该组织的群众心声统计"))
    return {"org": org, "campaign": campaign, **period}


@router.get("/{voice_id}", response=VoiceDetailOut)
def voice_detail(request, voice_id: int):
    """One voice with its history (who, when, from which status to which, and a note)."""
    return _voice(request, voice_id)


# --- Moves -----------------------------------------------------------------------------------

@router.post("/{voice_id}/claim", response={200: VoiceDetailOut, 400: RefusalOut, 409: RefusalOut})
def voice_claim(request, voice_id: int, payload: ClaimIn):
    """Take a wish on (接单), for oneself or in the name of a partner unit (``unit``: its code).
    Of two claims at the same moment one wins; the other gets 409."""
    voice = _voice(request, voice_id, claiming=True)
    unit = None
    if payload.unit:
        unit = Org.objects.filter(code=payload.unit).first()
        if unit is None:
            return _invalid("unit", _("找不到编码为“%(code)s”的单位") % {"code": payload.unit})
    try:
        workflow.voice_claim(by=request.user, voice=voice, unit=unit, note=payload.note)
    except ValidationError as error:
        return _refused(error)
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
        return _refused(error)
    return Status(200, _reloaded(voice))


@router.post("/{voice_id}/rate", response={200: VoiceDetailOut, 400: RefusalOut, 409: RefusalOut})
def voice_rate(request, voice_id: int, payload: RateIn):
    """Rate a resolved voice: ``satisfied`` or ``basically`` closes it, ``unsatisfied`` (with a
    note saying why) reopens it."""
    return _rate(request, voice_id, payload.rating, payload.note)


def _move(request, voice: Voice, payload: TransitionIn):
    """Call the workflow service that leads to ``payload.to``."""
    to, note, by = payload.to, payload.note, request.user
    if to == S.ACCEPTED:
        category = None
        if payload.category:
            category = VoiceCategory.objects.filter(code=payload.category).first()
            if category is None:
                raise ValidationError({"category": _("找不到该类别")})
        return workflow.voice_accept(by=by, voice=voice, library=payload.library or None, category=category,
                                     note=note)
    if to == S.ASSIGNED:
        handler = User.objects.filter(username=payload.handler).first() if payload.handler else None
        unit = Org.objects.filter(code=payload.unit).first() if payload.unit else None
        if payload.handler and handler is None:
            raise ValidationError({"handler": _("找不到该账号")})
        if payload.unit and unit is None:
            raise ValidationError({"unit": _("找不到该单位")})
        return workflow.voice_assign(by=by, voice=voice, handler=handler, unit=unit, note=note)
    if to == S.CLAIMED:
        unit = Org.objects.filter(code=payload.unit).first() if payload.unit else None
        if payload.unit and unit is None:
            raise ValidationError({"unit": _("找不到该单位")})
        return workflow.voice_claim(by=by, voice=voice, unit=unit, note=note)
    moves = {
        S.REJECTED: lambda: workflow.voice_reject(by=by, voice=voice, reason=note),
        S.IN_PROGRESS: lambda: workflow.voice_start(by=by, voice=voice, note=note),
        S.RESOLVED: lambda: workflow.voice_resolve(by=by, voice=voice, resolution=note),
        S.CLOSED: lambda: workflow.voice_close(by=by, voice=voice, note=note),
        S.REOPENED: lambda: workflow.voice_reopen(by=by, voice=voice, note=note),
    }
    return moves[to]()


@router.post("/{voice_id}/transition", response={200: VoiceDetailOut, 400: RefusalOut, 409: RefusalOut})
def voice_transition(request, voice_id: int, payload: TransitionIn):
    """Move a voice to the status ``to``, with a ``note`` (the reason of a rejection, the
    resolution, why it is closed or reopened). A move the table does not allow from the voice's
    status is 409 with the reason; who may make it is checked as on the pages (403)."""
    if payload.to not in VoiceStatus.values:
        return _invalid("to", _("请指定要转到的状态，可选：%(allowed)s") % {"allowed": "、".join(VoiceStatus.values)})
    voice = _voice(request, voice_id, claiming=payload.to == S.CLAIMED)
    if payload.to == S.SUBMITTED:
        return _refusal(409, _("事项不能退回“待受理”"), "conflict")
    try:
        _move(request, voice, payload)
    except ValidationError as error:
        return _refused(error)
    return Status(200, _reloaded(voice))
