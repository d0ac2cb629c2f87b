"""Check-in by the rotating code and by staff on the roster: every refusal with its Chinese message,
retries that record nothing twice, and real parallel requests that still make one row."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tongxin.accounts.services import account_create
from tongxin.core.models import AuditEntry
from tongxin.learning.checkin_codes import make_code
from tongxin.learning.models import Attendance, AttendanceMethod, Session, SessionKind, SessionStatus
from tongxin.learning.services.attendance import (
    LOGIN_GRACE, attendance_checkin, attendance_record_roster, checkin_state,
)
from tongxin.learning.services.sessions import session_close, session_create, session_open
from tongxin.people.services import PersonData, party_member_save, person_create, person_update
from tongxin.testing import PASSWORD


def _session(street, *, org=None, starts_in=timedelta(minutes=-10), length=timedelta(hours=1), **extra) -> Session:
    start = timezone.now() + starts_in
    return session_create(by=street.accounts["street_admin"], org=org or street.community_a,
                          kind=extra.pop("kind", SessionKind.GROUP_STUDY), topic="学习《论群众路线》",
                          starts_at=start, ends_at=start + length, **extra)


def _checkin(street, session, account="resident", *, now=None, code_at=None, **kwargs):
    now = now or timezone.now()
    code = make_code(session, now=code_at or now)
    return attendance_checkin(by=street.accounts[account], session=session, token=code, now=now, **kwargs)


def _refusal(callable_, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        callable_(*args, **kwargs)
    return caught.value.code, " ".join(caught.value.messages)


def _audits(action: str) -> int:
    return AuditEntry.objects.filter(action=action).count()


# --- the code -----------------------------------------------------------------------------------

def test_check_in_with_the_current_code(street, campaign):
    session = _session(street, campaign=campaign)
    attendance, created = _checkin(street, session)
    assert created
    assert attendance.person == street.resident_a and attendance.method == AttendanceMethod.QR
    assert attendance.campaign == campaign  # copied so coverage reads (campaign, person) from one index
    assert attendance.recorded_by is None
    entry = AuditEntry.objects.get(action="attendance_checked_in")
    assert entry.actor == street.accounts["resident"] and entry.object_id == str(attendance.pk)
    assert entry.changes == {"session": session.pk, "person": street.resident_a.pk, "method": "qr"}


def _mid_window() -> datetime:
    """Now, moved to the middle of its 30-second window: a code from 31 s earlier is then always
    from the window before (at the first second of a window it would be two windows old)."""
    now = timezone.now()
    return now.replace(microsecond=0) - timedelta(seconds=now.second % 30) + timedelta(seconds=15)


def test_the_previous_window_is_still_accepted(street):
    session = _session(street)
    now = _mid_window()
    attendance, created = _checkin(street, session, now=now, code_at=now - timedelta(seconds=31))
    assert created and attendance.pk


def test_an_expired_code_says_to_scan_the_screen_again(street):
    session = _session(street)
    now = _mid_window()
    assert _refusal(_checkin, street, session, now=now, code_at=now - timedelta(seconds=61)) == (
        "expired", "二维码已过期，请扫描屏幕上最新的二维码")
    assert not Attendance.objects.exists() and _audits("attendance_checked_in") == 0


@pytest.mark.parametrize("token", ["", "12345", "not-a-code", "1.AAAAAAAAAAAAAAAA"])
def test_a_forged_code_is_refused(street, token):
    session = _session(street)
    assert _refusal(attendance_checkin, by=street.accounts["resident"], session=session, token=token) == (
        "invalid", "二维码无效，请扫描现场屏幕上的二维码")


def test_the_code_of_another_session_is_refused(street):
    session, other = _session(street), _session(street)
    code = make_code(other)
    assert _refusal(attendance_checkin, by=street.accounts["resident"], session=session, token=code)[0] == "invalid"


def test_a_code_scanned_before_logging_in_counts_for_a_while(street):
    session = _session(street)
    scanned = timezone.now() - timedelta(minutes=4)
    code = make_code(session, now=scanned)
    attendance, created = attendance_checkin(by=street.accounts["resident"], session=session, token=code,
                                             presented_at=scanned)
    assert created and attendance.checked_in_at == scanned  # they were there when they scanned
    # Beyond the grace the moment of the scan is not believed, and the code is just old.
    long_ago = timezone.now() - LOGIN_GRACE - timedelta(minutes=1)
    assert _refusal(attendance_checkin, by=street.accounts["party_member"], session=session,
                    token=make_code(session, now=long_ago), presented_at=long_ago)[0] == "expired"


# --- retries ------------------------------------------------------------------------------------

def test_a_retry_returns_the_same_attendance_and_writes_nothing(street):
    session = _session(street)
    first, created = _checkin(street, session)
    again, created_again = _checkin(street, session)
    assert created and not created_again
    assert again.pk == first.pk
    assert Attendance.objects.count() == 1 and _audits("attendance_checked_in") == 1
    # A phone retrying long after, with the old code, is told it is checked in, not "expired".
    later = timezone.now() + timedelta(minutes=5)
    late, created_late = _checkin(street, session, now=later, code_at=later - timedelta(minutes=5))
    assert late.pk == first.pk and not created_late
    # ... but a forged code never is.
    assert _refusal(attendance_checkin, by=street.accounts["resident"], session=session, token="1.x")[0] == "invalid"


@pytest.mark.django_db(transaction=True)
def test_eight_parallel_check_ins_of_one_person_make_one_row(street):
    session = _session(street)
    code = make_code(session)
    barrier = threading.Barrier(8)
    results: list = []
    errors: list = []
    user = street.accounts["resident"]

    def scan() -> None:
        try:
            barrier.wait()
            attendance, created = attendance_checkin(by=user, session=session, token=code)
            results.append((attendance.pk, created))
        except Exception as error:  # the assertion below shows what went wrong
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(results) == 8
    assert len({pk for pk, _created in results}) == 1
    assert [created for _pk, created in results].count(True) == 1
    assert Attendance.objects.filter(session=session).count() == 1
    assert Session.objects.get(pk=session.pk).attendance_count == 1
    assert _audits("attendance_checked_in") == 1


# --- when ---------------------------------------------------------------------------------------

def test_a_closed_session_refuses(street):
    session = _session(street)
    session_close(by=street.accounts["community_worker"], session=session)
    assert _refusal(_checkin, street, session) == ("closed", "活动已结束，签到已关闭")


def test_a_planned_session_opens_thirty_minutes_before_it_starts(street):
    soon = _session(street, starts_in=timedelta(minutes=29))
    assert _checkin(street, soon)[1]
    later = _session(street, starts_in=timedelta(hours=2))
    code, message = _refusal(_checkin, street, later)
    opens = timezone.localtime(later.starts_at - timedelta(minutes=30))
    assert code == "not_open"
    assert message == f"签到尚未开始，{opens.month}月{opens.day}日 {opens:%H:%M} 起可签到"


def test_staff_may_open_check_in_early(street):
    later = _session(street, starts_in=timedelta(hours=2))
    session_open(by=street.accounts["community_worker"], session=later)
    assert _checkin(street, later)[1]


def test_a_planned_session_that_has_ended_refuses(street):
    over = _session(street, starts_in=timedelta(hours=-3))
    assert checkin_state(over, timezone.now()) == "closed"
    assert _refusal(_checkin, street, over) == ("closed", "活动已结束，签到已关闭")


def test_an_open_session_takes_check_ins_until_it_is_closed(street):
    session = _session(street, starts_in=timedelta(hours=-3))
    session_open(by=street.accounts["community_worker"], session=session)
    assert session.status == SessionStatus.OPEN
    assert _checkin(street, session)[1]


def test_capacity_full(street):
    session = _session(street, capacity=1)
    assert _checkin(street, session, "resident")[1]
    assert _refusal(_checkin, street, session, "party_member") == ("full", "人数已满（上限 1 人）")
    assert Attendance.objects.filter(session=session).count() == 1
    # The one who is in still gets their attendance back on a retry.
    assert not _checkin(street, session, "resident")[1]


@pytest.mark.django_db(transaction=True)
def test_parallel_check_ins_never_exceed_the_capacity(street):
    session = _session(street, capacity=3)
    code = make_code(session)
    users = []
    for i in range(8):
        person = person_create(by=None, data=PersonData(name=f"居民{i}", org=street.building_a1))
        users.append(account_create(by=None, username=f"resident{i}", password=PASSWORD, person=person))
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def scan(user) -> None:
        try:
            barrier.wait()
            attendance_checkin(by=user, session=session, token=code)
            outcomes.append("in")
        except ValidationError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["full"] * 5 + ["in"] * 3
    assert Attendance.objects.filter(session=session).count() == 3
    assert Session.objects.get(pk=session.pk).attendance_count == 3
    assert _audits("attendance_checked_in") == 3


# --- who ----------------------------------------------------------------------------------------

def test_a_person_out_of_scope_is_told_so(street):
    session = _session(street, org=street.community_b)  # 张三 lives in 八里铺社区, not 学院社区
    assert _refusal(_checkin, street, session) == (
        "out_of_scope", "您不在本次活动的参加范围内，如有疑问请联系组织者")
    assert not Attendance.objects.exists()


def test_places_above_the_person_are_in_scope(street):
    for org in (street.street, street.community_a, street.grid_a1, street.building_a1):
        assert _checkin(street, _session(street, org=org))[1]


def test_a_party_branch_session_reaches_the_members_of_the_branch(street):
    party_day = _session(street, org=street.branch_a, kind=SessionKind.PARTY_DAY)
    assert _checkin(street, party_day, "party_member")[1]  # 王五, member of 第一党支部
    assert _refusal(_checkin, street, party_day, "resident")[0] == "out_of_scope"  # 张三 is not a member


def test_a_member_living_elsewhere_reaches_the_sessions_of_their_branch(street):
    # 赵六 lives in 学院社区 but belongs to 八里铺社区第一党支部.
    person = person_create(by=None, data=PersonData(name="赵六", org=street.building_b1))
    party_member_save(by=None, person=person, branch=street.branch_a, joined_on=date(1990, 7, 1))
    user = account_create(by=None, username="zhaoliu", password=PASSWORD, person=person)
    for org in (street.branch_a, street.community_a):
        session = _session(street, org=org)
        assert attendance_checkin(by=user, session=session, token=make_code(session))[1]
    grid_class = _session(street, org=street.grid_a1, kind=SessionKind.MICRO_CLASS)
    with pytest.raises(ValidationError) as caught:
        attendance_checkin(by=user, session=grid_class, token=make_code(grid_class))
    assert caught.value.code == "out_of_scope"


def test_a_person_no_longer_registered_is_out_of_scope(street):
    person_update(by=None, person=street.resident_a, is_active=False)
    assert _refusal(_checkin, street, _session(street))[0] == "out_of_scope"


def test_an_account_without_a_person_cannot_check_in(street):
    assert _refusal(_checkin, street, _session(street), "street_admin") == (
        "no_person", "您的账号没有关联人员信息，无法签到，请联系社区工作人员")


# --- the roster and the paper sign-in sheet ----------------------------------------------------

def test_roster_ticks_are_recorded_once_however_often_they_are_sent(street):
    session = _session(street)
    by = street.accounts["community_worker"]
    made = attendance_record_roster(by=by, session=session, persons=[street.resident_a, street.member_a])
    assert sorted(a.person_id for a in made) == sorted([street.resident_a.pk, street.member_a.pk])
    assert all(a.method == AttendanceMethod.ROSTER and a.recorded_by == by for a in made)
    assert _audits("attendance_recorded") == 2
    assert attendance_record_roster(by=by, session=session, persons=[street.resident_a, street.member_a]) == []
    assert Attendance.objects.filter(session=session).count() == 2
    assert _audits("attendance_recorded") == 2


def test_roster_leaves_a_qr_check_in_as_it_is(street):
    session = _session(street)
    scanned, _created = _checkin(street, session, "resident")
    made = attendance_record_roster(by=street.accounts["community_worker"], session=session,
                                    persons=[street.resident_a, street.member_a])
    assert [a.person_id for a in made] == [street.member_a.pk]
    scanned.refresh_from_db()
    assert scanned.method == AttendanceMethod.QR


def test_a_paper_sign_in_sheet_is_entered_after_the_session_closed(street):
    session = _session(street, starts_in=timedelta(hours=-3))
    session_close(by=street.accounts["community_worker"], session=session)
    at = session.starts_at + timedelta(minutes=2)
    made = attendance_record_roster(by=street.accounts["community_worker"], session=session,
                                    persons=[street.member_a], method=AttendanceMethod.SIGN_SHEET, checked_in_at=at)
    assert made[0].method == AttendanceMethod.SIGN_SHEET and made[0].checked_in_at == at
    entry = AuditEntry.objects.get(action="attendance_recorded")
    assert entry.changes["method"] == "sign_sheet" and entry.object_id == str(made[0].pk)


def test_roster_refuses_persons_out_of_scope_and_records_none(street):
    session = _session(street)
    code, message = _refusal(attendance_record_roster, by=street.accounts["street_admin"], session=session,
                             persons=[street.resident_a, street.resident_b])
    assert code == "out_of_scope" and message == "以下人员不在本次活动的参加范围内：李四"
    assert not Attendance.objects.exists()


def test_roster_before_the_session_and_beyond_capacity(street):
    later = _session(street, starts_in=timedelta(days=2))
    assert _refusal(attendance_record_roster, by=street.accounts["community_worker"], session=later,
                    persons=[street.resident_a]) == ("not_open", "活动尚未开始，不能登记签到")
    small = _session(street, capacity=1)
    assert _refusal(attendance_record_roster, by=street.accounts["community_worker"], session=small,
                    persons=[street.resident_a, street.member_a]) == ("full", "人数已满（上限 1 人）")


@pytest.mark.parametrize("account", ["resident", "party_member", "building_head", "superior", "grid_worker"])
def test_only_managers_of_the_session_org_tick_the_roster(street, account):
    session = _session(street)
    with pytest.raises(PermissionError):
        attendance_record_roster(by=street.accounts[account], session=session, persons=[street.resident_a])


@pytest.mark.django_db(transaction=True)
def test_roster_entry_and_qr_check_ins_in_parallel_still_make_one_row_each(street):
    """Four people scan while staff tick the same four on the roster, all at once."""
    session = _session(street)
    code = make_code(session)
    users = []
    for i in range(4):
        person = person_create(by=None, data=PersonData(name=f"到场{i}", org=street.building_a1))
        users.append(account_create(by=None, username=f"present{i}", password=PASSWORD, person=person))
    persons = [u.person for u in users]
    barrier = threading.Barrier(8)
    errors: list[str] = []

    def scan(user) -> None:
        try:
            barrier.wait()
            attendance_checkin(by=user, session=session, token=code)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connection.close()

    def tick() -> None:
        try:
            barrier.wait()
            attendance_record_roster(by=street.accounts["community_worker"], session=session, persons=persons)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=scan, args=(u,)) for u in users] + [threading.Thread(target=tick)
                                                                            for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert Attendance.objects.filter(session=session).count() == 4
    assert Session.objects.get(pk=session.pk).attendance_count == 4  # kept by whoever inserted
    written = _audits("attendance_checked_in") + _audits("attendance_recorded")
    assert written == 4  # one audit entry per attendance, whoever won


# --- the hot path stays lean --------------------------------------------------------------------

def _statements(captured) -> list[str]:
    """The SQL statements run, without transaction control (SQLite logs BEGIN and COMMIT, PostgreSQL
    does not), so the count means the same on both."""
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
    return [q["sql"] for q in captured.captured_queries if not q["sql"].lstrip().upper().startswith(control)]


@pytest.mark.django_db(transaction=True)
def test_a_check_in_costs_few_statements_and_a_retry_two(street):
    """As in a request (no caller's transaction): read the person with their attendance, then write.
    On PostgreSQL the attendance, the coverage mark and the audit entry go in one statement; on
    SQLite the attendance and the audit entry are two. The read brings the points rule for attending
    along: there is none here, so no award (with one see points/tests/test_wiring.py). A retry
    reads twice and writes nothing."""
    session = _session(street)
    user = street.accounts["resident"]
    code = make_code(session)
    with CaptureQueriesContext(connection) as first:
        attendance, created = attendance_checkin(by=user, session=session, token=code)
    statements = _statements(first)
    assert created
    if connection.vendor == "postgresql":
        assert len(statements) == 2, statements
        assert statements[1].startswith("WITH a AS (INSERT INTO learning_attendance ")
        assert "UPDATE learning_session SET attendance_count = attendance_count + 1" in statements[1]
    else:
        assert len(statements) == 4, statements
        assert statements[1].startswith('INSERT INTO "learning_attendance"')
        assert statements[2].startswith('INSERT INTO "core_auditentry"')
        assert statements[3].startswith('UPDATE "learning_session" SET "attendance_count"')
    assert Session.objects.get(pk=session.pk).attendance_count == 1
    # Whichever way it was written, the entry is the one audit_record writes.
    entry = AuditEntry.objects.get(action="attendance_checked_in")
    assert (entry.actor_id, entry.actor_name, entry.object_type, entry.object_id, entry.object_repr) == (
        user.pk, user.username, "learning.attendance", str(attendance.pk), str(attendance))
    assert entry.changes == {"session": session.pk, "person": user.person_id, "method": "qr"}
    assert Attendance.objects.get(pk=attendance.pk).checked_in_at == attendance.checked_in_at
    with CaptureQueriesContext(connection) as retry:
        assert attendance_checkin(by=user, session=session, token=code) == (attendance, False)
    assert len(_statements(retry)) == 2 and not any(q.startswith(("INSERT", "WITH")) for q in _statements(retry))


@pytest.mark.django_db(transaction=True)
def test_with_a_capacity_the_check_in_adds_the_lock_and_the_count(street):
    session = _session(street, capacity=100)
    with CaptureQueriesContext(connection) as captured:
        attendance_checkin(by=street.accounts["resident"], session=session, token=make_code(session))
    assert len(_statements(captured)) == 6
    assert Session.objects.get(pk=session.pk).attendance_count == 1


@pytest.mark.django_db(transaction=True)
def test_the_whole_scan_request_stays_within_a_few_statements(client, street):
    """The page: login session, user, role scopes (staff middleware), the session row and the three
    of the service (one more on SQLite, where the session's count is a statement of its own); then
    the page's frame (the menu's two permission reads, the name in the top bar)."""
    session = _session(street)
    client.force_login(street.accounts["resident"])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/learning/checkin/{session.pk}/{make_code(session)}/")
    assert response.status_code == 200 and "签到成功" in response.content.decode()
    most = 10 if connection.vendor == "postgresql" else 11
    assert len(_statements(captured)) <= most, [q[:80] for q in _statements(captured)]


@pytest.mark.django_db(transaction=True)
def test_the_whole_api_check_in_stays_within_a_few_statements(client, street):
    session = _session(street)
    token = client.post("/api/v1/auth/token", {"username": "resident", "password": PASSWORD},
                        content_type="application/json").json()["token"]
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"/api/v1/sessions/{session.pk}/checkin", {"token": make_code(session)},
                               content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and response.json()["created"] is True
    # The token (with its user), the session row, the person with their attendance, two inserts.
    assert len(_statements(captured)) <= 7, [q[:80] for q in _statements(captured)]
