"""``GET /api/v1/coverage`` and ``GET /api/v1/coverage/gaps``: the same figures and the same gap
list as the pages, for the same readers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tongxin.accounts.services import api_token_issue
from tongxin.learning.models import SessionKind

from .test_coverage import add_session, build_world

URL = "/api/v1/coverage"


@pytest.fixture
def world(street, campaign):
    return build_world(street, campaign)


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_street_figures(world):
    response = as_user(world.s.accounts["street_admin"]).get(URL, {"org": "BLP", "campaign": "gandangen"})
    assert response.status_code == 200
    data = response.json()
    assert (data["campaign"], data["org"], data["org_name"], data["clipped"]) == ("gandangen", "BLP", "八里铺街道", False)
    assert (data["target"], data["reached"], data["gaps"], data["rate"]) == (8, 4, 4, 50.0)
    groups = {g["key"]: (g["target"], g["reached"], g["gaps"]) for g in data["by_group"]}
    assert groups["member_infirm"] == (2, 1, 1) and groups["group:retired"] == (2, 1, 1)
    assert groups["resident_other"] == (1, 0, 1)
    for g in data["by_group"]:
        assert g["reached"] + g["gaps"] == g["target"]
    ways = {w["key"]: w["reached"] for w in data["by_way"] if w["reached"]}
    assert ways == {"session:lecture": 2, "session:micro_class": 1, "session:outreach": 1, "delivery:home": 1,
                    "delivery:online": 1}
    assert [(p["org"], p["target"], p["reached"], p["rate"]) for p in data["by_place"]] == [
        ("BLP-C1", 5, 3, 60.0), ("BLP-C2", 3, 1, 33.3)]
    assert [p["org"] for p in data["by_grid"]] == ["BLP-C1-G1", "BLP-C2-G1"]
    assert data["by_week"][0]["week"] == 1 and data["by_week"][-1]["cumulative"] == 4


def test_without_arguments_the_newest_campaign_and_the_callers_own_org(world):
    data = as_user(world.s.accounts["community_worker"]).get(URL).json()
    assert (data["campaign"], data["org"], data["target"]) == ("gandangen", "BLP-C1", 5)
    data = as_user(world.s.accounts["superior"]).get(URL, {"campaign": "gandangen"}).json()
    assert (data["org"], data["target"]) == ("BLP", 8)  # the scope, for a superior above it


def test_a_bearer_token_works_too(world):
    token = api_token_issue(user=world.s.accounts["grid_worker"])
    response = Client().get(URL, {"org": "BLP-C1-G1", "campaign": "gandangen"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and response.json()["target"] == 5


def test_who_may_read_what(world):
    cases = [
        ("grid_worker", "BLP-C1-G1", 200), ("grid_worker", "BLP-C1", 403), ("grid_worker", "BLP-C2-G1", 403),
        ("building_head", "BLP-C1-G1-B1", 200), ("community_worker", "BLP-C2", 403),
        ("resident", "BLP-C1", 403), ("party_member", "BLP-C1", 403),
        ("system_admin", "BLP", 404),  # does not see the campaign at all
        ("superior", "KEQ", 200),
    ]
    for username, org, status in cases:
        for url in (URL, URL + "/gaps"):
            response = as_user(world.s.accounts[username]).get(url, {"org": org, "campaign": "gandangen"})
            assert response.status_code == status, (username, org, url)
    admin = as_user(world.s.accounts["street_admin"])
    assert admin.get(URL, {"org": "BLP", "campaign": "no-such"}).status_code == 404
    assert admin.get(URL, {"org": "NO-SUCH", "campaign": "gandangen"}).status_code == 404
    assert Client().get(URL, {"org": "BLP", "campaign": "gandangen"}).status_code == 401


def test_the_gap_list(world):
    admin = as_user(world.s.accounts["street_admin"])
    talk = add_session(world.s.accounts["street_admin"], world.s.grid_a1, SessionKind.OUTREACH,
                       timezone.now() + timedelta(days=1), world.campaign, "进小区宣讲")
    data = admin.get(URL + "/gaps", {"org": "BLP", "campaign": "gandangen"}).json()
    assert data["count"] == 4
    items = {i["person"]["name"]: i for i in data["items"]}
    assert list(items) == ["孙八", "赵六", "李四", "郑十一"]  # by place (grid A1, then B1), then name
    li = items["李四"]
    assert li["person"]["phone"] == "139****4321" and li["person"]["org"] == "BLP-C2-G1-B1"
    assert li["person"]["household"] == "2-202" and li["person"]["is_party_member"] is False
    assert (li["suggested"]["code"], li["suggested"]["label"], li["suggested"]["session"]) == (
        "unscheduled", "待安排宣讲/微课堂", None)
    assert items["郑十一"]["suggested"]["code"] == "home"  # infirm (and mobile): home first
    for name in ("赵六", "孙八"):  # a resident and a regular member of grid A1: tomorrow's outreach
        suggested = items[name]["suggested"]
        assert suggested["code"] == "session"
        assert (suggested["session"]["id"], suggested["session"]["kind"], suggested["session"]["org"]) == (
            talk.pk, "outreach", "BLP-C1-G1")
    assert items["赵六"]["responsible"] == [{"name": "grid_worker", "kind": "grid_worker", "kind_label": "网格员"}]
    assert "13987654321" not in str(data)


def test_the_gap_list_pages_with_limit_and_offset(world):
    admin = as_user(world.s.accounts["street_admin"])
    first = admin.get(URL + "/gaps", {"org": "BLP", "campaign": "gandangen", "limit": 3}).json()
    rest = admin.get(URL + "/gaps", {"org": "BLP", "campaign": "gandangen", "limit": 3, "offset": 3}).json()
    beyond = admin.get(URL + "/gaps", {"org": "BLP", "campaign": "gandangen", "offset": 50}).json()
    assert (first["count"], rest["count"], beyond["count"]) == (4, 4, 4)
    assert [i["person"]["name"] for i in first["items"] + rest["items"]] == ["孙八", "赵六", "李四", "郑十一"]
    assert beyond["items"] == []


def test_the_openapi_document_names_both_endpoints(world):
    doc = as_user(world.s.accounts["street_admin"]).get("/api/v1/openapi.json").json()
    assert "/api/v1/coverage" in doc["paths"] and "/api/v1/coverage/gaps" in doc["paths"]
