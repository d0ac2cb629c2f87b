"""The sessions API: the list within the caller's scope, the current code for staff, and check-in by
code with a retry that returns the same attendance."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tongxin.core.models import AuditEntry
from tongxin.learning.checkin_codes import CodeCheck, make_code, verify_code
from tongxin.learning.models import Attendance, SessionKind
from tongxin.learning.services.sessions import session_close, session_create
from tongxin.testing import PASSWORD


def _token(client, username):
    response = client.post("/api/v1/auth/token", {"username": username, "password": PASSWORD},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}


def _session(street, *, org=None, starts_in=timedelta(minutes=-10), **extra):
    start = timezone.now().replace(microsecond=0) + starts_in
    return session_create(by=street.accounts["street_admin"], org=org or street.community_a,
                          kind=extra.pop("kind", SessionKind.GROUP_STUDY), topic=extra.pop("topic", "集中学习"),
                          starts_at=start, ends_at=start + timedelta(hours=1), **extra)


def test_list_is_scoped_and_filtered(client, street, campaign):
    in_campaign = _session(street, topic="活动内", campaign=campaign, capacity=30, speaker="刘书记",
                           speaker_role="community_secretary", kind=SessionKind.PARTY_LECTURE)
    _session(street, topic="学院社区", org=street.community_b)
    auth = _token(client, "community_worker")
    body = client.get("/api/v1/sessions", **auth).json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == in_campaign.pk and item["org"] == "BLP-C1" and item["org_name"] == "八里铺社区"
    assert item["kind"] == "party_lecture" and item["kind_name"] == "党课"
    assert item["speaker_role_name"] == "社区书记" and item["campaign"] == "gandangen"
    assert item["capacity"] == 30 and item["status"] == "planned" and item["attended"] == 0
    admin = _token(client, "street_admin")
    assert client.get("/api/v1/sessions", **admin).json()["count"] == 2
    assert client.get("/api/v1/sessions", {"org": "BLP-C2"}, **admin).json()["count"] == 1
    assert client.get("/api/v1/sessions", {"campaign": "gandangen"}, **admin).json()["count"] == 1
    assert client.get("/api/v1/sessions", {"org": "NOPE"}, **admin).status_code == 404
    assert client.get("/api/v1/sessions", {"campaign": "nope"}, **admin).status_code == 404


def test_residents_list_the_sessions_above_them(client, street):
    _session(street, topic="社区")
    _session(street, topic="学院", org=street.community_b)
    _session(street, topic="街道", org=street.street)
    body = client.get("/api/v1/sessions", **_token(client, "resident")).json()
    assert sorted(i["topic"] for i in body["items"]) == ["社区", "街道"]


def test_qr_token_for_staff_only(client, street):
    session = _session(street)
    body = client.get(f"/api/v1/sessions/{session.pk}/qr-token", **_token(client, "community_worker")).json()
    assert verify_code(session, body["token"]) is CodeCheck.VALID
    assert body["url"].endswith(f"/learning/checkin/{session.pk}/{body['token']}/")
    assert 0 <= body["refresh_in"] <= 30
    refused = client.get(f"/api/v1/sessions/{session.pk}/qr-token", **_token(client, "resident"))
    assert refused.status_code == 403 and refused.json()["detail"] == "无权查看该活动的签到二维码"
    hidden = client.get(f"/api/v1/sessions/{session.pk}/qr-token", **_token(client, "grid_worker"))
    assert hidden.status_code == 404


def test_checkin_then_retry_returns_the_same_attendance(client, street):
    session = _session(street)
    auth = _token(client, "resident")
    code = make_code(session)
    first = client.post(f"/api/v1/sessions/{session.pk}/checkin", {"token": code},
                        content_type="application/json", **auth)
    assert first.status_code == 200
    body = first.json()
    assert body["created"] is True
    assert body["attendance"]["person"] == street.resident_a.pk and body["attendance"]["method"] == "qr"
    retry = client.post(f"/api/v1/sessions/{session.pk}/checkin", {"token": code},
                        content_type="application/json", **auth)
    assert retry.status_code == 200
    assert retry.json() == {**body, "created": False}
    assert Attendance.objects.count() == 1
    assert AuditEntry.objects.filter(action="attendance_checked_in").count() == 1


@pytest.mark.parametrize("case, status, code, detail", [
    # A code the session does not take now: a conflict with the session's state (409).
    ("expired", 409, "expired", "二维码已过期，请扫描屏幕上最新的二维码"),
    ("forged", 409, "invalid", "二维码无效，请扫描现场屏幕上的二维码"),
    ("other_session", 409, "invalid", "二维码无效，请扫描现场屏幕上的二维码"),
    ("closed", 409, "closed", "活动已结束，签到已关闭"),
    ("out_of_scope", 403, "out_of_scope", "您不在本次活动的参加范围内，如有疑问请联系组织者"),
])
def test_refusals_carry_a_code_and_a_chinese_detail(client, street, case, status, code, detail):
    session = _session(street, org=street.community_b if case == "out_of_scope" else None)
    token = make_code(session)
    if case == "expired":
        token = make_code(session, now=timezone.now() - timedelta(seconds=90))
    elif case == "forged":
        token = token.split(".")[0] + ".AAAAAAAAAAAAAAAA"
    elif case == "other_session":
        token = make_code(_session(street, topic="另一场"))
    elif case == "closed":
        session_close(by=street.accounts["street_admin"], session=session)
    response = client.post(f"/api/v1/sessions/{session.pk}/checkin", {"token": token},
                           content_type="application/json", **_token(client, "resident"))
    assert response.status_code == status
    assert response.json() == {"detail": detail, "code": code}
    assert not Attendance.objects.exists()


def test_checkin_needs_a_login_and_a_session(client, street):
    session = _session(street)
    anonymous = client.post(f"/api/v1/sessions/{session.pk}/checkin", {"token": make_code(session)},
                            content_type="application/json")
    assert anonymous.status_code == 401
    missing = client.post("/api/v1/sessions/999999/checkin", {"token": "1.AAAAAAAAAAAAAAAA"},
                          content_type="application/json", **_token(client, "resident"))
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    no_person = client.post(f"/api/v1/sessions/{session.pk}/checkin", {"token": make_code(session)},
                            content_type="application/json", **_token(client, "community_worker"))
    assert no_person.status_code == 403 and no_person.json()["code"] == "no_person"


def test_a_browser_session_needs_the_csrf_token_to_check_in(street):
    session = _session(street)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(street.accounts["resident"])
    response = browser.post(f"/api/v1/sessions/{session.pk}/checkin", {"token": make_code(session)},
                            content_type="application/json")
    assert response.status_code == 403
    assert not Attendance.objects.exists()


def test_the_openapi_document_lists_the_three_routes(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/sessions" in paths
    assert "/api/v1/sessions/{session_id}/qr-token" in paths
    assert "/api/v1/sessions/{session_id}/checkin" in paths


@pytest.mark.parametrize("token", ["", "1.x", "abc", "1.AAAAAAAAAAAAAAA\x00"])
def test_a_token_that_is_no_code_is_422(client, street, token):
    session = _session(street)
    response = client.post(f"/api/v1/sessions/{session.pk}/checkin", {"token": token},
                           content_type="application/json", **_token(client, "resident"))
    assert response.status_code == 422
    assert response.json()["code"] == "invalid" and "token" in response.json()["errors"]


@pytest.mark.parametrize("query", [
    {"offset": "21073740178464059392"}, {"offset": "-1"}, {"limit": "0"}, {"limit": "201"},
    {"kind": "party"}, {"starts_from": "yesterday"}, {"org": "BLP\x00"},
    {"starts_from": "0.5"},  # pydantic alone would read a number as a Unix time
    {"starts_from": "2024-02-05T20:23:26.815-23:30"},  # an offset PostgreSQL refuses: it was a 500
    {"starts_before": "1899-12-31T00:00:00Z"},
])
def test_the_list_refuses_what_its_schema_does_not_allow(client, street, query):
    """Bounds in the schema: a huge offset is 422 in Chinese, not a 500 from PostgreSQL."""
    response = client.get("/api/v1/sessions", query, **_token(client, "street_admin"))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and list(body["errors"]) == list(query)
    assert body["detail"].startswith("请求内容格式不正确")


def test_the_largest_offset_is_read(client, street):
    response = client.get("/api/v1/sessions", {"offset": 1_000_000_000, "limit": 200}, **_token(client, "street_admin"))
    assert response.status_code == 200 and response.json()["items"] == []


def test_moments_in_rfc_3339_are_read(client, street):
    _session(street, topic="社区")
    admin = _token(client, "street_admin")
    for moment in ("2020-01-01T00:00:00Z", "2020-01-01T08:00:00.5+08:00", "2020-01-01T00:00:00-12:00"):
        response = client.get("/api/v1/sessions", {"starts_from": moment}, **admin)
        assert response.status_code == 200 and response.json()["count"] == 1, moment
    response = client.get("/api/v1/sessions", {"starts_before": "2020-01-01T00:00:00+14:00"}, **admin)
    assert response.status_code == 200 and response.json()["count"] == 0
