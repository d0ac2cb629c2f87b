"""The history of a voice: one ``VoiceEvent`` per move or step, written by the services only."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..models import Voice, VoiceEvent


def actor_name(by) -> str:
    """How the history names an account: the person's name with the account, or the system."""
    if not getattr(by, "pk", None):
        return _("系统")
    name = by.display_name
    return name if name == by.get_username() else f"{name}（{by.get_username()}）"


def event_add(*, voice: Voice, action: str, by, from_status: str = "", to_status: str = "",
              note: str = "") -> VoiceEvent:
    return VoiceEvent.objects.create(voice=voice, action=action, from_status=from_status, to_status=to_status,
                                     by=by if getattr(by, "pk", None) else None, by_name=actor_name(by),
                                     note=note)
