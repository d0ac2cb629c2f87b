"""Overdue items go up (督办): by hand from the overdue list, and every day by the job
(``manage.py voices_escalate``): to the org above the community first, then one level higher
each time the item stays open ``ESCALATE_AGAIN_AFTER`` longer. A step, not a move: the status
stays, the history says where it went."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.orgs.models import Org, OrgKind

from ..models import Voice, VoiceEvent
from .workflow import OPEN, A, _locked, _note, _refresh, _require, _step

# After an escalation, the item goes one level higher again if it is still open this much later.
ESCALATE_AGAIN_AFTER = timedelta(days=7)


def next_level(voice: Voice) -> Org | None:
    """The org an overdue item goes up to: above the community for a first escalation, then one
    level higher each time."""
    current = voice.escalated_to
    if current is None:
        ids = [int(part) for part in voice.org_path.strip("/").split("/") if part]
        current = (Org.objects.filter(pk__in=ids, kind__in=[OrgKind.COMMUNITY, OrgKind.VILLAGE])
                   .order_by("-depth").first()) or voice.org
    return current.parent


@transaction.atomic
def voice_escalate(*, by, voice: Voice, note: str = "") -> Voice:
    """An overdue item goes up to the org above (督办), and shows on its overdue list."""
    locked = _locked(voice)
    _require(by, "voices.handle_voice", locked)
    if not locked.is_overdue:
        raise ValidationError(_("只有逾期未办结的事项才能上报"))
    above = next_level(locked)
    if above is None:
        raise ValidationError(_("已上报至最高一级"))
    days = (timezone.now() - locked.due_at).days
    _step(by=by, voice=locked, action=A.ESCALATE, fields={"escalated_to": above},
          note=_note(note) or _("逾期 %(days)d 天，上报%(org)s督办") % {"days": days, "org": above.name},
          audit={"to": above.code, "overdue_days": days})
    _refresh(voice, locked)
    return voice


def escalate_overdue(*, now=None) -> int:
    """The daily job: every overdue item not yet escalated goes up one level, and one already
    escalated goes up again once it has stayed open ``ESCALATE_AGAIN_AFTER`` since. Returns how
    many went up."""
    now = now or timezone.now()
    moved = 0
    overdue = Voice.objects.filter(status__in=OPEN, due_at__lt=now).order_by("due_at").values_list("pk", flat=True)
    for pk in overdue.iterator(chunk_size=500):
        voice = Voice.objects.get(pk=pk)
        last = (VoiceEvent.objects.filter(voice=voice, action=A.ESCALATE).order_by("-at")
                .values_list("at", flat=True).first())
        if last is not None and now - last < ESCALATE_AGAIN_AFTER:
            continue
        if next_level(voice) is None:
            continue
        voice_escalate(by=None, voice=voice)
        moved += 1
    return moved
