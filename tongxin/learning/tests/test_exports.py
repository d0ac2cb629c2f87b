"""The Excel downloads of a session's attendance list (签到名单) and of a campaign's gap list
(未覆盖名单), through the test client: the link on the page for those who may export, the real
workbook opened with openpyxl holding the people the page lists, the grid worker's export
narrowed to their grid, the refusals, no full ID or phone number in any cell, and the audit entry."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tongxin.accounts.models import Role
from tongxin.accounts.services import account_create, role_grant
from tongxin.core.models import AuditEntry
from tongxin.learning.checkin_codes import make_code
from tongxin.learning.models import AttendanceMethod, DeliveryKind, SessionKind
from tongxin.learning.selectors.coverage import coverage_for_org, coverage_gaps
from tongxin.learning.services import exports
from tongxin.learning.services.attendance import attendance_checkin, attendance_record_roster
from tongxin.learning.services.deliveries import delivery_record
from tongxin.learning.services.sessions import session_create, session_open
from tongxin.people.models import ResponsibilityKind
from tongxin.people.services import responsibility_assign, study_pair_create
from tongxin.testing import PASSWORD, as_role, text

from .test_coverage import add_person, selects

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ATTENDANCE_HEADERS = ["序号", "姓名", "所在网格/楼栋", "身份", "签到方式", "签到时间", "登记人"]
GAP_HEADERS = ["姓名", "类别", "所在网格/楼栋", "建议方式", "责任人"]
ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
PHONE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def sheet_rows(response) -> list[tuple]:
    """Every row of the downloaded workbook, the header first."""
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response["Cache-Control"] == "no-store"
    body = b"".join(response.streaming_content)
    return list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))


def as_dicts(rows: list[tuple]) -> list[dict]:
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def download_name(response) -> str:
    return unquote(re.search(r"filename\*=utf-8''(\S+)", response["Content-Disposition"]).group(1))


def assert_no_personal_numbers(rows: list[tuple]) -> None:
    for row in rows:
        for value in row:
            if isinstance(value, str):
                assert not ID_NUMBER.search(value) and not PHONE.search(value), value


# --- The attendance list ------------------------------------------------------------------------

@pytest.fixture
def session_with_attendance(street):
    """A group study of 八里铺社区 today: 张三 by QR code, 王五 ticked by a worker whose username
    is their phone number."""
    start = timezone.now().replace(microsecond=0) - timedelta(minutes=10)
    session = session_create(by=street.accounts["street_admin"], org=street.community_a, kind=SessionKind.GROUP_STUDY,
                             topic="学习《论群众路线》/第一讲", starts_at=start, ends_at=start + timedelta(hours=1),
                             place="社区党群服务中心")
    session_open(by=street.accounts["street_admin"], session=session)
    attendance_checkin(by=street.accounts["resident"], session=session, token=make_code(session))
    ticker = account_create(by=None, username="13600001234", password=PASSWORD)
    role_grant(by=None, user=ticker, role=Role.COMMUNITY_WORKER, org=street.community_a)
    attendance_record_roster(by=ticker, session=session, persons=[street.member_a],
                             method=AttendanceMethod.SIGN_SHEET)
    return session


def test_the_attendance_page_links_its_export_for_staff_only(client, street, session_with_attendance):
    session = session_with_attendance
    export_url = reverse("learning:session_attendance_export", args=[session.pk])
    page = as_role(client, street, "community_worker").get(f"/learning/sessions/{session.pk}/attendance/")
    assert page.status_code == 200
    assert "导出 Excel" in text(page) and f'href="{export_url}"' in page.content.decode()
    # A resident sees the session (it is held above them) but neither its list nor the link.
    as_role(client, street, "resident")
    detail = client.get(f"/learning/sessions/{session.pk}/")
    assert detail.status_code == 200 and export_url not in detail.content.decode()
    assert client.get(f"/learning/sessions/{session.pk}/attendance/").status_code == 403


def test_the_attendance_export_holds_who_the_page_lists(client, street, session_with_attendance):
    session = session_with_attendance
    as_role(client, street, "community_worker")
    page = client.get(f"/learning/sessions/{session.pk}/attendance/").content.decode()
    listed = re.findall(r'<td class="name" data-label="姓名">(.+?)</td>', page)
    response = client.get(reverse("learning:session_attendance_export", args=[session.pk]))
    rows = sheet_rows(response)
    assert list(rows[0]) == ATTENDANCE_HEADERS
    records = as_dicts(rows)
    assert [r["姓名"] for r in records] == listed == ["张三", "王五"]
    zhang, wang = records
    assert (zhang["序号"], zhang["所在网格/楼栋"], zhang["身份"], zhang["签到方式"], zhang["登记人"]) == (
        1, "1号楼", "群众", "扫码签到", None)
    assert (wang["序号"], wang["身份"], wang["签到方式"]) == (2, "党员", "纸质签到表补录")
    assert wang["登记人"] == "136****1234"  # the recorder's username is a phone number: masked
    checked_in = session.attendances.get(person=street.resident_a).checked_in_at
    assert zhang["签到时间"].strftime("%Y-%m-%d %H:%M") == timezone.localtime(checked_in).strftime("%Y-%m-%d %H:%M")
    assert_no_personal_numbers(rows)
    day = timezone.localtime(session.starts_at).strftime("%Y%m%d")
    assert download_name(response) == f"签到名单-学习《论群众路线》_第一讲-{day}.xlsx"
    entry = AuditEntry.objects.get(action="attendance_exported")
    assert (entry.actor, entry.object_type, entry.object_id) == (
        street.accounts["community_worker"], "learning.session", str(session.pk))
    assert entry.changes == {"list": "attendance", "session": session.pk, "org": "BLP-C1", "count": 2}


@pytest.mark.parametrize("role", ["resident", "party_member", "grid_worker", "building_head", "auditor"])
def test_the_attendance_export_is_refused_as_the_attendance_page_is(client, street, session_with_attendance, role):
    session = session_with_attendance
    as_role(client, street, role)
    page = client.get(f"/learning/sessions/{session.pk}/attendance/").status_code
    export = client.get(reverse("learning:session_attendance_export", args=[session.pk])).status_code
    assert export == page and export in (403, 404)  # 404 for a session the account does not see
    assert not AuditEntry.objects.filter(action="attendance_exported").exists()


def test_a_session_of_another_community_is_not_found(client, street):
    start = timezone.now() - timedelta(minutes=10)
    other = session_create(by=street.accounts["street_admin"], org=street.community_b, kind=SessionKind.LECTURE,
                           topic="学院社区讲堂", starts_at=start, ends_at=start + timedelta(hours=1))
    url = reverse("learning:session_attendance_export", args=[other.pk])
    assert as_role(client, street, "community_worker").get(url).status_code == 404
    assert as_role(client, street, "street_admin").get(url).status_code == 200


# --- The gap list -------------------------------------------------------------------------------

@pytest.fixture
def gaps(street, campaign):
    """Over the street: 小王 reached (a delivery); the others not, each of a kind. 张三 and 王五's
    household has a 包户 cadre, grid B1 a grid worker with a name; 小王 helps 王五 and 孙八."""
    s = street
    people = {
        "钱七": add_person("钱七", s.building_a1, "1-103", branch=s.branch_a, mobile=True),
        "孙八": add_person("孙八", s.building_a1, "1-104", branch=s.branch_a),
        "小王": add_person("小王", s.building_a1, "1-105", branch=s.branch_a),
        "包户干部": add_person("包户干部", s.building_b1, "2-301"),
    }
    study_pair_create(by=None, helper=people["小王"].party_member, member=people["孙八"].party_member)
    study_pair_create(by=None, helper=people["小王"].party_member, member=s.member_a.party_member)
    responsibility_assign(by=None, person=people["包户干部"], kind=ResponsibilityKind.HOUSEHOLD,
                          household=s.household_a)
    worker = add_person("刘网格员", s.building_b1, "2-302")
    account = account_create(by=None, username="liu", password=PASSWORD, person=worker)
    role_grant(by=None, user=account, role=Role.GRID_WORKER, org=s.grid_b1)
    delivery_record(by=s.accounts["street_admin"], person=people["小王"], kind=DeliveryKind.ONLINE,
                    campaign=campaign)
    return people


def _gaps_url(campaign, org=None, name="learning:coverage_gaps") -> str:
    query = f"?campaign={campaign.slug}" + (f"&org={org.code}" if org is not None else "")
    return reverse(name) + query


def _names_on_gap_page(response) -> list[str]:
    return re.findall(r'<td class="name" data-label="姓名"><a href="[^"]+">(.+?)</a>', response.content.decode())


def test_the_gap_page_links_its_export_with_the_same_campaign_and_org(client, street, campaign, gaps):
    page = as_role(client, street, "community_worker").get(_gaps_url(campaign, street.community_a))
    assert page.status_code == 200 and "导出 Excel" in text(page)
    assert f'href="/learning/coverage/gaps/export.xlsx?campaign={campaign.slug}&amp;org=BLP-C1"' in \
        page.content.decode()
    # The page and its export are not for a resident.
    as_role(client, street, "resident")
    refused = client.get(_gaps_url(campaign, street.community_a))
    assert refused.status_code == 403 and "导出 Excel" not in refused.content.decode()


def test_the_gap_export_holds_the_people_the_page_lists(client, street, campaign, gaps):
    as_role(client, street, "street_admin")
    page = client.get(_gaps_url(campaign, street.street))
    shown = int(re.search(r"共 (\d+) 人未覆盖", text(page)).group(1))
    response = client.get(_gaps_url(campaign, street.street, "learning:coverage_gaps_export"))
    rows = sheet_rows(response)
    assert list(rows[0]) == GAP_HEADERS
    records = {r["姓名"]: r for r in as_dicts(rows)}
    assert [r[0] for r in rows[1:]] == _names_on_gap_page(page)  # same people, same order
    assert len(records) == shown == coverage_for_org(campaign, street.street).gaps == 7
    assert "小王" not in records  # reached
    assert records["张三"] == {"姓名": "张三", "类别": "群众", "所在网格/楼栋": "1号楼",
                               "建议方式": "待安排宣讲/微课堂", "责任人": "包户 包户干部"}
    assert records["王五"]["类别"] == "党员（行动不便）"
    assert records["王五"]["建议方式"] == "送学上门（结对党员：小王）"
    assert records["钱七"]["类别"] == "党员（流动）" and records["钱七"]["建议方式"] == "网络助学 或 口袋书"
    assert records["孙八"]["建议方式"] == "由结对党员 小王 助学"
    assert records["孙八"]["责任人"] == "网格员 grid_worker"  # no 包户 for 1-104, no 包楼: the grid's worker
    assert records["李四"]["所在网格/楼栋"] == "7号楼" and records["李四"]["责任人"] == "网格员 刘网格员"
    assert_no_personal_numbers(rows)
    assert download_name(response).startswith("未覆盖名单-感党恩、听党话、跟党走-八里铺街道-")
    entry = AuditEntry.objects.get(action="coverage_gaps_exported")
    assert (entry.actor, entry.object_type, entry.object_id) == (
        street.accounts["street_admin"], "orgs.org", str(street.street.pk))
    assert entry.changes == {"list": "coverage_gaps", "campaign": campaign.slug, "org": "BLP", "count": 7}


def test_a_grid_worker_exports_only_their_grid(client, street, campaign, gaps):
    as_role(client, street, "grid_worker")
    expected = sorted(coverage_gaps(campaign, [street.grid_a1]).values_list("name", flat=True))
    for url in (_gaps_url(campaign, None, "learning:coverage_gaps_export"),  # the page's default: their grid
                _gaps_url(campaign, street.grid_a1, "learning:coverage_gaps_export")):
        records = as_dicts(sheet_rows(client.get(url)))
        assert sorted(r["姓名"] for r in records) == expected == ["孙八", "张三", "王五", "钱七"]
        assert {r["所在网格/楼栋"] for r in records} == {"1号楼"}
    for org in (street.street, street.community_a, street.grid_b1):
        assert client.get(_gaps_url(campaign, org, "learning:coverage_gaps_export")).status_code == 403


@pytest.mark.parametrize("role, org, slug, status", [
    ("resident", "BLP-C1", "gandangen", 403), ("party_member", "BLP-C1", "gandangen", 403),
    ("community_worker", "BLP", "gandangen", 403), ("community_worker", "BLP-C2", "gandangen", 403),
    ("street_admin", "BLP", "no-such", 404), ("street_admin", "NO-SUCH", "gandangen", 404),
])
def test_the_gap_export_is_refused_as_the_page_is(client, street, campaign, gaps, role, org, slug, status):
    url = reverse("learning:coverage_gaps_export") + f"?campaign={slug}&org={org}"
    assert as_role(client, street, role).get(url).status_code == status
    assert not AuditEntry.objects.filter(action="coverage_gaps_exported").exists()


def test_the_gap_export_reads_by_chunk_not_by_row(client, street, campaign, gaps, monkeypatch):
    """Chunks of two persons give the same workbook as one chunk, and twice the persons in one
    chunk cost the same queries: the ways and who answers are read per chunk, never per row."""
    url = _gaps_url(campaign, street.street, "learning:coverage_gaps_export")
    as_role(client, street, "street_admin")
    whole = sheet_rows(client.get(url))
    monkeypatch.setattr(exports, "GAP_EXPORT_CHUNK", 2)
    assert sheet_rows(client.get(url)) == whole
    monkeypatch.setattr(exports, "GAP_EXPORT_CHUNK", 1000)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(10):
        add_person(f"居民{i:02d}", street.building_b1, f"3-{i}")
    with CaptureQueriesContext(connection) as more:
        rows = sheet_rows(client.get(url))
    assert len(rows) - 1 == len(whole) - 1 + 10
    assert len(selects(more)) == len(selects(few))
