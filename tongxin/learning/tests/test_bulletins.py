"""简报: issue numbers run per org and campaign, and two bulletins written at the same moment
get consecutive numbers, never the same one."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from tongxin.accounts.models import Role
from tongxin.campaigns.models import Campaign
from tongxin.core.models import AuditEntry
from tongxin.learning.models import Bulletin
from tongxin.learning.services.bulletins import bulletin_create, next_issue_no

BODY = "本周，八里铺社区开展“网格微课堂”3 场，送学上门 12 人次，发放口袋书 40 册。"


def issue(street, org=None, role: str = "street_admin", **kwargs) -> Bulletin:
    return bulletin_create(by=street.accounts[role], org=org or street.street,
                           title=kwargs.pop("title", "主题教育工作简报"), body=kwargs.pop("body", BODY), **kwargs)


def test_issue_numbers_run_per_org_and_campaign(street, campaign):
    first = issue(street, campaign=campaign, title="第一周")
    second = issue(street, campaign=campaign, title="第二周")
    outside = issue(street, title="街道工作动态")  # no campaign: its own series
    community = issue(street, org=street.community_a, role="community_worker", campaign=campaign, title="社区第一周")

    assert (first.issue_no, second.issue_no, outside.issue_no, community.issue_no) == (1, 2, 1, 1)
    assert next_issue_no(street.street, campaign) == 3 and next_issue_no(street.street) == 2


def test_bulletin_is_dated_today_by_default_and_audited(street, campaign):
    bulletin = issue(street, campaign=campaign)
    assert bulletin.published_on == timezone.localdate() and bulletin.created_by == street.accounts["street_admin"]
    entry = AuditEntry.objects.get(action="bulletin_created", object_id=str(bulletin.pk))
    assert entry.changes["issue_no"] == 1 and entry.changes["campaign"] == "gandangen"


def test_a_chosen_publish_date(street, campaign):
    day = timezone.localdate() - timedelta(days=3)
    assert issue(street, campaign=campaign, published_on=day).published_on == day


def test_publish_date_before_the_campaign_is_refused(street, campaign):
    with pytest.raises(ValidationError) as error:
        issue(street, campaign=campaign, published_on=campaign.starts_on - timedelta(days=1))
    assert error.value.message_dict["published_on"] == ["编发日期早于主题活动开始日期"]


def test_campaign_must_concern_the_org(street):
    today = timezone.localdate()
    other = Campaign.objects.create(name="学院社区专题学习", slug="xueyuan", starts_on=today - timedelta(days=3),
                                    ends_on=today + timedelta(days=3), scope=street.community_b,
                                    scope_path=street.community_b.path)
    with pytest.raises(ValidationError) as error:
        issue(street, org=street.community_a, role="community_worker", campaign=other)
    assert error.value.message_dict["campaign"] == ["该主题活动不涉及本单位"]
    # The street is above the community's campaign: its bulletin may report on it.
    assert issue(street, campaign=other).issue_no == 1


@pytest.mark.parametrize("title, body, field", [("", BODY, "title"), ("标题", "   ", "body")])
def test_title_and_body_are_required(street, title, body, field):
    with pytest.raises(ValidationError) as error:
        issue(street, title=title, body=body)
    assert field in error.value.message_dict


# Who may issue a bulletin of community BLP-C1.
ISSUES_FOR_COMMUNITY_A = {
    "street_admin": True, "community_worker": True, "grid_worker": False, "building_head": False,
    "party_member": False, "resident": False, "superior": False, "system_admin": False,
    "security_admin": False, "auditor": False,
}


def test_the_matrix_covers_every_role():
    assert set(ISSUES_FOR_COMMUNITY_A) == set(Role.values)


@pytest.mark.parametrize("role", sorted(ISSUES_FOR_COMMUNITY_A))
def test_who_may_issue(street, role):
    if ISSUES_FOR_COMMUNITY_A[role]:
        assert issue(street, org=street.community_a, role=role).issue_no == 1
    else:
        with pytest.raises(PermissionError, match="无权以该单位名义编发简报"):
            issue(street, org=street.community_a, role=role)
        assert not Bulletin.objects.exists()


# ``learning.manage_bulletins``, the rule the service asks, on the street BLP, community A
# (BLP-C1) and community B (BLP-C2): "Y" allowed, "-" not.
BULLETIN_RULE = {
    "street_admin": "YYY", "community_worker": "-Y-", "grid_worker": "---", "building_head": "---",
    "party_member": "---", "resident": "---", "superior": "---", "system_admin": "---",
    "security_admin": "---", "auditor": "---",
}


def test_the_rule_matrix_covers_every_role():
    assert set(BULLETIN_RULE) == set(Role.values)


@pytest.mark.parametrize("role", sorted(BULLETIN_RULE))
def test_manage_bulletins_rule(street, role):
    user = street.accounts[role]
    got = "".join("Y" if user.has_perm("learning.manage_bulletins", org) else "-"
                  for org in (street.street, street.community_a, street.community_b))
    assert got == BULLETIN_RULE[role]
    # The service asks the same rule.
    assert BULLETIN_RULE[role][1] == ("Y" if ISSUES_FOR_COMMUNITY_A[role] else "-")


@pytest.mark.parametrize("role", sorted(BULLETIN_RULE))
def test_the_next_issue_link_follows_the_rule(client, street, role):
    bulletin = issue(street, org=street.community_a, role="community_worker")
    client.force_login(street.accounts[role])
    response = client.get(f"/learning/bulletins/{bulletin.pk}/")
    may_issue = BULLETIN_RULE[role][1] == "Y"
    assert response.status_code in ((200,) if may_issue else (200, 403, 404))
    if response.status_code == 200:
        assert ("编发下一期" in response.content.decode()) == may_issue


def test_the_same_bulletin_sent_twice_is_issued_once(street, campaign):
    first = issue(street, campaign=campaign)
    again = issue(street, campaign=campaign)
    assert again.pk == first.pk and Bulletin.objects.count() == 1


def _issue_at_once(street, *, campaign, count: int) -> list:
    barrier = threading.Barrier(count)
    outcomes: list = []

    def create(i: int) -> None:
        try:
            barrier.wait()
            bulletin = bulletin_create(by=street.accounts["street_admin"], org=street.street, campaign=campaign,
                                       title=f"工作简报（{i}）", body=f"{BODY}（稿 {i}）")
            outcomes.append(bulletin.issue_no)
        except Exception as error:  # noqa: BLE001 — the test reports whatever went wrong
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_bulletins_written_at_the_same_moment_get_numbers_1_and_2(street, campaign):
    outcomes = _issue_at_once(street, campaign=campaign, count=2)
    assert sorted(outcomes) == [1, 2]
    assert sorted(Bulletin.objects.values_list("issue_no", flat=True)) == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_numbering_without_a_campaign_holds_under_concurrency_too(street):
    # No campaign: campaign IS NULL, which the unique constraint cannot see; the lock alone holds.
    outcomes = _issue_at_once(street, campaign=None, count=6)
    assert sorted(outcomes) == [1, 2, 3, 4, 5, 6]
    assert sorted(Bulletin.objects.values_list("issue_no", flat=True)) == [1, 2, 3, 4, 5, 6]
