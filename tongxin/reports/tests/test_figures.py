"""The figures layer: each figure counts what its definition says, in its period and campaign and
under its org; the docs list every figure; the API answers with them, refuses in Chinese, and
keeps to what the account may read."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tongxin.campaigns.services import campaign_create
from tongxin.learning.models import DeliveryKind, SessionKind, SpeakerRole
from tongxin.learning.services.attendance import attendance_record_roster
from tongxin.learning.services.bulletins import bulletin_create
from tongxin.learning.services.deliveries import delivery_record
from tongxin.learning.services.reflections import reflection_submit
from tongxin.learning.services.sessions import session_create
from tongxin.points.models import CapPeriod, EarningRule
from tongxin.points.services.ledger import points_award
from tongxin.reports.selectors.figures import CATALOGUE, DEFS, report_figures, report_figures_by_child
from tongxin.testing import as_role
from tongxin.voices.models import VoiceKind
from tongxin.voices.services.intake import voice_submit

DOCS = Path(__file__).resolve().parents[3] / "docs" / "figures.md"
TEXT = "学习了党史，深受教育。" * 10


def _session(street, org, kind, *, days_ago=1, campaign=None, speaker_role=""):
    start = timezone.now().replace(microsecond=0) - timedelta(days=days_ago)
    return session_create(by=street.accounts["street_admin"], org=org, kind=kind, topic="学习", starts_at=start,
                          ends_at=start + timedelta(hours=1), campaign=campaign, speaker="王书记",
                          speaker_role=speaker_role)


@pytest.fixture
def work(street, campaign):
    """A week of work in the small street: sessions in and out of the campaign and the period,
    attendance, deliveries, a reflection, a bulletin, voices, points."""
    admin = street.accounts["street_admin"]
    lecture = _session(street, street.community_a, SessionKind.PARTY_LECTURE, campaign=campaign,
                       speaker_role=SpeakerRole.COMMUNITY_SECRETARY)
    study = _session(street, street.community_b, SessionKind.GROUP_STUDY, campaign=campaign)
    _session(street, street.community_a, SessionKind.GROUP_STUDY, days_ago=60)  # before it, of no campaign
    other = campaign_create(by=None, name="另一活动", slug="other", starts_on=campaign.starts_on,
                            ends_on=campaign.ends_on, scope=street.street)
    _session(street, street.community_a, SessionKind.LECTURE, campaign=other)  # another campaign's
    attendance_record_roster(by=admin, session=lecture, persons=[street.resident_a, street.member_a])
    attendance_record_roster(by=admin, session=study, persons=[street.resident_b])
    delivery_record(by=street.accounts["grid_worker"], person=street.member_a, kind=DeliveryKind.HOME,
                    campaign=campaign)
    reflection_submit(by=street.accounts["party_member"], title="心得", text=TEXT, campaign=campaign)
    bulletin_create(by=admin, org=street.street, title="第一期简报", body="本周开展学习 2 场。", campaign=campaign)
    voice_submit(by=street.accounts["resident"], kind=VoiceKind.WISH, text="希望小区东门装路灯，晚上出门方便")
    voice_submit(by=street.accounts["resident"], kind=VoiceKind.SUGGESTION, text="建议周末开放社区活动室给孩子们")
    EarningRule.objects.create(org=street.street, org_path=street.street.path, action="bonus", points=30,
                               period=CapPeriod.WEEK)
    points_award(by=None, person=street.resident_b, action="bonus", key="bonus:b")
    return street, campaign


def test_each_figure_counts_its_records_in_the_campaign_and_period(work):
    street, campaign = work
    f = report_figures(street.street, campaign)
    assert (f.date_from, f.date_to) == (campaign.starts_on, timezone.localdate())
    assert f.value("sessions") == 2  # not the one before it, not the other campaign's
    assert report_figures(street.street, campaign, date_from=timezone.localdate()).value("sessions") == 0
    assert f.value(f"sessions.{SessionKind.PARTY_LECTURE}") == 1
    assert f.value(f"sessions.{SessionKind.LECTURE}") == 0
    assert f.value(f"party_lectures.{SpeakerRole.COMMUNITY_SECRETARY}") == 1
    assert f.value("attendance") == 3
    assert f.value("deliveries") == f.value(f"deliveries.{DeliveryKind.HOME}") == 1
    assert (f.value("reflections"), f.value("reflections_excellent"), f.value("bulletins")) == (1, 0, 1)
    assert (f.value("voices"), f.value("wishes")) == (2, 1)
    assert (f.value("points_earned"), f.value("points_participants")) == (30, 1)
    # Coverage: the three residents and the member; the member reached twice counts once.
    assert (f.value("coverage_target"), f.value("coverage_reached")) == (3, 3)
    assert f["coverage_rate"].value == 100.0 and (f["coverage_rate"].numerator, f["coverage_rate"].denominator) == (3, 3)
    # Nothing answered yet: the response rate is 0 of 2; no rating at all: no satisfaction rate.
    assert (f.value("response_rate"), f["response_rate"].denominator) == (0.0, 2)
    assert f.value("satisfaction_rate") is None and f["satisfaction_rate"].shown == "—"


def test_without_a_campaign_coverage_and_actions_have_no_value_and_learning_counts_every_campaign(work):
    street, _campaign = work
    f = report_figures(street.street)
    assert f.value("coverage_rate") is None and f.value("actions_done_rate") is None
    assert f.value("sessions") == 4  # every session up to today, of both campaigns and before
    narrow = report_figures(street.street, date_from=timezone.localdate() - timedelta(days=7))
    assert narrow.value("sessions") == 3


def test_a_community_counts_its_own_and_the_children_add_up_to_the_street(work):
    street, campaign = work
    a = report_figures(street.community_a, campaign)
    assert (a.value("sessions"), a.value("attendance")) == (1, 2)
    rows = report_figures_by_child(street.street, campaign)
    assert [r.org for r in rows] == [street.community_a, street.community_b]
    whole = report_figures(street.street, campaign)
    for key in ("sessions", "attendance", "voices", "points_earned", "coverage_target", "coverage_reached"):
        assert sum(r.value(key) for r in rows) == whole.value(key), key


def test_the_docs_list_every_figure_with_its_chinese_name():
    rows = re.findall(r"^\| `([^`]+)` \| ([^|]+) \|", DOCS.read_text(encoding="utf-8"), flags=re.M)
    assert [key for key, _label in rows] == [d.key for d in CATALOGUE]
    assert all(label.strip() == str(DEFS[key].label) for key, label in rows)


# --- The API -----------------------------------------------------------------------------------

def test_the_api_gives_every_figure_and_the_children(client, work):
    street, campaign = work
    as_role(client, street, "street_admin")
    response = client.get(f"/api/v1/figures?org=BLP&campaign={campaign.slug}&children=true")
    assert response.status_code == 200
    body = response.json()
    figures = {f["key"]: f for f in body["figures"]}
    assert list(figures) == [d.key for d in CATALOGUE]
    assert figures["sessions"] | {} == {**figures["sessions"], "value": 2, "label": "开展学习活动", "unit": "场"}
    assert (figures["coverage_rate"]["numerator"], figures["coverage_rate"]["shown"]) == (3, "100.0%")
    assert [c["org"]["code"] for c in body["children"]] == ["BLP-C1", "BLP-C2"]


@pytest.mark.parametrize(("query", "status", "message"), [
    ("from=2024-13-01", 422, "日期格式应为 2024-09-10"),
    ("from=2024-09-10&to=2024-09-01", 422, "结束日期不能早于开始日期"),
    ("from=2020-01-01&to=2024-01-01", 422, "统计期间最长三年"),
    ("from=1899-12-31", 422, "日期格式应为 2024-09-10"),  # the schema's days: 1900 to 2999
    ("to=20240910", 422, "日期格式应为 2024-09-10"),
    ("org=NOPE", 404, "找不到编码为“NOPE”的组织"),
    ("campaign=nope", 404, "找不到该主题活动"),
])
def test_the_api_refuses_bad_input_in_chinese(client, street, query, status, message):
    as_role(client, street, "street_admin")
    response = client.get(f"/api/v1/figures?{query}")
    assert response.status_code == status and message in response.json()["detail"]


def test_the_api_keeps_to_what_the_account_may_read(client, street):
    assert as_role(client, street, "resident").get("/api/v1/figures").status_code == 403
    worker = as_role(client, street, "community_worker")
    assert worker.get("/api/v1/figures?org=BLP-C2").status_code == 403  # the other community
    assert worker.get("/api/v1/figures").json()["org"]["code"] == "BLP-C1"  # their own by default
    superior = as_role(client, street, "superior")
    assert superior.get("/api/v1/figures?org=BLP").status_code == 200


def test_a_superior_sees_the_roll_up_of_several_streets(client, work):
    """The district's figures are its streets' together, and each street stands beside the other."""
    from tongxin.accounts.models import Role
    from tongxin.accounts.services import role_grant
    from tongxin.orgs.models import OrgKind
    from tongxin.orgs.services import org_create

    street, _campaign = work
    other = org_create(by=None, code="HH", name="红星街道", kind=OrgKind.STREET, parent=street.district)
    community = org_create(by=None, code="HH-C1", name="红星社区", kind=OrgKind.COMMUNITY, parent=other)
    role_grant(by=None, user=street.accounts["street_admin"], role=Role.STREET_ADMIN, org=other)
    _session(street, community, SessionKind.LECTURE)
    as_role(client, street, "superior")
    body = client.get("/api/v1/figures?org=KEQ&children=true").json()
    values = {c["org"]["code"]: {f["key"]: f["value"] for f in c["figures"]} for c in body["children"]}
    assert set(values) == {"BLP", "HH"}
    whole = {f["key"]: f["value"] for f in body["figures"]}
    assert (values["BLP"]["sessions"], values["HH"]["sessions"]) == (4, 1)
    for key in ("sessions", "attendance", "voices", "points_earned", "households_visited"):
        assert whole[key] == values["BLP"][key] + values["HH"][key], key
