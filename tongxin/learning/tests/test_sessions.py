"""Planning sessions and the weekly timetable: validation, who may plan where, status moves, audit."""

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tongxin.campaigns.services import campaign_create
from tongxin.core.models import AuditEntry
from tongxin.learning.models import (
    AttendanceMethod, OutreachPlace, ScheduleItem, Session, SessionKind, SessionStatus, SpeakerRole,
)
from tongxin.learning.services.attendance import attendance_record_roster
from tongxin.learning.services.sessions import (
    TRANSITIONS, schedule_item_create, schedule_item_update, session_close, session_create, session_open,
    session_update,
)


def _when(hours_from_now: float = 1, length: float = 1.5):
    start = timezone.now().replace(microsecond=0) + timedelta(hours=hours_from_now)
    return start, start + timedelta(hours=length)


def _create(street, *, account="community_worker", org=None, **overrides):
    starts_at, ends_at = _when()
    data = dict(org=org or street.community_a, kind=SessionKind.GROUP_STUDY, topic="学习《论群众路线》",
                starts_at=starts_at, ends_at=ends_at, place="社区党群服务中心")
    data.update(overrides)
    return session_create(by=street.accounts[account], **data)


def _messages(error: ValidationError) -> dict:
    return {k: " ".join(v) for k, v in error.message_dict.items()}


# --- create -------------------------------------------------------------------------------------

def test_create_saves_audits_and_copies_the_org_path(street):
    session = _create(street, capacity=40, speaker="刘书记", speaker_role=SpeakerRole.COMMUNITY_SECRETARY)
    session.refresh_from_db()
    assert session.org_path == street.community_a.path
    assert session.status == SessionStatus.PLANNED
    assert session.created_by == street.accounts["community_worker"]
    assert len(session.checkin_secret) == 32
    entry = AuditEntry.objects.get(action="session_created")
    assert entry.actor == street.accounts["community_worker"] and entry.object_id == str(session.pk)
    assert entry.changes["org"] == "BLP-C1" and entry.changes["capacity"] == 40
    assert entry.changes["speaker_role"] == "community_secretary"


def test_every_session_gets_its_own_secret(street):
    assert _create(street).checkin_secret != _create(street).checkin_secret


@pytest.mark.parametrize("account, org_attr, allowed", [
    ("street_admin", "community_b", True),
    ("street_admin", "grid_a1", True),
    ("community_worker", "community_a", True),
    ("community_worker", "grid_a1", True),
    ("community_worker", "branch_a", True),
    ("community_worker", "community_b", False),
    ("grid_worker", "grid_a1", True),
    ("grid_worker", "grid_b1", False),
    ("grid_worker", "community_a", False),
    ("building_head", "building_a1", False),
    ("superior", "community_a", False),
    ("party_member", "community_a", False),
    ("resident", "community_a", False),
    ("system_admin", "community_a", False),
])
def test_who_may_plan_a_session_where(street, account, org_attr, allowed):
    org = getattr(street, org_attr)
    if allowed:
        assert _create(street, account=account, org=org, kind=SessionKind.MICRO_CLASS).org == org
    else:
        with pytest.raises(PermissionError, match="无权在该组织安排学习活动"):
            _create(street, account=account, org=org, kind=SessionKind.MICRO_CLASS)
        assert not Session.objects.exists()


def test_end_must_follow_start(street):
    starts_at, _end = _when()
    for ends_at in (starts_at, starts_at - timedelta(minutes=1)):
        with pytest.raises(ValidationError) as caught:
            _create(street, starts_at=starts_at, ends_at=ends_at)
        assert _messages(caught.value) == {"ends_at": "结束时间须晚于开始时间"}


@pytest.mark.parametrize("capacity", [0, -3])
def test_capacity_must_be_positive(street, capacity):
    with pytest.raises(ValidationError) as caught:
        _create(street, capacity=capacity)
    assert _messages(caught.value)["capacity"] == "人数上限须为正整数，不限人数请留空"


def test_outreach_needs_its_place_and_only_outreach_has_one(street):
    with pytest.raises(ValidationError) as caught:
        _create(street, kind=SessionKind.OUTREACH)
    assert _messages(caught.value) == {"outreach_place": "宣讲活动须选择五进场所"}
    with pytest.raises(ValidationError) as caught:
        _create(street, kind=SessionKind.OUTREACH, outreach_place="market")
    assert _messages(caught.value) == {"outreach_place": "宣讲活动须选择五进场所"}
    with pytest.raises(ValidationError) as caught:
        _create(street, kind=SessionKind.LECTURE, outreach_place=OutreachPlace.SCHOOL)
    assert _messages(caught.value) == {"outreach_place": "只有宣讲活动才选择五进场所"}
    session = _create(street, kind=SessionKind.OUTREACH, outreach_place=OutreachPlace.SHOP)
    assert session.get_outreach_place_display() == "进商户"


def test_a_party_lecture_names_its_speaker_and_their_role(street):
    with pytest.raises(ValidationError) as caught:
        _create(street, kind=SessionKind.PARTY_LECTURE)
    assert _messages(caught.value) == {"speaker": "党课须填写主讲人", "speaker_role": "党课须填写主讲人身份"}
    with pytest.raises(ValidationError) as caught:
        _create(street, kind=SessionKind.PARTY_LECTURE, speaker="王书记", speaker_role="mayor")
    assert _messages(caught.value) == {"speaker_role": "未知的主讲人身份"}
    lecture = _create(street, kind=SessionKind.PARTY_LECTURE, speaker="王书记", speaker_role=SpeakerRole.FIRST_SECRETARY)
    assert lecture.get_speaker_role_display() == "第一书记"


def test_unknown_kind_and_empty_topic_are_refused(street):
    with pytest.raises(ValidationError) as caught:
        _create(street, kind="picnic", topic="  ")
    assert _messages(caught.value) == {"kind": "未知的活动形式", "topic": "请填写活动主题"}


def test_campaign_period_and_scope(street, campaign):
    assert _create(street, campaign=campaign).campaign == campaign
    late_start = timezone.now() + timedelta(weeks=6)
    with pytest.raises(ValidationError) as caught:
        _create(street, campaign=campaign, starts_at=late_start, ends_at=late_start + timedelta(hours=1))
    assert _messages(caught.value)["starts_at"].startswith("活动时间不在主题活动期间内")
    today = timezone.localdate()
    only_b = campaign_create(by=None, name="学院社区专项学习", slug="xueyuan", starts_on=today - timedelta(days=7),
                             ends_on=today + timedelta(days=30), scope=street.community_b)
    with pytest.raises(ValidationError) as caught:
        _create(street, campaign=only_b)
    assert _messages(caught.value) == {"campaign": "该组织不在主题活动范围内"}


# --- update -------------------------------------------------------------------------------------

def test_update_changes_only_what_is_given_and_audits_the_difference(street, campaign):
    session = _create(street, capacity=30, campaign=campaign)
    session_update(by=street.accounts["community_worker"], session=session, topic="学习党章", capacity=None)
    session.refresh_from_db()
    assert session.topic == "学习党章" and session.capacity is None and session.campaign == campaign
    entry = AuditEntry.objects.get(action="session_updated")
    assert entry.changes == {"topic": ["学习《论群众路线》", "学习党章"], "capacity": [30, None]}
    session_update(by=street.accounts["community_worker"], session=session, topic="学习党章")
    assert AuditEntry.objects.filter(action="session_updated").count() == 1  # nothing changed, nothing written


def test_capacity_cannot_drop_below_who_is_already_there(street):
    now = timezone.now()
    session = _create(street, starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=1), capacity=10)
    attendance_record_roster(by=street.accounts["community_worker"], session=session,
                             persons=[street.resident_a, street.member_a])
    with pytest.raises(ValidationError) as caught:
        session_update(by=street.accounts["community_worker"], session=session, capacity=1)
    assert _messages(caught.value) == {"capacity": "人数上限不能少于已签到人数（2 人）"}
    session_update(by=street.accounts["community_worker"], session=session, capacity=2)
    session.refresh_from_db()
    assert session.capacity == 2


def test_update_is_refused_outside_the_scope(street):
    session = _create(street)
    with pytest.raises(PermissionError):
        session_update(by=street.accounts["grid_worker"], session=session, topic="改")
    with pytest.raises(ValidationError) as caught:
        session_update(by=street.accounts["community_worker"], session=session, kind=SessionKind.OUTREACH)
    assert _messages(caught.value) == {"outreach_place": "宣讲活动须选择五进场所"}


# --- status -------------------------------------------------------------------------------------

def test_the_transition_table():
    assert TRANSITIONS == {
        SessionStatus.PLANNED: {SessionStatus.OPEN, SessionStatus.CLOSED},
        SessionStatus.OPEN: {SessionStatus.CLOSED},
        SessionStatus.CLOSED: {SessionStatus.OPEN},
    }


def test_open_close_reopen_each_audited_once(street):
    by = street.accounts["community_worker"]
    session = _create(street)
    session_open(by=by, session=session)
    assert session.status == SessionStatus.OPEN
    session_open(by=by, session=session)  # pressed twice
    session_close(by=by, session=session)
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED
    session_open(by=by, session=session)  # closed by mistake
    session.refresh_from_db()
    assert session.status == SessionStatus.OPEN
    moves = list(AuditEntry.objects.filter(action__in=["session_opened", "session_closed"]).order_by("id")
                 .values_list("action", "changes"))
    assert moves == [
        ("session_opened", {"status": ["planned", "open"]}),
        ("session_closed", {"status": ["open", "closed"]}),
        ("session_opened", {"status": ["closed", "open"]}),
    ]


def test_a_planned_session_may_be_closed_directly(street):
    session = _create(street)
    session_close(by=street.accounts["street_admin"], session=session)
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED


def test_only_managers_of_the_org_open_or_close(street):
    session = _create(street)
    for account in ("grid_worker", "building_head", "resident", "party_member", "superior"):
        with pytest.raises(PermissionError):
            session_open(by=street.accounts[account], session=session)
        with pytest.raises(PermissionError):
            session_close(by=street.accounts[account], session=session)
    session.refresh_from_db()
    assert session.status == SessionStatus.PLANNED


# --- timetable ----------------------------------------------------------------------------------

def test_schedule_item_create_and_switch_off(street):
    by = street.accounts["community_worker"]
    tuesday = schedule_item_create(by=by, org=street.community_a, weekday=1, starts_at=time(14, 30),
                                   ends_at=time(16, 30), topic="集中学习日", place="二楼会议室")
    assert tuesday.org_path == street.community_a.path and tuesday.kind == SessionKind.GROUP_STUDY
    assert tuesday.get_weekday_display() == "周二"
    schedule_item_update(by=by, item=tuesday, active=False, place="三楼会议室")
    tuesday.refresh_from_db()
    assert not tuesday.active and tuesday.place == "三楼会议室"
    actions = list(AuditEntry.objects.filter(action__startswith="schedule_item").order_by("id")
                   .values_list("action", flat=True))
    assert actions == ["schedule_item_created", "schedule_item_updated"]
    assert AuditEntry.objects.get(action="schedule_item_updated").changes == {
        "place": ["二楼会议室", "三楼会议室"], "active": [True, False]}


@pytest.mark.parametrize("overrides, expected", [
    ({"weekday": 7}, {"weekday": "请选择星期几"}),
    ({"ends_at": time(14, 0)}, {"ends_at": "结束时间须晚于开始时间"}),
    ({"topic": ""}, {"topic": "请填写学习内容"}),
    ({"kind": "nap"}, {"kind": "未知的活动形式"}),
])
def test_schedule_item_validation(street, overrides, expected):
    data = dict(org=street.community_a, weekday=4, starts_at=time(14, 30), ends_at=time(16, 30), topic="集中学习")
    data.update(overrides)
    with pytest.raises(ValidationError) as caught:
        schedule_item_create(by=street.accounts["community_worker"], **data)
    assert _messages(caught.value) == expected
    assert not ScheduleItem.objects.exists()


def test_schedule_items_follow_the_same_scope_rule(street):
    with pytest.raises(PermissionError):
        schedule_item_create(by=street.accounts["grid_worker"], org=street.community_a, weekday=1,
                             starts_at=time(9), ends_at=time(10), topic="学习")
    item = schedule_item_create(by=street.accounts["grid_worker"], org=street.grid_a1, weekday=1,
                                starts_at=time(9), ends_at=time(10), topic="网格微课堂", kind=SessionKind.MICRO_CLASS)
    with pytest.raises(PermissionError):
        schedule_item_update(by=street.accounts["resident"], item=item, active=False)


def test_roster_methods_are_the_two_staff_ways(street):
    # Guard for the roster page: it offers exactly the two ways staff record attendance.
    assert {AttendanceMethod.ROSTER, AttendanceMethod.SIGN_SHEET} == set(AttendanceMethod.values) - {"qr"}
