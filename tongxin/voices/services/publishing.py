"""The public summary of a voice on its community's board: written by staff, refused when it
carries something that identifies the speaker."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Voice
from .workflow import A, S, _locked, _note, _refresh, _require, _step

PERSONAL_PATTERNS = (
    (re.compile(r"\d{17}[\dXx]"), gettext_lazy("身份证号")),
    (re.compile(r"1[3-9]\d{9}"), gettext_lazy("手机号")),
)


def personal_details_in(summary: str, voice: Voice) -> list[str]:
    """What in a public summary could identify the speaker: an ID or phone number, their name,
    their door number."""
    found = [str(label) for pattern, label in PERSONAL_PATTERNS if pattern.search(summary)]
    name = voice.person.name if voice.person_id else voice.speaker_name
    if name and len(name) >= 2 and name in summary:
        found.append(_("反映人姓名"))
    if voice.household_id and voice.household.number and voice.household.number in summary:
        found.append(_("门牌号"))
    return found


@transaction.atomic
def voice_publish(*, by, voice: Voice, summary: str) -> Voice:
    """Publish a summary, without personal details, on the community's public board."""
    locked = _locked(voice)
    _require(by, "voices.handle_voice", locked)
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": _("请填写公开摘要")})
    if len(summary) > 300:
        raise ValidationError({"summary": _("公开摘要不能超过 300 字")})
    if locked.status in (S.SUBMITTED, S.REJECTED) or locked.duplicate_of_id:
        raise ValidationError(_("只有已受理的事项才能公开"))
    found = personal_details_in(summary, locked)
    if found:
        raise ValidationError({"summary": _("公开摘要含有个人信息（%(what)s），请删去后再公开") % {
            "what": "、".join(found)}})
    _step(by=by, voice=locked, action=A.PUBLISH, note=summary,
          fields={"public_summary": summary, "published_at": timezone.now()})
    _refresh(voice, locked)
    return voice


@transaction.atomic
def voice_unpublish(*, by, voice: Voice, note: str = "") -> Voice:
    locked = _locked(voice)
    _require(by, "voices.handle_voice", locked)
    if locked.published_at is None:
        raise ValidationError(_("该事项没有公开"))
    _step(by=by, voice=locked, action=A.UNPUBLISH, note=_note(note), fields={"published_at": None})
    _refresh(voice, locked)
    return voice
