"""An item's page: its text and photos, the suggested classification, its history, and the forms
of the actions the account may take on it now (``forms.voices.actions_for``); photos behind a
permission check."""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from tongxin.core.forms import add_service_errors

from ..forms.voices import ACTION_FORMS, RATE, actions_for
from ..models import Rating, Voice, VoiceAction, VoicePhoto, VoiceStatus
from ..selectors.lists import possible_duplicates
from ..services.escalation import voice_escalate
from ..services.publishing import voice_publish, voice_unpublish
from ..services.workflow import (
    VoiceConflict, voice_accept, voice_assign, voice_claim, voice_classify, voice_close, voice_follow_up, voice_merge,
    voice_note, voice_rate, voice_reject, voice_reopen, voice_resolve, voice_start,
)
from .voices import _next_url, _suggestion, _visible_voice

A = VoiceAction



def _action_form(action: str, *, voice: Voice, user, data=None, files=None, candidates=None):
    extra = {"candidates": candidates} if action == A.MERGE else {}
    return ACTION_FORMS[action](data, files, voice=voice, user=user, prefix=action, **extra)


def _act(action: str, *, user, voice: Voice, data: dict) -> str:
    """Run the service of ``action`` with the form's data; the message to show when it worked."""
    note = data.get("note", "")
    if action == A.ACCEPT:
        voice_accept(by=user, voice=voice, library=data["library"], category=data["category"], note=note)
        return _("已受理，归入%(library)s · %(category)s") % {"library": voice.get_library_display(),
                                                        "category": voice.category.name}
    if action == A.REJECT:
        voice_reject(by=user, voice=voice, reason=note)
        return _("已不予受理")
    if action == A.CLAIM:
        voice_claim(by=user, voice=voice, unit=data.get("unit"), note=note)
        return _("接单成功")
    if action == A.ASSIGN:
        voice_assign(by=user, voice=voice, handler=data["handler"], unit=data["unit"], note=note)
        return _("已交办")
    if action == A.START:
        voice_start(by=user, voice=voice, note=note)
        return _("已开始办理")
    if action == A.RESOLVE:
        voice_resolve(by=user, voice=voice, resolution=note, photos=data["photos"])
        return _("已办结，等待反映人评价")
    if action == RATE:
        voice_rate(by=user, voice=voice, rating=data["rating"], note=note)
        return (_("感谢评价，社区会重新办理") if data["rating"] == Rating.UNSATISFIED else _("感谢您的评价"))
    if action == A.FOLLOW_UP:
        voice_follow_up(by=user, voice=voice, rating=data["rating"], note=note)
        return _("已记录回访结果")
    if action == A.CLOSE:
        voice_close(by=user, voice=voice, note=note)
        return _("已关闭")
    if action == A.REOPEN:
        voice_reopen(by=user, voice=voice, note=note)
        return _("已重新办理")
    if action == A.ESCALATE:
        voice_escalate(by=user, voice=voice, note=note)
        return _("已上报%(org)s督办") % {"org": voice.escalated_to.name}
    if action == A.CLASSIFY:
        voice_classify(by=user, voice=voice, library=data["library"], category=data["category"], note=note)
        return _("分类已保存")
    if action == A.PUBLISH:
        voice_publish(by=user, voice=voice, summary=data["summary"])
        return _("已公开到社区公示栏")
    if action == A.UNPUBLISH:
        voice_unpublish(by=user, voice=voice, note=note)
        return _("已取消公开")
    if action == A.MERGE:
        into = Voice.objects.get(pk=data["into"])
        voice_merge(by=user, voice=voice, into=into, note=note)
        return _("已合并到 #%(id)s，只计一次") % {"id": into.pk}
    voice_note(by=user, voice=voice, note=note)
    return _("备注已添加")


@login_required
def voice_detail_view(request, pk: int):
    """An item's timeline, and the forms of the actions the account may take on it now. When
    someone else moved it first (``VoiceConflict``), the page says so and keeps what was typed."""
    user = request.user
    voice = _visible_voice(user, pk)
    posted, conflict = None, ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTION_FORMS:
            return HttpResponseBadRequest(_("未知的操作"))
        form = _action_form(action, voice=voice, user=user, data=request.POST, files=request.FILES)
        if form.is_valid():
            try:
                message = _act(action, user=user, voice=voice, data=form.cleaned_data)
            except VoiceConflict as error:
                conflict = " ".join(error.messages)
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionError:
                raise PermissionDenied from None
            else:
                messages.success(request, message)
                return redirect(_next_url(request) or reverse("voices:voice_detail", args=[voice.pk]))
        posted = (action, form)
        voice = _visible_voice(user, pk)  # as it is now, after whatever moved it
    allowed = actions_for(user, voice)
    candidates = possible_duplicates(voice) if A.MERGE in allowed else []
    if A.MERGE in allowed and not candidates:
        allowed.remove(A.MERGE)
    forms, stale = [], None
    for action in allowed:
        if posted and posted[0] == action:
            forms.append((action, posted[1]))
        else:
            forms.append((action, _action_form(action, voice=voice, user=user, candidates=candidates)))
    if posted and posted[0] not in allowed:
        stale = posted[1]  # shown with what was typed, so nothing is lost
    photos = list(voice.photos.all())
    context = {
        "voice": voice, "forms": forms, "conflict": conflict, "stale": stale,
        "conflict_action": posted[0] if posted else "",
        "events": voice.events.all(),
        "photos": [p for p in photos if not p.is_evidence], "evidence": [p for p in photos if p.is_evidence],
        "suggestion": _suggestion(voice) if voice.status == VoiceStatus.SUBMITTED or not voice.category_id else None,
        "handles": user.has_perm("voices.handle_voice", voice),
        "duplicates": voice.duplicates.all() if voice.duplicate_of_id is None else [],
        # Who wrote it down, when staff recorded it for someone else.
        "recorder": voice.recorded_by.display_name if voice.recorded_by_id and (
            voice.person_id is None or voice.recorded_by.person_id != voice.person_id) else "",
    }
    return render(request, "voices/voice_detail.html", context, status=409 if conflict else 200)


@login_required
def voice_photo_view(request, pk: int, photo_pk: int):
    """A photo of an item, for those who may see the item; never a public media address."""
    voice = _visible_voice(request.user, pk)
    photo = get_object_or_404(VoicePhoto, pk=photo_pk, voice=voice)
    content_type = mimetypes.guess_type(photo.image.name)[0] or "application/octet-stream"
    response = FileResponse(photo.image.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, no-store"  # a resident's door, a face: not for shared caches
    return response
