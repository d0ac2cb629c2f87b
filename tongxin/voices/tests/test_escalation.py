"""Overdue items go up for supervision (督办): to the org above the community first, again one level
higher if still open a week later, by hand from the overdue list or by the daily command."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from tongxin.core.audit import AuditAction
from tongxin.core.models import AuditEntry
from tongxin.voices.models import Rating, Voice, VoiceAction, VoiceEvent, VoiceKind, VoiceStatus
from tongxin.voices.selectors.lists import voices_overdue
from tongxin.voices.services.escalation import escalate_overdue, voice_escalate
from tongxin.voices.services.workflow import voice_assign, voice_rate, voice_resolve, voice_start

from .test_workflow import PROBLEM, bring_to, make_overdue

S = VoiceStatus


def _escalations(voice: Voice) -> list[str]:
    return list(VoiceEvent.objects.filter(voice=voice, action=VoiceAction.ESCALATE).values_list("note", flat=True))


def test_an_overdue_item_goes_to_the_street_then_higher_a_week_later(street):
    voice = make_overdue(bring_to(street, S.ASSIGNED), days=4)
    assert escalate_overdue() == 1
    voice.refresh_from_db()
    assert voice.escalated_to == street.street and voice.status == S.ASSIGNED  # a step, not a move
    assert _escalations(voice) == ["逾期 4 天，上报八里铺街道督办"]
    entry = AuditEntry.objects.filter(action=AuditAction.VOICE_MOVED, object_id=str(voice.pk)).first()
    assert entry.actor is None and entry.actor_name == "system"
    assert entry.changes == {"move": VoiceAction.ESCALATE, "to": "BLP", "overdue_days": 4}
    event = VoiceEvent.objects.filter(voice=voice, action=VoiceAction.ESCALATE).get()
    assert event.by is None and event.by_name == "系统"

    # The same day again: nothing more (it went up already).
    assert escalate_overdue() == 0
    # Still open a week later: one level higher, the district.
    assert escalate_overdue(now=timezone.now() + timedelta(days=7, minutes=1)) == 1
    voice.refresh_from_db()
    assert voice.escalated_to == street.district
    assert escalate_overdue(now=timezone.now() + timedelta(days=15)) == 1
    voice.refresh_from_db()
    assert voice.escalated_to == street.city
    # The city has nothing above it: the item stays there.
    assert escalate_overdue(now=timezone.now() + timedelta(days=30)) == 0
    assert len(_escalations(voice)) == 3


def test_items_not_overdue_or_done_stay(street):
    on_time = bring_to(street, S.ACCEPTED)
    done = make_overdue(bring_to(street, S.RESOLVED, kind=VoiceKind.COMPLAINT, text=PROBLEM))
    assert escalate_overdue() == 0
    assert Voice.objects.filter(pk__in=[on_time.pk, done.pk], escalated_to__isnull=False).count() == 0
    with pytest.raises(ValidationError, match="只有逾期未办结的事项才能上报"):
        voice_escalate(by=street.accounts["community_worker"], voice=on_time)


def test_escalate_by_hand_from_the_overdue_list(street):
    voice = make_overdue(bring_to(street, S.ACCEPTED), days=2)
    worker, admin = street.accounts["community_worker"], street.accounts["street_admin"]
    assert [v.pk for v in voices_overdue(worker)] == [voice.pk]
    assert list(voices_overdue(admin, escalated=True)) == []
    voice_escalate(by=worker, voice=voice, note="物业拖延，请街道协调")
    assert voice.escalated_to == street.street
    assert _escalations(voice) == ["物业拖延，请街道协调"]
    [item] = voices_overdue(admin, escalated=True)
    assert item.pk == voice.pk and item.to_me  # escalated to the street: the street admin's level
    assert not voices_overdue(worker).get().to_me
    assert list(voices_overdue(street.accounts["resident"])) == []
    # Resolved, it leaves the list.
    voice_assign(by=admin, voice=voice, handler=street.accounts["grid_worker"])
    voice_start(by=admin, voice=voice)
    voice_resolve(by=admin, voice=voice, resolution="街道约谈物业后已修好")
    assert list(voices_overdue(admin)) == []


def test_the_daily_command_prints_how_many_went_up(street):
    make_overdue(bring_to(street, S.ASSIGNED))
    make_overdue(bring_to(street, S.IN_PROGRESS, kind=VoiceKind.COMPLAINT, text=PROBLEM))
    out = io.StringIO()
    call_command("voices_escalate", stdout=out)
    assert out.getvalue().strip() == "已上报 2 件逾期事项"
    out = io.StringIO()
    call_command("voices_escalate", stdout=out)
    assert out.getvalue().strip() == "已上报 0 件逾期事项"


def test_a_rated_item_is_never_escalated(street):
    voice = bring_to(street, S.RESOLVED)
    voice_rate(by=street.accounts["resident"], voice=voice, rating=Rating.SATISFIED)
    make_overdue(voice)
    assert escalate_overdue() == 0
