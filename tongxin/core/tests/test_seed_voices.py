"""The demo's voices and follow-through on the tiny demo street: what a community worker finds
after ``seed_demo``. The checks share one load of the demo (it takes a while)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tongxin.campaigns.models import Campaign
from tongxin.orgs.models import Household, Org
from tongxin.voices.models import (
    GoodDeed,
    Milestone,
    Project,
    ProjectStatus,
    Rectification,
    RectificationStatus,
    SupervisorComment,
    Visit,
    Voice,
    VoiceEvent,
    VoiceStatus,
)
from tongxin.voices.services.publishing import personal_details_in
from tongxin.voices.services.workflow import TRANSITIONS


@pytest.fixture
def demo(db):
    out = StringIO()
    call_command("seed_demo", scale="tiny", stdout=out)
    street = Org.objects.get(code="BLP")
    return street, Campaign.objects.get(scope=street, name="感党恩、听党话、跟党走"), out.getvalue()


def check_every_hardship_household_is_visited_and_visits_bring_voices(street, campaign):
    hardship = Household.objects.filter(org_path__startswith=street.path, in_hardship=True)
    assert hardship.exists()
    assert not hardship.exclude(visits__isnull=False).exists()
    visits = Visit.objects.filter(org_path__startswith=street.path)
    assert visits.filter(for_hardship=True).count() >= hardship.count()
    assert visits.filter(voices__isnull=False).exists()
    assert not visits.exclude(visited_at__date__gte=campaign.starts_on).exists()


def check_voices_are_in_every_state_a_worker_meets(street):
    voices = Voice.objects.filter(org_path__startswith=street.path)
    statuses = set(voices.values_list("status", flat=True))
    assert {VoiceStatus.SUBMITTED, VoiceStatus.CLOSED, VoiceStatus.REJECTED} <= statuses
    assert statuses & {VoiceStatus.CLAIMED, VoiceStatus.ASSIGNED, VoiceStatus.IN_PROGRESS}
    assert voices.filter(kind="wish", handler__isnull=False).exists()
    assert voices.filter(escalated_to__isnull=False).exists()
    assert voices.filter(rating="satisfied").exists()
    assert voices.exclude(suggested_category="").count() == voices.count()


def check_each_history_follows_the_table_in_time_order(street):
    now = timezone.now()
    for voice in Voice.objects.filter(org_path__startswith=street.path).prefetch_related("events"):
        events = list(voice.events.all())
        assert events[0].action == "submit" and events[0].at == voice.submitted_at
        times = [e.at for e in events]
        assert times == sorted(times) and times[-1] <= now
        for event in events[1:]:
            if event.action in TRANSITIONS:
                sources, _target = TRANSITIONS[event.action]
                assert event.from_status in sources, (voice.pk, event.action, event.from_status)
        if voice.responded_at:
            assert voice.responded_at >= voice.submitted_at
        if voice.resolved_at:
            assert voice.resolved_at >= voice.responded_at


def check_public_summaries_carry_nothing_personal(street):
    published = Voice.objects.filter(org_path__startswith=street.path, published_at__isnull=False)
    assert published.exists()
    for voice in published.select_related("person", "household"):
        assert not personal_details_in(voice.public_summary, voice)


def check_projects_problem_list_and_good_deeds_as_the_seeds_report(street):
    projects = Project.objects.filter(org_path__startswith=street.path)
    assert projects.count() == 10
    assert projects.filter(status=ProjectStatus.DONE).count() == 3
    assert projects.filter(status=ProjectStatus.PLANNED).count() == 2
    assert not projects.filter(status=ProjectStatus.DONE, milestones__done_on__isnull=True).exists()
    confirmations = SupervisorComment.objects.filter(project__in=projects, confirms=True)
    assert confirmations.exists()
    assert not Milestone.objects.filter(comments__in=confirmations, done_on__isnull=True).exists()
    problems = Rectification.objects.filter(org_path__startswith=street.path)
    assert problems.count() == 20
    assert problems.filter(status=RectificationStatus.FIXED).count() == 18
    assert problems.filter(status=RectificationStatus.IN_PROGRESS).count() == 2
    deeds = GoodDeed.objects.filter(org_path__startswith=street.path)
    assert {"member", "resident"} == set(deeds.values_list("kind", flat=True))


def test_the_demo_street_hears_residents_and_follows_through(demo):
    street, campaign, output = demo
    assert "群众心声与办理" in output
    check_every_hardship_household_is_visited_and_visits_bring_voices(street, campaign)
    check_voices_are_in_every_state_a_worker_meets(street)
    check_each_history_follows_the_table_in_time_order(street)
    check_public_summaries_carry_nothing_personal(street)
    check_projects_problem_list_and_good_deeds_as_the_seeds_report(street)
    # A second run adds no voice (one seed for all the checks: the tiny street is what each costs).
    counts = [model.objects.count() for model in (Visit, Voice, VoiceEvent, Project, Rectification, GoodDeed)]
    call_command("seed_demo", scale="tiny", stdout=StringIO())
    assert [model.objects.count() for model in (Visit, Voice, VoiceEvent, Project, Rectification, GoodDeed)] == counts
