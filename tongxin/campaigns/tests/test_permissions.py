"""The permission matrix of the campaign pages and API: every role × every page, asserted.

The campaign runs in the street BLP. Community A is BLP-C1 (the community worker's, the grid
worker's grid BLP-C1-G1, the building head's building), community B is BLP-C2. "Y" is 200, "-"
is 403, "n" is 404 (the account does not see the campaign at all).
"""

from dataclasses import dataclass, fields

import pytest
from django.test import Client

from tongxin.accounts.models import Role
from tongxin.campaigns.models import TaskCompletion
from tongxin.campaigns.permissions import may_view_compliance
from tongxin.campaigns.selectors import campaign_list_for
from tongxin.campaigns.services import campaign_create, task_create
from tongxin.testing import PASSWORD

from .records import days


@dataclass(frozen=True)
class Row:
    detail: str
    compliance: str  # the default org of the page
    compliance_street: str  # ?org=BLP
    compliance_b: str  # ?org=BLP-C2, the other community
    compliance_grid: str  # ?org=BLP-C1-G1, the grid of community A
    create_campaign: str
    add_task: str
    complete_a: str  # record a completion for community A
    complete_b: str  # … for community B


EXPECTED: dict[str, Row] = {
    #                        detail compl. street C2   grid  create task  A    B
    "street_admin":     Row("Y",   "Y",   "Y",   "Y",  "Y",  "Y",   "Y",  "Y", "Y"),
    "community_worker": Row("Y",   "Y",   "-",   "-",  "Y",  "-",   "-",  "Y", "-"),
    "grid_worker":      Row("Y",   "Y",   "-",   "-",  "Y",  "-",   "-",  "-", "-"),
    "building_head":    Row("Y",   "Y",   "-",   "-",  "-",  "-",   "-",  "-", "-"),
    "superior":         Row("Y",   "Y",   "Y",   "Y",  "Y",  "-",   "-",  "-", "-"),
    "party_member":     Row("Y",   "-",   "-",   "-",  "-",  "-",   "-",  "-", "-"),
    "resident":         Row("Y",   "-",   "-",   "-",  "-",  "-",   "-",  "-", "-"),
    "system_admin":     Row("n",   "n",   "n",   "n",  "n",  "-",   "n",  "n", "n"),
    "security_admin":   Row("n",   "n",   "n",   "n",  "n",  "-",   "n",  "n", "n"),
    "auditor":          Row("n",   "n",   "n",   "n",  "n",  "-",   "n",  "n", "n"),
}
STATUS = {"Y": 200, "-": 403, "n": 404}


def test_the_table_covers_every_role():
    assert set(EXPECTED) == set(Role.values)


@pytest.fixture
def report_task(campaign, street):
    return task_create(by=None, campaign=campaign, title="报送进展情况", due_on=days(7), org=street.street,
                       proof_kind="report")


def _urls(campaign, task) -> dict[str, str]:
    base = f"/campaigns/{campaign.slug}"
    return {
        "detail": f"{base}/",
        "compliance": f"{base}/compliance/",
        "compliance_street": f"{base}/compliance/?org=BLP",
        "compliance_b": f"{base}/compliance/?org=BLP-C2",
        "compliance_grid": f"{base}/compliance/?org=BLP-C1-G1",
        "create_campaign": "/campaigns/new/",
        "add_task": f"{base}/tasks/new/",
        "complete_a": f"{base}/compliance/BLP-C1/tasks/{task.pk}/complete/",
        "complete_b": f"{base}/compliance/BLP-C2/tasks/{task.pk}/complete/",
    }


@pytest.mark.parametrize("role", list(EXPECTED))
def test_pages_matrix(client, street, campaign, report_task, role):
    client.force_login(street.accounts[role])
    urls = _urls(campaign, report_task)
    got = {f.name: client.get(urls[f.name]).status_code for f in fields(Row)}
    want = {f.name: STATUS[getattr(EXPECTED[role], f.name)] for f in fields(Row)}
    assert got == want


@pytest.mark.parametrize("role", list(EXPECTED))
def test_posting_a_completion_follows_the_same_rule(client, street, campaign, report_task, role):
    client.force_login(street.accounts[role])
    urls = _urls(campaign, report_task)
    data = {"completed_on": days(0).isoformat(), "report": "已召开动员会"}
    for key, code in (("complete_a", "BLP-C1"), ("complete_b", "BLP-C2")):
        response = client.post(urls[key], data)
        allowed = getattr(EXPECTED[role], key) == "Y"
        assert response.status_code == (302 if allowed else STATUS[getattr(EXPECTED[role], key)])
        assert TaskCompletion.objects.filter(task=report_task, org__code=code).exists() == allowed


def _token_client(username: str) -> Client:
    response = Client().post("/api/v1/auth/token", {"username": username, "password": PASSWORD},
                             content_type="application/json")
    assert response.status_code == 200, response.content
    return Client(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")


@pytest.mark.parametrize("role", list(EXPECTED))
def test_api_matches_the_pages(street, campaign, report_task, role):
    api = _token_client(role)
    listed = [c["slug"] for c in api.get("/api/v1/campaigns").json()]
    assert listed == (["gandangen"] if EXPECTED[role].detail == "Y" else [])
    response = api.get(f"/api/v1/campaigns/{campaign.slug}/compliance")
    assert response.status_code == STATUS[EXPECTED[role].compliance]
    for org, column in (("BLP", "compliance_street"), ("BLP-C2", "compliance_b"), ("BLP-C1-G1", "compliance_grid")):
        response = api.get(f"/api/v1/campaigns/{campaign.slug}/compliance?org={org}")
        assert response.status_code == STATUS[getattr(EXPECTED[role], column)], org
        if response.status_code == 403:
            assert response.json()["detail"] == "无权查看该组织的完成情况"


# ``campaigns.view_compliance``, the rule alone, on the district KEQ, the street BLP, community A
# (BLP-C1), community B (BLP-C2), grid A1 and building A1: staff and superiors over the org.
COMPLIANCE_RULE = {
    "street_admin": "-YYYYY", "community_worker": "--Y-YY", "grid_worker": "----YY", "building_head": "-----Y",
    "superior": "YYYYYY", "party_member": "------", "resident": "------", "system_admin": "------",
    "security_admin": "------", "auditor": "------",
}


def test_the_rule_matrix_covers_every_role():
    assert set(COMPLIANCE_RULE) == set(Role.values)


@pytest.mark.parametrize("role", list(COMPLIANCE_RULE))
def test_view_compliance_rule(street, campaign, more, role):
    user = street.accounts[role]
    orgs = (street.district, street.street, street.community_a, street.community_b, street.grid_a1,
            street.building_a1)
    assert "".join("Y" if user.has_perm("campaigns.view_compliance", o) else "-" for o in orgs) == COMPLIANCE_RULE[role]
    # The page also needs the campaign: seen by the account, and concerning the org (inside its
    # scope or above it). A superior holds the rule on the street next door, not its compliance here.
    assert [may_view_compliance(user, campaign, o) for o in orgs] == [c == "Y" for c in COMPLIANCE_RULE[role]]
    assert not may_view_compliance(user, campaign, more.other_street)
    assert user.has_perm("campaigns.view_compliance", more.other_street) == (role == "superior")


def test_the_list_is_what_view_campaign_allows(street, more):
    """``campaign_list_for`` filters in SQL what ``campaigns.view_campaign`` decides per object."""
    dates = {"starts_on": days(-5), "ends_on": days(30)}
    campaigns = [
        campaign_create(by=None, name="街道活动", slug="street", scope=street.street, **dates),
        campaign_create(by=None, name="学院社区活动", slug="c2", scope=street.community_b, **dates),
        campaign_create(by=None, name="八里铺社区活动", slug="c1", scope=street.community_a, **dates),
        campaign_create(by=None, name="区级活动", slug="district", scope=street.district, **dates),
        campaign_create(by=None, name="邻街活动", slug="other", scope=more.other_street, **dates),
    ]
    seen_by_someone = set()
    for role, user in street.accounts.items():
        listed = set(campaign_list_for(user).values_list("slug", flat=True))
        allowed = {c.slug for c in campaigns if user.has_perm("campaigns.view_campaign", c)}
        assert listed == allowed, role
        seen_by_someone |= listed
    assert seen_by_someone == {"street", "c2", "c1", "district", "other"}
    assert set(campaign_list_for(street.accounts["community_worker"]).values_list("slug", flat=True)) == {
        "street", "c1", "district"}
