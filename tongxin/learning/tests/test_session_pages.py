"""The pages of sessions and check-in through the test client: what each role finds, what each is
refused, the scan page through the login redirect, the roster, the sign-in sheet and this week."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from tongxin.core.models import AuditEntry
from tongxin.learning.checkin_codes import CodeCheck, make_code, verify_code
from tongxin.learning.models import Attendance, AttendanceMethod, Session, SessionKind, SessionStatus
from tongxin.learning.services.attendance import attendance_record_roster
from tongxin.learning.services.sessions import schedule_item_create, session_close, session_create
from tongxin.testing import PASSWORD, as_role, text, title


def _session(street, *, org=None, kind=SessionKind.GROUP_STUDY, starts_in=timedelta(minutes=-10), **extra):
    start = timezone.now().replace(microsecond=0) + starts_in
    return session_create(by=street.accounts["street_admin"], org=org or street.community_a, kind=kind,
                          topic=extra.pop("topic", "学习《论群众路线》"), starts_at=start,
                          ends_at=start + timedelta(hours=1, minutes=30), place="社区党群服务中心", **extra)


def _scan_path(session, token=None) -> str:
    return f"/learning/checkin/{session.pk}/{token or make_code(session)}/"


# --- list and calendar --------------------------------------------------------------------------

def test_staff_list_shows_sessions_of_their_scope(client, street):
    mine = _session(street, topic="社区集中学习")
    _session(street, org=street.community_b, topic="学院社区讲堂", kind=SessionKind.LECTURE)
    response = as_role(client, street, "community_worker").get("/learning/sessions/")
    assert response.status_code == 200
    assert title(response) == "学习活动 · 同心 Tongxin"
    page = text(response)
    assert "社区集中学习" in page and "学院社区讲堂" not in page
    assert f'href="/learning/sessions/{mine.pk}/"' in response.content.decode()
    assert "安排学习活动" in page
    street_view = text(as_role(client, street, "street_admin").get("/learning/sessions/"))
    assert "社区集中学习" in street_view and "学院社区讲堂" in street_view


def test_list_filters_by_org_campaign_and_time(client, street, campaign):
    _session(street, topic="本活动内", campaign=campaign)
    _session(street, topic="活动外")
    _session(street, topic="上月的学习", starts_in=timedelta(days=-20))
    as_role(client, street, "street_admin")
    page = text(client.get("/learning/sessions/", {"campaign": campaign.slug}))
    assert "本活动内" in page and "活动外" not in page
    assert "上月的学习" not in text(client.get("/learning/sessions/"))
    assert "上月的学习" in text(client.get("/learning/sessions/", {"when": "past"}))
    assert "本活动内" not in text(client.get("/learning/sessions/", {"org": "BLP-C2"}))
    assert client.get("/learning/sessions/", {"org": "NOPE"}).status_code == 404
    assert as_role(client, street, "grid_worker").get("/learning/sessions/", {"org": "BLP-C2"}).status_code == 403


def test_calendar_puts_each_session_on_its_day(client, street):
    session = _session(street, topic="日历上的学习")
    day = timezone.localtime(session.starts_at)
    response = as_role(client, street, "community_worker").get("/learning/sessions/calendar/",
                                                                {"month": f"{day.year}-{day.month:02d}"})
    assert response.status_code == 200
    body = response.content.decode()
    cell = re.search(r'<div class="cal-day[^"]*" role="cell">\s*<div class="cal-date"><span class="cal-num">%d</span>'
                     r'<span class="cal-weekday">%d月%d日 [^<]*</span></div>(.*?)</div>' % (day.day, day.month, day.day),
                     body, re.S)
    assert cell and "日历上的学习" in cell.group(1)
    assert f"{day.year}年{day.month}月" in text(response)
    assert "本月没有学习活动" not in text(response)
    assert as_role(client, street, "community_worker").get("/learning/sessions/calendar/",
                                                            {"month": "garbage"}).status_code == 200
    empty = client.get("/learning/sessions/calendar/", {"month": "2001-02"})
    assert "2001年2月" in text(empty) and "本月没有学习活动" in text(empty)


def test_residents_see_the_sessions_above_them_only(client, street):
    _session(street, topic="八里铺社区学习")
    _session(street, org=street.community_b, topic="学院社区学习")
    page = text(as_role(client, street, "resident").get("/learning/sessions/"))
    assert "八里铺社区学习" in page and "学院社区学习" not in page


# --- detail and forms ---------------------------------------------------------------------------

def test_detail_for_a_manager_and_for_a_member(client, street):
    session = _session(street, kind=SessionKind.PARTY_LECTURE, speaker="刘书记", speaker_role="community_secretary")
    page = text(as_role(client, street, "community_worker").get(f"/learning/sessions/{session.pk}/"))
    for words in ("党课", "刘书记", "社区书记", "打开签到二维码", "名单勾选 / 补录", "打印签到表", "签到名单"):
        assert words in page
    attendance_record_roster(by=street.accounts["community_worker"], session=session, persons=[street.member_a])
    member_page = text(as_role(client, street, "party_member").get(f"/learning/sessions/{session.pk}/"))
    assert "您已于" in member_page and "打开签到二维码" not in member_page
    other = _session(street, org=street.community_b)
    assert client.get(f"/learning/sessions/{other.pk}/").status_code == 404


def test_a_grid_worker_runs_a_micro_class_in_their_grid_but_not_in_another(client, street):
    as_role(client, street, "grid_worker")
    form = client.get("/learning/sessions/new/")
    assert form.status_code == 200
    body = form.content.decode()
    assert f'value="{street.grid_a1.pk}"' in body and f'value="{street.grid_b1.pk}"' not in body
    day = timezone.localdate() + timedelta(days=2)
    data = {"kind": SessionKind.MICRO_CLASS, "topic": "网格微课堂：垃圾分类", "place": "1号楼下",
            "day": day.isoformat(), "starts_at": "19:00", "ends_at": "20:00", "capacity": "30"}
    created = client.post("/learning/sessions/new/", {**data, "org": street.grid_a1.pk})
    session = Session.objects.get(topic="网格微课堂：垃圾分类")
    assert created.status_code == 302 and created["Location"] == f"/learning/sessions/{session.pk}/"
    assert session.org == street.grid_a1 and session.capacity == 30
    refused = client.post("/learning/sessions/new/", {**data, "org": street.grid_b1.pk, "topic": "别的网格"})
    assert refused.status_code == 200 and not Session.objects.filter(topic="别的网格").exists()
    assert "选择一个有效的选项" in text(refused)
    # And the pages of a session they cannot run answer as the rules do.
    community = _session(street)
    assert client.get(f"/learning/sessions/{community.pk}/qr/").status_code == 404
    assert client.get(f"/learning/sessions/{session.pk}/qr/").status_code == 200


def test_the_form_shows_the_services_messages_on_the_fields(client, street):
    as_role(client, street, "community_worker")
    day = timezone.localdate().isoformat()
    response = client.post("/learning/sessions/new/", {
        "org": street.community_a.pk, "kind": SessionKind.OUTREACH, "topic": "宣讲", "day": day,
        "starts_at": "15:00", "ends_at": "14:00"})
    page = text(response)
    assert response.status_code == 200
    assert "宣讲活动须选择五进场所" in page and "结束时间须晚于开始时间" in page
    assert not Session.objects.exists()


def test_residents_cannot_plan(client, street):
    assert as_role(client, street, "resident").get("/learning/sessions/new/").status_code == 403
    assert as_role(client, street, "building_head").get("/learning/sessions/new/").status_code == 403


def test_edit_and_close_from_the_pages(client, street):
    # Started, and early enough in its day that two hours later is the same day: the form takes one
    # day and two times (run at 22:30, "now − 10 min + 2 h" would end before it starts).
    started = timezone.localtime() - timedelta(minutes=10)
    latest = started.replace(hour=21, minute=0, second=0, microsecond=0)
    session = _session(street, starts_in=min(started, latest) - timezone.localtime())
    as_role(client, street, "community_worker")
    local = timezone.localtime(session.starts_at)
    response = client.post(f"/learning/sessions/{session.pk}/edit/", {
        "kind": SessionKind.GROUP_STUDY, "topic": "学习党章", "day": local.date().isoformat(),
        "starts_at": local.strftime("%H:%M"), "ends_at": (local + timedelta(hours=2)).strftime("%H:%M"),
        "capacity": "50"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.topic == "学习党章" and session.capacity == 50
    assert client.get(f"/learning/sessions/{session.pk}/close/").status_code == 405
    closed = client.post(f"/learning/sessions/{session.pk}/close/", follow=True)
    assert "活动已结束，签到已关闭" in text(closed)
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED
    assert as_role(client, street, "resident").post(f"/learning/sessions/{session.pk}/open/").status_code == 403


# --- the QR screen ------------------------------------------------------------------------------

def test_the_qr_screen_shows_a_working_code_and_the_count(client, street):
    session = _session(street, topic="千人大讲堂")
    response = as_role(client, street, "community_worker").get(f"/learning/sessions/{session.pk}/qr/")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    body = response.content.decode()
    assert "<svg" in body and "千人大讲堂" in text(response) and "请用手机扫码签到" in text(response)
    url = re.search(r'data-checkin-url="([^"]+)"', body).group(1)
    token = re.search(r'data-token="([^"]+)"', body).group(1)
    assert urlsplit(url).path == f"/learning/checkin/{session.pk}/{token}/"
    assert verify_code(session, token) is CodeCheck.VALID

    code = client.get(f"/learning/sessions/{session.pk}/qr/code/").json()
    assert verify_code(session, code["token"]) is CodeCheck.VALID
    assert code["svg"].startswith("<svg") and 0 <= code["refresh_in"] <= 30
    assert urlsplit(code["url"]).path == f"/learning/checkin/{session.pk}/{code['token']}/"

    assert client.get(f"/learning/sessions/{session.pk}/live/").json()["count"] == 0
    attendance_record_roster(by=street.accounts["community_worker"], session=session, persons=[street.resident_a])
    live = client.get(f"/learning/sessions/{session.pk}/live/").json()
    assert live == {"count": 1, "capacity": None, "state": "open", "state_label": "签到中", "status": "planned"}


@pytest.mark.parametrize("role, status", [
    ("resident", 403), ("party_member", 403), ("superior", 403), ("building_head", 404), ("grid_worker", 404),
    ("system_admin", 404), ("auditor", 404),
])
def test_who_may_not_open_the_qr_screen_or_the_roster(client, street, role, status):
    session = _session(street)
    as_role(client, street, role)
    for suffix in ("qr/", "qr/code/", "live/", "roster/", "sign-sheet/", "attendance/", "edit/"):
        assert client.get(f"/learning/sessions/{session.pk}/{suffix}").status_code == status, suffix
    assert client.post(f"/learning/sessions/{session.pk}/roster/", {"person": [street.resident_a.pk]}).status_code \
        == status
    assert not Attendance.objects.exists()


def test_anonymous_users_are_sent_to_login_from_staff_pages(client, street):
    session = _session(street)
    for path in ("/learning/sessions/", f"/learning/sessions/{session.pk}/qr/", "/learning/this-week/",
                 "/learning/schedule/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


# --- the phone's scan page ----------------------------------------------------------------------

def test_scan_when_logged_in_checks_in_at_once(client, street):
    session = _session(street, topic="集中学习")
    as_role(client, street, "resident")
    response = client.get(_scan_path(session))
    assert response.status_code == 200
    assert title(response) == "签到成功 · 同心 Tongxin"
    page = text(response)
    assert "签到成功" in page and "张三，您已于" in page and "集中学习" in page
    again = client.get(_scan_path(session))
    assert "您已签到" in text(again)
    assert Attendance.objects.filter(session=session).count() == 1
    assert AuditEntry.objects.filter(action="attendance_checked_in").count() == 1


def test_scan_before_login_comes_back_after_login_and_checks_in(client, street):
    session = _session(street)
    path = _scan_path(session)
    first = client.get(path)
    assert first.status_code == 302
    login = first["Location"]
    assert urlsplit(login).path == "/accounts/login/" and "next=" in login
    form = client.get(login)
    assert f'name="next" value="{path}"' in form.content.decode()
    after = client.post(login, {"username": "resident", "password": PASSWORD, "next": path}, follow=True)
    assert after.redirect_chain[-1][0] == path
    assert "签到成功" in text(after)
    assert Attendance.objects.get(session=session).person == street.resident_a


def test_an_expired_code_is_explained_without_asking_to_log_in(client, street):
    session = _session(street)
    old = make_code(session, now=timezone.now() - timedelta(minutes=2))
    response = client.get(_scan_path(session, old))
    assert response.status_code == 400
    assert "二维码已过期，请扫描屏幕上最新的二维码" in text(response)
    assert session.topic not in text(response)  # the anonymous see no details
    forged = client.get(_scan_path(session, "29999999.AAAAAAAAAAAAAAAA"))
    assert forged.status_code == 400 and "二维码无效" in text(forged)
    assert as_role(client, street, "resident").get(_scan_path(session, old)).status_code == 400


def test_scan_page_refusals_in_chinese(client, street):
    other = _session(street, org=street.community_b)
    as_role(client, street, "resident")
    out = client.get(_scan_path(other))
    assert out.status_code == 403 and "您不在本次活动的参加范围内" in text(out)
    closed = _session(street)
    session_close(by=street.accounts["community_worker"], session=closed)
    assert "活动已结束，签到已关闭" in text(client.get(_scan_path(closed)))
    later = _session(street, starts_in=timedelta(hours=3))
    assert "签到尚未开始" in text(client.get(_scan_path(later)))
    full = _session(street, capacity=1)
    attendance_record_roster(by=street.accounts["community_worker"], session=full, persons=[street.member_a])
    assert "人数已满" in text(client.get(_scan_path(full)))
    assert client.get("/learning/checkin/999999/1.x/").status_code == 404


# --- attendance list, roster, sign-in sheet ------------------------------------------------------

def test_roster_tick_is_idempotent_and_listed(client, street):
    session = _session(street, kind=SessionKind.LECTURE)
    as_role(client, street, "community_worker")
    roster = client.get(f"/learning/sessions/{session.pk}/roster/")
    page = text(roster)
    assert "张三" in page and "王五" in page and "李四" not in page  # 李四 lives in 学院社区
    assert "应参加 2 人（其中党员 1 人）" in page
    body = {"person": [street.resident_a.pk, street.member_a.pk], "method": AttendanceMethod.ROSTER}
    done = client.post(f"/learning/sessions/{session.pk}/roster/", body, follow=True)
    assert "已登记签到 2 人" in text(done)
    again = client.post(f"/learning/sessions/{session.pk}/roster/", body, follow=True)
    assert "已登记签到 0 人，2 人此前已签到" in text(again)
    assert Attendance.objects.filter(session=session).count() == 2
    assert AuditEntry.objects.filter(action="attendance_recorded").count() == 2
    absent = text(client.get(f"/learning/sessions/{session.pk}/roster/", {"who": "absent"}))
    assert "张三" not in absent
    listing = client.get(f"/learning/sessions/{session.pk}/attendance/")
    assert listing.status_code == 200
    assert "张三" in text(listing) and "名单勾选" in text(listing) and "共 2 人" in text(listing)


def test_a_party_session_roster_lists_members_first(client, street):
    session = _session(street, kind=SessionKind.PARTY_DAY, org=street.branch_a)
    page = text(as_role(client, street, "community_worker").get(f"/learning/sessions/{session.pk}/roster/"))
    assert "王五" in page and "张三" not in page
    page = text(client.get(f"/learning/sessions/{session.pk}/roster/", {"q": "zs", "who": "all"}))
    assert "王五" not in page  # 张三 is not in a branch session's scope either


def test_a_paper_sheet_entered_afterwards(client, street):
    session = _session(street, starts_in=timedelta(hours=-4))
    session_close(by=street.accounts["community_worker"], session=session)
    as_role(client, street, "community_worker")
    client.post(f"/learning/sessions/{session.pk}/roster/",
                {"person": [street.member_a.pk], "method": AttendanceMethod.SIGN_SHEET})
    assert Attendance.objects.get(session=session).method == AttendanceMethod.SIGN_SHEET
    bad = client.post(f"/learning/sessions/{session.pk}/roster/", {"person": [street.resident_b.pk]}, follow=True)
    assert "以下人员不在本次活动的参加范围内：李四" in text(bad)


def test_the_sign_in_sheet_prints_the_roster(client, street):
    session = _session(street, kind=SessionKind.PARTY_LECTURE, speaker="刘书记", speaker_role="leadership")
    response = as_role(client, street, "community_worker").get(f"/learning/sessions/{session.pk}/sign-sheet/")
    assert response.status_code == 200
    assert title(response).startswith("签到表 · ")
    page = text(response)
    for words in ("八里铺社区学习活动签到表", "学习《论群众路线》", "刘书记（班子成员）", "本人签名", "王五", "打印"):
        assert words in page
    assert "张三" not in page  # a party lecture's sheet lists members
    assert "张三" in text(client.get(f"/learning/sessions/{session.pk}/sign-sheet/", {"who": "all"}))
    assert response.content.decode().count('<tr class="blank">') == 8
    with open(finders.find("tongxin/site.css"), encoding="utf-8") as f:
        stylesheet = f.read()
    assert "@page { size: A4" in stylesheet and ".no-print { display: none" in stylesheet


# --- timetable and this week --------------------------------------------------------------------

def test_schedule_page_and_form(client, street):
    as_role(client, street, "community_worker")
    response = client.post("/learning/schedule/new/", {
        "org": street.community_a.pk, "weekday": 1, "starts_at": "14:30", "ends_at": "16:30",
        "kind": SessionKind.GROUP_STUDY, "topic": "集中学习日", "place": "二楼会议室"})
    assert response.status_code == 302 and response["Location"] == "/learning/schedule/?org=BLP-C1"
    page = text(client.get("/learning/schedule/", {"org": "BLP-C1"}))
    assert "集中学习日" in page and "14:30–16:30" in page and "安排本周活动" in page
    item = street.community_a.schedule_items.get()
    prefilled = client.get("/learning/sessions/new/", {"item": item.pk}).content.decode()
    assert 'value="集中学习日"' in prefilled and 'value="14:30' in prefilled
    edit = client.post(f"/learning/schedule/{item.pk}/edit/", {
        "weekday": 4, "starts_at": "14:30", "ends_at": "16:30", "kind": SessionKind.GROUP_STUDY, "topic": "集中学习日",
        "place": "二楼会议室"})
    assert edit.status_code == 302
    item.refresh_from_db()
    assert item.weekday == 4 and not item.active  # the box was not ticked: switched off
    # A resident's timetable is their week.
    mine = as_role(client, street, "resident").get("/learning/schedule/")
    assert mine.status_code == 302 and mine["Location"] == reverse("learning:this_week")
    assert client.get(f"/learning/schedule/{item.pk}/edit/").status_code == 403


def test_this_week_for_a_resident(client, street):
    by = street.accounts["community_worker"]
    today = timezone.localdate()
    schedule_item_create(by=by, org=street.community_a, weekday=1, starts_at=time(14, 30), ends_at=time(16, 30),
                         topic="每周二集中学习")
    schedule_item_create(by=by, org=street.community_a, weekday=4, starts_at=time(14, 30), ends_at=time(16, 30),
                         topic="每周五集中学习")
    schedule_item_create(by=street.accounts["street_admin"], org=street.community_b, weekday=2,
                         starts_at=time(9), ends_at=time(10), topic="学院社区的课")
    session = _session(street, topic="今天的讲堂", kind=SessionKind.LECTURE)
    attendance_record_roster(by=by, session=session, persons=[street.resident_a])
    response = as_role(client, street, "resident").get("/learning/this-week/")
    assert response.status_code == 200
    page = text(response)
    assert "本周学习" in page and "每周二集中学习" in page and "每周五集中学习" in page
    assert "学院社区的课" not in page
    assert "今天的讲堂" in page and "✓ 已签到" in page and "今天" in page
    monday = today - timedelta(days=today.weekday())
    assert f"{monday.month}月{monday.day}日" in page
    following = text(client.get("/learning/this-week/", {"week": (monday + timedelta(days=7)).isoformat()}))
    assert "学习安排" in following and "每周二集中学习" in following and "今天的讲堂" not in following


def test_a_slot_with_a_session_that_day_shows_once(client, street):
    today = timezone.localdate()
    schedule_item_create(by=street.accounts["community_worker"], org=street.community_a, weekday=today.weekday(),
                         starts_at=time(0, 1), ends_at=time(23, 58), topic="课表上的集中学习")
    ten_today = timezone.make_aware(datetime.combine(today, time(10, 0)))
    _session(street, topic="今天按课表的集中学习", starts_in=ten_today - timezone.now())
    page = text(as_role(client, street, "party_member").get("/learning/this-week/"))
    assert "今天按课表的集中学习" in page and "课表上的集中学习" not in page


# --- home and menu ------------------------------------------------------------------------------

def test_home_cards_and_menu(client, street):
    resident_home = as_role(client, street, "resident").get("/").content.decode()
    assert 'href="/learning/this-week/"' in resident_home and "本周学习" in resident_home
    nav = re.search(r'<nav class="nav".*?</nav>', resident_home, re.S).group(0)
    assert "学习" not in nav
    staff_home = as_role(client, street, "grid_worker").get("/").content.decode()
    assert 'href="/learning/sessions/"' in staff_home and "学习活动" in staff_home
    nav = re.search(r'<nav class="nav".*?</nav>', staff_home, re.S).group(0)
    assert ">学习</a>" in nav


@pytest.mark.parametrize("role, code", [("superior", "KEQ"), ("building_head", None)])
def test_who_reads_the_timetable_without_running_it(client, street, role, code):
    schedule_item_create(by=street.accounts["community_worker"], org=street.community_a, weekday=1,
                         starts_at=time(14, 30), ends_at=time(16, 30), topic="集中学习日")
    response = as_role(client, street, role).get("/learning/schedule/")
    if code is None:  # a building head's building holds no timetable of its own; the community's is above
        assert response.status_code == 200 and "集中学习日" not in text(response)
        return
    page = text(response)
    assert response.status_code == 200 and "集中学习日" in page and "新增课表" not in page and "修改" not in page
