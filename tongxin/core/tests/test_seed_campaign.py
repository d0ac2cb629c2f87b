"""The demo campaign on the tiny demo street: what a new user finds after ``seed_demo``.

The campaign "感党恩、听党话、跟党走" with its plans "1+7+N", actions done and overdue, every kind of
session, a session open now in every community, coverage high but with real gaps in a grid
worker's to-do list, and a second run that adds nothing.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum
from django.db.models.functions import Mod
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.campaigns.models import Campaign, CampaignTask, Measure, Plan, PlanKind, TaskCompletion
from tongxin.campaigns.selectors import DONE, OVERDUE, compliance
from tongxin.core.models import AuditEntry
from tongxin.learning.models import (
    Attendance, AttendanceMethod, Bulletin, Delivery, DeliveryKind, Distribution, Material, MaterialKind,
    OutreachPlace, Reflection, ReflectionStatus, ScheduleItem, Session, SessionKind, SessionStatus, SpeakerRole,
)
from tongxin.learning.selectors.coverage import coverage_for_org, coverage_gaps
from tongxin.learning.services.attendance import checkin_state
from tongxin.orgs.models import Household, Org, OrgKind
from tongxin.people.models import Person

COUNTED = (Campaign, Plan, CampaignTask, Measure, TaskCompletion, Session, ScheduleItem, Attendance, Delivery,
           Material, Distribution, Reflection, Bulletin, AuditEntry)


@pytest.fixture
def demo(db):
    out = StringIO()
    call_command("seed_demo", scale="tiny", stdout=out)
    street = Org.objects.get(code="BLP")
    return street, Campaign.objects.get(scope=street, name="感党恩、听党话、跟党走"), out.getvalue()


def check_the_campaign_has_its_plans_one_seven_n_actions_and_measures(demo):
    street, campaign, output = demo
    assert "感党恩、听党话、跟党走" in output
    today = timezone.localdate()
    assert campaign.starts_on < today < campaign.ends_on and 50 <= (campaign.ends_on - campaign.starts_on).days <= 62
    assert campaign.targets_members and campaign.targets_residents
    plans = Plan.objects.filter(campaign=campaign)
    assert plans.filter(kind=PlanKind.OVERALL).count() == 1
    assert plans.filter(kind=PlanKind.DOMAIN).count() == 7
    units = Org.objects.filter(path__startswith=street.path, kind__in=[OrgKind.COMMUNITY, OrgKind.UNIT])
    assert set(plans.filter(kind=PlanKind.UNIT).values_list("org_id", flat=True)) == set(units.values_list("id", flat=True))
    overall = plans.get(kind=PlanKind.OVERALL)
    assert not plans.filter(kind=PlanKind.DOMAIN).exclude(parent=overall).exists()
    tasks = CampaignTask.objects.filter(campaign=campaign)
    assert tasks.filter(required=True).exists() and tasks.filter(required=False).exists()
    assert tasks.filter(due_on__lt=today).exists() and tasks.filter(due_on__gt=today).exists()
    assert Measure.objects.filter(campaign=campaign).count() >= 8
    # Some actions done with a proof record, some overdue, some still to come.
    table = compliance(campaign, street)
    states = {cell.state for row in table.rows for cell in row.cells if cell.applies}
    assert {DONE, OVERDUE} <= states
    assert TaskCompletion.objects.filter(task__campaign=campaign, session__isnull=False).exists()
    assert TaskCompletion.objects.filter(task__campaign=campaign).exclude(report="").exists()
    # Written through the services: each has its audit entry.
    for action, model in (("campaign_created", Campaign), ("plan_created", Plan), ("session_created", Session),
                          ("measure_created", Measure), ("task_completed", TaskCompletion)):
        assert AuditEntry.objects.filter(action=action).count() >= model.objects.count() >= 1, action


def check_every_kind_of_session_with_speakers_five_places_and_the_timetable(demo):
    street, campaign, _output = demo
    sessions = Session.objects.filter(campaign=campaign)
    assert set(sessions.values_list("kind", flat=True)) == set(SessionKind.values)
    lectures = sessions.filter(kind=SessionKind.PARTY_LECTURE)
    assert not lectures.filter(speaker="").exists()
    assert {SpeakerRole.LEADERSHIP, SpeakerRole.COMMUNITY_SECRETARY, SpeakerRole.FIRST_SECRETARY} <= set(
        lectures.values_list("speaker_role", flat=True))
    outreach = sessions.filter(kind=SessionKind.OUTREACH)
    assert set(outreach.values_list("outreach_place", flat=True)) == set(OutreachPlace.values)
    assert not sessions.exclude(kind=SessionKind.OUTREACH).exclude(outreach_place="").exists()
    # Group study on Tuesday and Friday afternoons, as the timetable says.
    group = sessions.filter(kind=SessionKind.GROUP_STUDY, org__kind=OrgKind.COMMUNITY)
    assert {timezone.localtime(s.starts_at).weekday() for s in group} == {1, 4}
    assert ScheduleItem.objects.filter(campaign=campaign, kind=SessionKind.GROUP_STUDY, weekday=1).exists()
    now = timezone.now()
    assert not sessions.filter(ends_at__lte=now).exclude(status=SessionStatus.CLOSED).exists()
    assert sessions.filter(status=SessionStatus.PLANNED, starts_at__gt=now).exists()
    assert not sessions.filter(starts_at__gt=now + timezone.timedelta(days=15)).exists()
    # Nobody checks in to a session that has not started; every check-in lies within its session.
    for attendance in Attendance.objects.filter(campaign=campaign).select_related("session")[:2000]:
        session = attendance.session
        assert session.starts_at - timezone.timedelta(minutes=30) <= attendance.checked_in_at <= session.ends_at
        assert attendance.checked_in_at <= now
    capped = sessions.filter(capacity__isnull=False)
    for session in capped:
        assert session.attendances.count() <= session.capacity
    assert_counts_are_the_rows(sessions)


def assert_counts_are_the_rows(sessions) -> None:
    """Each session's kept count (签到人次, what the reports add up) is its attendance rows."""
    kept = dict(sessions.values_list("pk", "attendance_count"))
    rows = dict(sessions.annotate(n=Count("attendances")).values_list("pk", "n"))
    assert kept == rows and sum(kept.values()) > 0


def check_every_community_has_a_session_open_now_that_the_demo_member_can_scan_into(demo):
    street, campaign, _output = demo
    now = timezone.now()
    communities = Org.objects.filter(parent=street, kind=OrgKind.COMMUNITY)
    member = User.objects.get(username="member")
    for community in communities:
        open_now = Session.objects.filter(campaign=campaign, org=community, status=SessionStatus.OPEN,
                                          starts_at__lt=now, ends_at__gt=now)
        assert open_now.count() == 1, community.name
        session = open_now.get()
        assert checkin_state(session, now) == "open"
        assert not session.attendances.filter(person=member.person).exists()
    home = Session.objects.get(campaign=campaign, org__code="BLP-C01", status=SessionStatus.OPEN)
    client = Client()
    client.force_login(member)
    page = client.get(reverse("learning:session_detail", args=[home.pk]))
    assert page.status_code == 200 and home.topic in page.content.decode()


def check_coverage_is_high_with_real_gaps_lower_for_mobile_members(demo):
    street, campaign, _output = demo
    figures = coverage_for_org(campaign, street)
    assert figures.target >= 700
    assert 85.0 <= figures.rate <= 93.0, figures.rate
    groups = {row.key: row for row in figures.groups}
    assert groups["member_mobile"].rate < groups["member_regular"].rate
    assert groups["member_regular"].rate >= 90
    # Every way is used: sessions of several kinds, and the deliveries of the seeds.
    ways = {(w.source, w.kind) for w in figures.ways if w.reached}
    assert {("session", SessionKind.GROUP_STUDY), ("session", SessionKind.OUTREACH),
            ("delivery", DeliveryKind.HOME), ("delivery", DeliveryKind.ONLINE)} <= ways
    assert max(w.cumulative for w in figures.weeks) == figures.reached or figures.weeks[-1].cumulative > 0
    rates = [g.rate for g in figures.grids]
    assert min(rates) < figures.rate < max(rates)
    # The demo grid worker's to-do is a real list, of people of their grid.
    grid = Org.objects.get(code="BLP-C01-G01")
    gaps = coverage_gaps(campaign, [grid])
    assert gaps.exists()
    worker = Client()
    worker.force_login(User.objects.get(username="grid_worker"))
    html = worker.get(reverse("learning:my_todo")).content.decode()
    assert f"还有 <strong>{gaps.count()}</strong> 人未覆盖" in html


def check_deliveries_materials_reflections_and_bulletins(demo):
    street, campaign, _output = demo
    deliveries = Delivery.objects.filter(campaign=campaign).select_related("person__party_member")
    assert {DeliveryKind.HOME, DeliveryKind.ONLINE, DeliveryKind.MP3} <= set(deliveries.values_list("kind", flat=True))
    for delivery in deliveries.filter(kind=DeliveryKind.HOME):
        assert delivery.person.party_member.needs_home_delivery
    for delivery in deliveries.filter(kind=DeliveryKind.ONLINE):
        assert delivery.person.party_member.is_mobile
    assert deliveries.filter(delivered_by__isnull=False).exists()
    # Stock: what was bought, less what was handed out, and a distribution row for every copy.
    for material in Material.objects.filter(campaign=campaign, kind__in=[MaterialKind.BOOK, MaterialKind.MP3_PLAYER]):
        given = sum(Distribution.objects.filter(material=material).values_list("quantity", flat=True))
        bought = {"《习近平著作选读》": 1200, "《论群众路线——重要论述摘编》": 300}.get(material.title, 100)
        assert material.stock == bought - given and given > 0, material.title
    mp3 = Material.objects.get(campaign=campaign, kind=MaterialKind.MP3_PLAYER)
    assert Distribution.objects.filter(material=mp3, person__isnull=False).count() == \
        deliveries.filter(kind=DeliveryKind.MP3).count()
    reflections = Reflection.objects.filter(campaign=campaign)
    assert reflections.filter(status=ReflectionStatus.APPROVED).exists()
    assert reflections.filter(is_excellent=True).exists()
    assert reflections.filter(status=ReflectionStatus.SUBMITTED).exists()
    for reflection in reflections.exclude(session=None):
        assert Attendance.objects.filter(session=reflection.session, person=reflection.person).exists()
    bulletins = Bulletin.objects.filter(campaign=campaign, org=street).order_by("issue_no")
    assert list(bulletins.values_list("issue_no", flat=True)) == list(range(1, bulletins.count() + 1))
    assert bulletins.count() >= 4 and "督促后进" in bulletins.first().body
    assert Attendance.objects.filter(campaign=campaign, method=AttendanceMethod.SIGN_SHEET).exists()
    assert AuditEntry.objects.filter(action="attendance_checked_in").count() == \
        Attendance.objects.filter(method=AttendanceMethod.QR).count()


def test_the_demo_campaign_as_the_seeds_report_it_and_a_second_run_adds_nothing(demo):
    """One seed for several checks: the tiny street is what each of them costs."""
    check_the_campaign_has_its_plans_one_seven_n_actions_and_measures(demo)
    check_every_kind_of_session_with_speakers_five_places_and_the_timetable(demo)
    check_every_community_has_a_session_open_now_that_the_demo_member_can_scan_into(demo)
    check_coverage_is_high_with_real_gaps_lower_for_mobile_members(demo)
    check_deliveries_materials_reflections_and_bulletins(demo)
    before = {model.__name__: model.objects.count() for model in COUNTED}
    out = StringIO()
    call_command("seed_demo", scale="tiny", stdout=out)
    assert "已存在" in out.getvalue()
    assert {model.__name__: model.objects.count() for model in COUNTED} == before


def test_the_district_activity_loads_street_by_street_and_skips_loaded_streets(db):
    from tongxin.core.demo.campaign.district import seed_district_activity
    from tongxin.core.demo.district import build_district, district_street_specs
    from tongxin.core.demo.street import ensure_city_and_district

    _city, district = ensure_city_and_district()
    specs = district_street_specs(scale=0.003)[:3]
    build_district(district=district, specs=specs, log=lambda line: None)
    lines = []
    campaign = seed_district_activity(district, log=lines.append)
    assert campaign.scope == district and len(lines) == 3
    for street in Org.objects.filter(parent=district):
        held = Session.objects.filter(campaign=campaign, org_path__startswith=street.path)
        assert {SessionKind.GROUP_STUDY, SessionKind.MICRO_CLASS, SessionKind.OUTREACH} <= set(
            held.values_list("kind", flat=True)), street.name
        assert Attendance.objects.filter(campaign=campaign, session__org_path__startswith=street.path).exists()
    now = timezone.now()
    attendances = Attendance.objects.filter(campaign=campaign)
    assert not attendances.filter(session__status=SessionStatus.PLANNED).exists()
    assert not attendances.filter(checked_in_at__gt=now).exists()
    assert_counts_are_the_rows(Session.objects.filter(campaign=campaign))
    # Each check-in is of a person of the session's place; people come about ten times each.
    for a in attendances.select_related("session", "person")[:500]:
        assert a.person.org_path.startswith(a.session.org_path)
    figures = coverage_for_org(campaign, district)
    assert 85 <= figures.rate < 100
    assert 5 <= attendances.count() / figures.reached <= 15
    infirm = Delivery.objects.filter(campaign=campaign, kind=DeliveryKind.HOME)
    assert infirm.exists() and not infirm.exclude(person__party_member__needs_home_delivery=True).exists()
    before = {model.__name__: model.objects.count() for model in COUNTED}
    seed_district_activity(district, log=lines.append)
    assert {model.__name__: model.objects.count() for model in COUNTED} == before
    assert sum("跳过" in line for line in lines) == 3
    check_the_district_life(district, campaign)


def check_the_district_life(district, campaign) -> None:
    """Visits, voices and points of the district's streets, as the figures read them."""
    from tongxin.core.demo.campaign.district_life import POINTS_USERS, seed_district_life
    from tongxin.points.models import PointsAccount, PointsEntry
    from tongxin.reports.selectors.figures import report_figures
    from tongxin.voices.models import Visit, Voice, VoiceAction, VoiceEvent, VoiceKind

    streets = list(Org.objects.filter(parent=district))
    skipped = streets[0]
    results = seed_district_life(district, skip=skipped, log=lambda line: None)
    assert len(results) == len(streets) - 1 and not any(r.skipped for r in results)
    assert not Visit.objects.filter(org_path__startswith=skipped.path).exists()
    for street in streets[1:]:
        visits = Visit.objects.filter(org_path__startswith=street.path)
        assert visits.exists() and not visits.exclude(campaign=campaign).exists()
        # Every hardship household is visited.
        hardship = Household.objects.filter(org_path__startswith=street.path, in_hardship=True)
        assert not hardship.exclude(visits__isnull=False).exists()
        assert Voice.objects.filter(org_path__startswith=street.path).exists()
    voices = Voice.objects.filter(campaign=campaign)
    # Each voice starts with its submission; every claimed wish has its claim; rejections say why.
    assert VoiceEvent.objects.filter(action=VoiceAction.SUBMIT).count() == voices.count()
    wishes = voices.filter(kind=VoiceKind.WISH).exclude(status__in=["submitted", "rejected"])
    assert VoiceEvent.objects.filter(action=VoiceAction.CLAIM, voice__in=wishes).count() == wishes.count()
    assert not voices.filter(status="rejected", reject_reason="").exists()
    # Points: a check-in earns 10, within 20 a day and 50 a week; every balance is its sum.
    entries = PointsEntry.objects.filter(action="attendance")
    assert entries.exists() and not entries.exclude(person_id__in=Person.objects.annotate(
        app=Mod("pk", POINTS_USERS)).filter(app=0).values("pk")).exists()
    for account in PointsAccount.objects.filter(org_path__startswith=streets[1].path):
        assert account.balance == account.earned == (
            PointsEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] or 0)
    daily = entries.values("person_id", "at__date").annotate(s=Sum("amount"))
    assert max(row["s"] for row in daily) <= 20
    figures = report_figures(district, campaign)
    assert figures.value("visits") == Visit.objects.count() and figures.value("voices") > 0
    assert figures.value("points_earned") == entries.aggregate(s=Sum("amount"))["s"]
    # A second run adds nothing.
    counts = (Visit.objects.count(), Voice.objects.count(), PointsEntry.objects.count())
    assert all(r.skipped for r in seed_district_life(district, skip=skipped, log=lambda line: None))
    assert (Visit.objects.count(), Voice.objects.count(), PointsEntry.objects.count()) == counts
